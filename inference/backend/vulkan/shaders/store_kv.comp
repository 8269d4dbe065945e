#version 450
// Writes `rows` rows of kvDim f32 values into a cache layer at consecutive positions, as f32 or
// (f16 != 0) as halves rounded to nearest even. One invocation per value pair, so two halves that
// share a 32-bit word are written by one invocation (kvDim is even).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer X { float xdata[]; };
layout(std430, binding = 1) buffer C { uint cdata[]; };
// Positions written by the host before each submission; dyn[posSlot] is this op's first
// position, so a recorded command buffer serves every position.
layout(std430, binding = 2) readonly buffer Dyn { uint dyn[]; };
// cOffset: 32-bit words from the binding start to position 0 of the layer (to pos0 when the host
// bound a window from pos0 and wrote 0 as the position).
// kept > 0: a sliding-window layer's ring of `kept` slots, position p in slot p % kept.
layout(push_constant) uniform Params { uint rows, kvDim, xOffset, xStride, cOffset, f16, posSlot, kept; } p;
#include "half.glsl"

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    const uint pairs = p.kvDim / 2u;
    if (i >= p.rows * pairs) return;
    const uint row = i / pairs, c = (i % pairs) * 2u;
    const float a = xdata[p.xOffset + row * p.xStride + c];
    const float b = xdata[p.xOffset + row * p.xStride + c + 1u];
    const uint pos = dyn[p.posSlot] + row;
    const uint e = (p.kept > 0u ? pos % p.kept : pos) * p.kvDim + c; // element index from slot 0
    if (p.f16 != 0u) {
        cdata[p.cOffset + e / 2u] = toHalfBits(a) | (toHalfBits(b) << 16);
    } else {
        cdata[p.cOffset + e] = floatBitsToUint(a);
        cdata[p.cOffset + e + 1u] = floatBitsToUint(b);
    }
}
