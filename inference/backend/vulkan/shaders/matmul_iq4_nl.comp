#version 450
// Matmul with IQ4_NL weights: 18-byte blocks = fp16 d, 16 bytes of 4-bit indices into a
// non-uniform table (element k in the low nibble of byte k, k + 16 in the high one).
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
const float kIq4nl[16] = float[16](-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0,
                                   13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + u * 18u;
    const float d = readHalf(b);
    for (uint k = 0; k < 16u; ++k) {
        const uint q = readByte(b + 2u + k);
        w[k] = d * kIq4nl[q & 15u];
        w[k + 16u] = d * kIq4nl[q >> 4];
    }
}
