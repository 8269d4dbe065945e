#version 450
// Matmul with F16 weights (rows start at even byte offsets).
#define UNIT 1
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) { w[0] = readHalf(rowByte + u * 2u); }
