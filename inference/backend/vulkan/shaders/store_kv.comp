#version 450
// Writes `rows` rows of kvDim f32 values into a cache layer at consecutive positions, as f32,
// (kvType 1) as halves rounded to nearest even, or (kvType 2) as Q8_0 blocks quantized as the CPU
// backend's row quantizer does (d = f16(amax/127), q = roundEven(x * 127/amax)). f32/f16: one
// invocation per value pair, so two halves that share a 32-bit word are written by one invocation
// (kvDim is even). Q8_0: one invocation per block; the layer holds every slot's int8 values first
// and then the blocks' f16 scales (scaleOffset: words from the binding start to scale 0), whose
// halves are shared by neighbouring blocks and so written with atomics.
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
layout(push_constant) uniform Params { uint rows, kvDim, xOffset, xStride, cOffset, kvType, posSlot, kept, scaleOffset; } p;
#include "half.glsl"

uint slotOf(uint row) {
    const uint pos = dyn[p.posSlot] + row;
    return p.kept > 0u ? pos % p.kept : pos;
}

void storeQ8Block(uint i) {
    const uint blocks = p.kvDim / 32u;
    if (i >= p.rows * blocks) return;
    const uint row = i / blocks, c = (i % blocks) * 32u;
    const uint x0 = p.xOffset + row * p.xStride + c;
    float amax = 0.0;
    for (uint k = 0u; k < 32u; ++k) amax = max(amax, abs(xdata[x0 + k]));
    const uint dBits = toHalfBits(amax / 127.0);
    const float id = amax != 0.0 ? 127.0 / amax : 0.0;
    const uint e = slotOf(row) * p.kvDim + c; // element (byte) index from slot 0
    for (uint w = 0u; w < 8u; ++w) {
        uint packed = 0u;
        for (uint k = 0u; k < 4u; ++k) {
            const int q = int(roundEven(xdata[x0 + w * 4u + k] * id));
            packed |= (uint(q) & 0xffu) << (8u * k);
        }
        cdata[p.cOffset + e / 4u + w] = packed;
    }
    const uint half_ = e / 32u, word = p.scaleOffset + half_ / 2u, shift = (half_ & 1u) * 16u;
    atomicAnd(cdata[word], ~(0xffffu << shift));
    atomicOr(cdata[word], dBits << shift);
}

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (p.kvType == 2u) {
        storeQ8Block(i);
        return;
    }
    const uint pairs = p.kvDim / 2u;
    if (i >= p.rows * pairs) return;
    const uint row = i / pairs, c = (i % pairs) * 2u;
    const float a = xdata[p.xOffset + row * p.xStride + c];
    const float b = xdata[p.xOffset + row * p.xStride + c + 1u];
    const uint e = slotOf(row) * p.kvDim + c; // element index from slot 0
    if (p.kvType == 1u) {
        cdata[p.cOffset + e / 2u] = toHalfBits(a) | (toHalfBits(b) << 16);
    } else {
        cdata[p.cOffset + e] = floatBitsToUint(a);
        cdata[p.cOffset + e + 1u] = floatBitsToUint(b);
    }
}
