#version 450
// x = a * y (assign != 0) or x += a * y, over n consecutive floats.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) buffer X { float xdata[]; };
layout(std430, binding = 1) readonly buffer Y { float ydata[]; };
layout(push_constant) uniform Params { uint n, xOffset, yOffset, assign; float a; } p;

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.n) return;
    const float v = p.a * ydata[p.yOffset + i];
    xdata[p.xOffset + i] = p.assign != 0u ? v : xdata[p.xOffset + i] + v;
}
