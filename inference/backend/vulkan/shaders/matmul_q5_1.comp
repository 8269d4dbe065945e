#version 450
// Matmul with Q5_1 weights: 24-byte blocks = fp16 d, fp16 m, 32 fifth bits, 16 bytes of
// nibbles; value = d * q + m.
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + u * 24u;
    const float d = readHalf(b), m = readHalf(b + 2u);
    const uint qh = wdata[(b + 4u) >> 2]; // 24-byte blocks keep this word aligned
    for (uint k = 0; k < 16u; ++k) {
        const uint q = readByte(b + 8u + k);
        w[k] = d * float((q & 15u) | (((qh >> k) & 1u) << 4)) + m;
        w[k + 16u] = d * float((q >> 4) | (((qh >> (k + 16u)) & 1u) << 4)) + m;
    }
}
