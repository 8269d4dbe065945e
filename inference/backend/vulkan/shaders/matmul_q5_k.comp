#version 450
// Matmul with Q5_K weights, one 32-value sub-block per step. Super-block of 176 bytes: fp16 d,
// fp16 dmin, 12 scale bytes, qh[32] (bit s of qh[l] is the fifth bit of sub-block s, value l),
// qs[128] (as Q4_K); value = d*sc*q - dmin*m.
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + (u / 8u) * 176u, sub = u % 8u;
    float sc, m;
    scaleMinK4(b + 4u, sub, sc, m);
    const float d = readHalf(b) * sc, dm = readHalf(b + 2u) * m;
    const uint qh = b + 16u, qs = b + 48u + (sub / 2u) * 32u, shift = (sub & 1u) * 4u;
    for (uint k = 0; k < 32u; ++k) {
        const uint q = ((readByte(qs + k) >> shift) & 15u) | (((readByte(qh + k) >> sub) & 1u) << 4);
        w[k] = d * float(q) - dm;
    }
}
