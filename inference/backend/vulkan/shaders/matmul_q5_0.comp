#version 450
// Matmul with Q5_0 weights: 22-byte blocks = fp16 d, 32 fifth bits (little-endian), 16 bytes of
// nibbles; value = d * (q - 16).
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + u * 22u;
    const float d = readHalf(b);
    const uint qh = readByte(b + 2u) | (readByte(b + 3u) << 8) | (readByte(b + 4u) << 16) |
                    (readByte(b + 5u) << 24);
    for (uint k = 0; k < 16u; ++k) {
        const uint q = readByte(b + 6u + k);
        w[k] = d * (float((q & 15u) | (((qh >> k) & 1u) << 4)) - 16.0);
        w[k + 16u] = d * (float((q >> 4) | (((qh >> (k + 16u)) & 1u) << 4)) - 16.0);
    }
}
