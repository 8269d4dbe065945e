#version 450
// The gated FFN's activation over n consecutive floats, y = act(g) * u:
//   mode 0 SwiGLU: silu(g) = g / (1 + e^-g);
//   mode 1 GeGLU: GELU looked up in ggml's fp16 table (binding 3, two halves per uint) at g
//          rounded to fp16, g itself from 10 up and 0 from -10 down, as the CPU backend does;
//   mode 2 gpt-oss: x = min(g, 7), x / (1 + e^(-1.702 x)) * (clamp(u, -7, 7) + 1).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer G { float gdata[]; };
layout(std430, binding = 1) readonly buffer U { float udata[]; };
layout(std430, binding = 2) writeonly buffer Y { float ydata[]; };
layout(std430, binding = 3) readonly buffer T { uint gelu[]; };
layout(push_constant) uniform Params { uint n, gOffset, uOffset, yOffset, mode; } p;
#include "half.glsl"

float geluFp16(float x) {
    if (x <= -10.0) return 0.0;
    if (x >= 10.0) return x;
    const uint h = toHalfBits(x);
    const uint w = gelu[h >> 1];
    return unpackHalf2x16((h & 1u) != 0u ? (w >> 16) : w).x;
}

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.n) return;
    const float g = gdata[p.gOffset + i], u = udata[p.uOffset + i];
    float y;
    if (p.mode == 1u) {
        y = geluFp16(g) * u;
    } else if (p.mode == 2u) {
        const float x = min(g, 7.0);
        y = x / (1.0 + exp(1.702 * (-x))) * (clamp(u, -7.0, 7.0) + 1.0);
    } else {
        y = g / (1.0 + exp(-g)) * u;
    }
    ydata[p.yOffset + i] = y;
}
