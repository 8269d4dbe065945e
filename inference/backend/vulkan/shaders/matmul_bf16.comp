#version 450
// Matmul with BF16 weights: the upper 16 bits of an f32.
#define UNIT 1
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    w[0] = uintBitsToFloat(readU16(rowByte + u * 2u) << 16);
}
