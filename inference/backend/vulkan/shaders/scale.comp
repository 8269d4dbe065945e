#version 450
// x *= s over n consecutive floats (Granite's embedding, residual and logit multipliers).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) buffer X { float xdata[]; };
layout(push_constant) uniform Params { uint n, xOffset; float s; } p;

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i < p.n) xdata[p.xOffset + i] *= p.s;
}
