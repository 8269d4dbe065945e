#version 450
// Matmul with Q4_K weights, 32 values (one sub-block) per step. Super-block of 256 values in 144
// bytes: fp16 d, fp16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles; 64-value chunk
// c uses bytes 32c..32c+31, low nibbles for sub-block 2c, high for 2c+1; value = d*sc*q - dmin*m.
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + (u / 8u) * 144u, sub = u % 8u;
    float sc, m;
    scaleMinK4(b + 4u, sub, sc, m);
    const float d = readHalf(b) * sc, dm = readHalf(b + 2u) * m;
    const uint qs = b + 16u + (sub / 2u) * 32u, shift = (sub & 1u) * 4u;
    for (uint k = 0; k < 32u; ++k) w[k] = d * float((readByte(qs + k) >> shift) & 15u) - dm;
}
