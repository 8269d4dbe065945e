#version 450
// Matmul with Q3_K weights, 32 values per step. Super-block of 256 values in 110 bytes: 32 bytes
// of high bits (hmask), 64 bytes of 2-bit values (laid out as Q2_K's), 12 bytes of 6-bit scales,
// fp16 d; value = d * (scale - 32) * (q - 4 * !high), the high bit of step j's element l at bit
// j of hmask[l].
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
// The is-th (0..15) 6-bit scale of the 12 scale bytes at s.
uint scaleQ3K(uint s, uint is) {
    const uint low = is < 8u ? (readByte(s + is) & 15u) : (readByte(s + is - 8u) >> 4);
    return low | (((readByte(s + 8u + is % 4u) >> (2u * (is / 4u))) & 3u) << 4);
}
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + (u / 8u) * 110u, j = u % 8u;
    const uint half_ = j / 4u, shift = (j % 4u) * 2u;
    const float d = readHalf(b + 108u);
    for (uint part = 0; part < 2u; ++part) {
        const uint is = half_ * 8u + (j % 4u) * 2u + part;
        const float dl = d * (float(scaleQ3K(b + 96u, is)) - 32.0);
        for (uint l = part * 16u; l < part * 16u + 16u; ++l) {
            const uint q = (readByte(b + 32u + half_ * 32u + l) >> shift) & 3u;
            const uint high = (readByte(b + l) >> j) & 1u;
            w[l] = dl * (float(q) - (high != 0u ? 0.0 : 4.0));
        }
    }
}
