#version 450
// Matmul with IQ4_XS weights, 32 values per step. Super-block of 256 values in 136 bytes: fp16
// d, 16-bit high scale bits (2 per block of 32), 4 bytes of low scale nibbles, 128 bytes of
// IQ4_NL-style indices; block ib's value = d * (scale_ib - 32) * table[index].
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
const float kIq4nl[16] = float[16](-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0,
                                   13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + (u / 8u) * 136u, ib = u % 8u;
    const uint scale = ((readByte(b + 4u + ib / 2u) >> (4u * (ib % 2u))) & 15u) |
                       (((readU16(b + 2u) >> (2u * ib)) & 3u) << 4);
    const float d = readHalf(b) * (float(scale) - 32.0);
    const uint qs = b + 8u + 16u * ib;
    for (uint k = 0; k < 16u; ++k) {
        const uint q = readByte(qs + k);
        w[k] = d * kIq4nl[q & 15u];
        w[k + 16u] = d * kIq4nl[q >> 4];
    }
}
