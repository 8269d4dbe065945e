#version 450
// Matmul with MXFP4 weights: 17-byte blocks = an E8M0 exponent e, 16 bytes of e2m1 indices
// (element k in the low nibble of byte k, k + 16 in the high one). The table holds the e2m1
// values doubled, so the block scale is 2^(e - 128) (e 0 and 1 are subnormal), as the CPU's.
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
const float kMxfp4[16] = float[16](0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 0.0, -1.0, -2.0, -3.0,
                                   -4.0, -6.0, -8.0, -12.0);
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + u * 17u;
    const uint e = readByte(b);
    const float d = uintBitsToFloat(e < 2u ? (0x00200000u << e) : ((e - 1u) << 23));
    for (uint k = 0; k < 16u; ++k) {
        const uint q = readByte(b + 1u + k);
        w[k] = d * kMxfp4[q & 15u];
        w[k + 16u] = d * kMxfp4[q >> 4];
    }
}
