#version 450
// Rounds activations the way the CPU backend (and ggml's x86 CPU backend) converts them to a
// weight type's vec-dot format, and writes the dequantized values back as f32, so the f32 matmul
// that follows sees the same numbers as the CPU's integer dot products:
//   mode 0: f16 (round to nearest even)                       for F16 weights
//   mode 1: Q8_0 blocks of 32: d = f16(amax/127), q = roundEven(x * 127/amax)
//   mode 2: Q8_K blocks of 256: m = value of largest |x|, iscale = -127/m,
//           q = min(127, roundEven(iscale * x)), d = 1/iscale
// One invocation per block (32 values for mode 0 and 1, 256 for mode 2).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer X { float xdata[]; };
layout(std430, binding = 1) writeonly buffer Y { float ydata[]; };
layout(push_constant) uniform Params { uint rows, cols, xOffset, xStride, yOffset, yStride, mode; } p;
#include "half.glsl"

void main() {
    const uint bs = p.mode == 2u ? 256u : 32u;
    const uint blocks = (p.cols + bs - 1u) / bs;
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.rows * blocks) return;
    const uint row = i / blocks, c0 = (i % blocks) * bs, c1 = min(p.cols, c0 + bs);
    const uint xb = p.xOffset + row * p.xStride, yb = p.yOffset + row * p.yStride;
    if (p.mode == 0u) {
        for (uint c = c0; c < c1; ++c) ydata[yb + c] = roundToHalf(xdata[xb + c]);
        return;
    }
    float amax = 0.0, mx = 0.0;
    for (uint c = c0; c < c1; ++c) {
        const float a = abs(xdata[xb + c]);
        if (a > amax) {
            amax = a;
            mx = xdata[xb + c];
        }
    }
    if (p.mode == 1u) {
        const float d = unpackHalf2x16(toHalfBits(amax / 127.0)).x;
        const float id = amax != 0.0 ? 127.0 / amax : 0.0;
        for (uint c = c0; c < c1; ++c) ydata[yb + c] = d * roundEven(xdata[xb + c] * id);
        return;
    }
    if (amax == 0.0) {
        for (uint c = c0; c < c1; ++c) ydata[yb + c] = 0.0;
        return;
    }
    const float iscale = -127.0 / mx, d = 1.0 / iscale;
    for (uint c = c0; c < c1; ++c) ydata[yb + c] = d * min(127.0, roundEven(iscale * xdata[xb + c]));
}
