#version 450
// Matmul with Q6_K weights, one 32-value group per step. Super-block of 210 bytes: ql[128],
// qh[64], int8 scales[16] (one per 16 values), fp16 d. Half h (128 values) uses ql[64h..],
// qh[32h..], scales[8h..]; its group g (0..3): low 4 bits from ql[l + 32*(g&1)] (high nibble when
// g >= 2), top 2 bits from qh[l] >> 2g; value = d * scale * (q - 32).
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + (u / 8u) * 210u, sub = u % 8u, h = sub / 4u, g = sub % 4u;
    const float d = readHalf(b + 208u);
    const uint ql = b + 64u * h + 32u * (g & 1u), qh = b + 128u + 32u * h;
    const uint lowShift = (g / 2u) * 4u, sc = b + 192u + 8u * h + 2u * g;
    const float d0 = d * float(readI8(sc)), d1 = d * float(readI8(sc + 1u));
    for (uint k = 0; k < 32u; ++k) {
        const int q = int(((readByte(ql + k) >> lowShift) & 15u) |
                          (((readByte(qh + k) >> (2u * g)) & 3u) << 4)) - 32;
        w[k] = (k < 16u ? d0 : d1) * float(q);
    }
}
