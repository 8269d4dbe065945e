#version 450
// Matmul with Q4_1 weights: 20-byte blocks = fp16 d, fp16 m, 16 bytes of nibbles (element j low
// nibble of byte j, j+16 high nibble); value = d * nibble + m.
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + u * 20u;
    const float d = readHalf(b), m = readHalf(b + 2u);
    for (uint k = 0; k < 16u; ++k) {
        const uint q = readByte(b + 4u + k);
        w[k] = d * float(q & 15u) + m;
        w[k + 16u] = d * float(q >> 4) + m;
    }
}
