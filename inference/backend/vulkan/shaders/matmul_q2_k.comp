#version 450
// Matmul with Q2_K weights, 32 values per step. Super-block of 256 values in 84 bytes: 16 scale
// bytes (low nibble scale, high nibble min of each 16-value sub-block), 64 bytes of 2-bit
// values, fp16 d, fp16 dmin. Step j (0..7) of a super-block: half j/4 reads bytes 32*(j/4)..+31
// at bit pair j%4; its two sub-blocks are 2*(j/4)*4 + 2*(j%4) and the next.
#define UNIT 32
uint unitsPerRow();
#include "matmul_common.glsl"
uint unitsPerRow() { return p.nIn / 32u; }
void loadUnit(uint rowByte, uint u, out float w[UNIT]) {
    const uint b = rowByte + (u / 8u) * 84u, j = u % 8u;
    const uint half_ = j / 4u, shift = (j % 4u) * 2u;
    const float d = readHalf(b + 80u), dmin = readHalf(b + 82u);
    for (uint part = 0; part < 2u; ++part) {
        const uint sc = readByte(b + half_ * 8u + (j % 4u) * 2u + part);
        const float dl = d * float(sc & 15u), ml = dmin * float(sc >> 4);
        const uint qs = b + 16u + half_ * 32u + part * 16u;
        for (uint l = 0; l < 16u; ++l)
            w[part * 16u + l] = dl * float((readByte(qs + l) >> shift) & 3u) - ml;
    }
}
