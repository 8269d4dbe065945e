#version 450
// SwiGLU: y = silu(g) * u over n consecutive floats, silu(v) = v / (1 + e^-v).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer G { float gdata[]; };
layout(std430, binding = 1) readonly buffer U { float udata[]; };
layout(std430, binding = 2) writeonly buffer Y { float ydata[]; };
layout(push_constant) uniform Params { uint n, gOffset, uOffset, yOffset; } p;

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.n) return;
    const float g = gdata[p.gOffset + i];
    ydata[p.yOffset + i] = g / (1.0 + exp(-g)) * udata[p.uOffset + i];
}
