#version 450
// Matmul with F32 weights.
#define UNIT 1
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) { w[0] = readF32(rowByte + u * 4u); }
