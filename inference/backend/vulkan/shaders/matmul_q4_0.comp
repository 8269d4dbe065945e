#version 450
// Matmul with Q4_0 weights: blocks of 18 bytes = fp16 scale d + 16 bytes of nibbles; element j
// is the low nibble of byte j, element j+16 the high nibble; value = d * (nibble - 8).
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + u * 18u;
    const float d = readHalf(b);
    for (uint k = 0; k < 16u; ++k) {
        const uint q = readByte(b + 2u + k);
        w[k] = d * (float(q & 15u) - 8.0);
        w[k + 16u] = d * (float(q >> 4) - 8.0);
    }
}
