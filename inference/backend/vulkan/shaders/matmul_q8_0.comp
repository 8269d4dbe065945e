#version 450
// Matmul with Q8_0 weights: blocks of 34 bytes = fp16 scale d + 32 int8 q; value = d * q.
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + u * 34u;
    const float d = readHalf(b);
    for (uint k = 0; k < 32u; ++k) w[k] = d * float(readI8(b + 2u + k));
}
