#pragma once
// ggml's block layouts (ggml-common.h). Sizes are part of the GGUF format; fp16 fields are raw
// IEEE half bits. Internal to inference/quant and its tests.

#include <bit>
#include <cstdint>

namespace fabulist::inference::quant {

constexpr int kQK = 32;   // elements per block of the legacy formats
constexpr int kQKK = 256; // elements per K-quant super-block
constexpr int kScaleBytesK = 12;

struct BlockQ4_0 {
    uint16_t d;
    uint8_t qs[kQK / 2]; // element j in the low nibble of qs[j], j+16 in the high nibble
};
struct BlockQ4_1 {
    uint16_t d, m;
    uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4]; // 5th bit of element j at bit j (little-endian uint32)
    uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {
    uint16_t d, m;
    uint8_t qh[4];
    uint8_t qs[kQK / 2];
};
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[kQK];
};
struct BlockQ8_1 {
    uint16_t d, s; // s = d * sum(qs)
    int8_t qs[kQK];
};
struct BlockQ4_K {
    uint16_t d, dmin;
    uint8_t scales[kScaleBytesK]; // 8 scales + 8 mins, 6 bits each
    uint8_t qs[kQKK / 2];
};
struct BlockQ5_K {
    uint16_t d, dmin;
    uint8_t scales[kScaleBytesK];
    uint8_t qh[kQKK / 8];
    uint8_t qs[kQKK / 2];
};
struct BlockQ6_K {
    uint8_t ql[kQKK / 2];
    uint8_t qh[kQKK / 4];
    int8_t scales[kQKK / 16];
    uint16_t d;
};
struct BlockQ8_K {
    float d;
    int8_t qs[kQKK];
    int16_t bsums[kQKK / 16]; // sums of qs in groups of 16
};

// Q2_K: 16 sub-blocks of 16 values; value = d * (scale & 15) * q - dmin * (scale >> 4), q in
// 0..3. qs holds four 2-bit planes: element 32*p + l of each 128-value half at bits 2p of byte l.
struct BlockQ2_K {
    uint8_t scales[kQKK / 16]; // low nibble scale, high nibble min
    uint8_t qs[kQKK / 4];
    uint16_t d, dmin;
};
// Q3_K: 16 sub-blocks of 16; value = d * (scale - 32) * (q - 4 * !hbit), 2-bit planes as Q2_K,
// the high bit of element k at bit k/32 of hmask[k % 32]; 16 six-bit scales packed in 12 bytes.
struct BlockQ3_K {
    uint8_t hmask[kQKK / 8];
    uint8_t qs[kQKK / 4];
    uint8_t scales[kScaleBytesK];
    uint16_t d;
};
// IQ4_NL: 32 values = d * kIq4nlValues[nibble], nibbles ordered as Q4_0's.
struct BlockIQ4_NL {
    uint16_t d;
    uint8_t qs[kQK / 2];
};
// IQ4_XS: 8 IQ4_NL-like blocks of 32 sharing d, each with a 6-bit scale (ls - 32): low nibbles
// in scalesL (two per byte), high 2 bits in scalesH (2 bits per block).
struct BlockIQ4_XS {
    uint16_t d;
    uint16_t scalesH;
    uint8_t scalesL[kQKK / 64];
    uint8_t qs[kQKK / 2];
};
// MXFP4 (OCP microscaling): 32 e2m1 values sharing a power-of-two scale (E8M0 exponent e).
struct BlockMXFP4 {
    uint8_t e;
    uint8_t qs[kQK / 2];
};

// IQ4_NL/IQ4_XS value table (non-uniform, denser near zero).
inline constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                            1,    13,   25,  38,  53,  69,  89,  113};
// The e2m1 values times two (so they are integers); the block scale is 2^(e-128) to match.
inline constexpr int8_t kMxfp4Values[16] = {0, 1,  2,  3,  4,  6,  8,  12,
                                            0, -1, -2, -3, -4, -6, -8, -12};

// 2^(e - 128): half the E8M0 scale, since kMxfp4Values are doubled (e 0 and 1 are subnormal).
constexpr float mxfp4HalfScale(uint8_t e) {
    const uint32_t bits = e < 2 ? 0x00200000u << e : static_cast<uint32_t>(e - 1) << 23;
    return std::bit_cast<float>(bits);
}

// The j-th (0..15) 6-bit scale of a Q3_K super-block, 0..63 (the value is that minus 32).
inline int scaleQ3_K(const uint8_t* s, int j) {
    const int low = j < 8 ? (s[j] & 0xF) : (s[j - 8] >> 4);
    return low | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4);
}

// The ib-th (0..7) 6-bit scale of an IQ4_XS super-block, 0..63 (the value is that minus 32).
inline int scaleIQ4_XS(const BlockIQ4_XS& b, int ib) {
    return ((b.scalesL[ib / 2] >> (4 * (ib % 2))) & 0xF) | (((b.scalesH >> (2 * ib)) & 3) << 4);
}

static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockIQ4_NL) == 18);
static_assert(sizeof(BlockIQ4_XS) == 136);
static_assert(sizeof(BlockMXFP4) == 17);
static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Unpacks the j-th (0..7) 6-bit scale and min of a Q4_K/Q5_K super-block.
inline void scaleMinK4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

} // namespace fabulist::inference::quant
