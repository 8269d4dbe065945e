#pragma once
// IEEE half and bfloat16 conversions, bit-exact with x86 F16C (_cvtss_sh with round-to-nearest-
// even) and with ggml's fp32->bf16 rounding. Plain integer code, so it runs on any CPU and is
// the reference the SIMD paths are tested against.

#include <cstdint>
#include <cstring>

namespace fabulist::inference {

inline uint32_t floatBits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

inline float bitsFloat(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline uint16_t fp32ToFp16(float f) {
    const uint32_t x = floatBits(f);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
    const uint32_t ax = x & 0x7fffffff;
    if (ax > 0x7f800000) return sign | 0x7e00 | ((ax >> 13) & 0x3ff); // NaN stays (quiet) NaN
    if (ax >= 0x47800000) return sign | 0x7c00;                       // >= 65536: infinity
    if (ax >= 0x38800000) {                                           // normal half
        const uint32_t mant = ax & 0x7fffff;
        uint32_t h = ((((ax >> 23) - 127 + 15) << 10) | (mant >> 13));
        const uint32_t rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) ++h; // carry into exponent is right
        return static_cast<uint16_t>(sign | h);
    }
    if (ax <= 0x33000000) return sign; // <= 2^-25 rounds (ties-to-even) to zero
    // Subnormal half: units of 2^-24.
    const uint32_t mant = (ax & 0x7fffff) | 0x800000;
    const int shift = 126 - static_cast<int>(ax >> 23); // 14..24
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1))) ++h;
    return static_cast<uint16_t>(sign | h);
}

inline float fp16ToFp32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0x1f) return bitsFloat(sign | 0x7f800000 | (mant << 13));
    if (exp != 0) return bitsFloat(sign | ((exp + 112) << 23) | (mant << 13));
    if (mant == 0) return bitsFloat(sign);
    // Subnormal: normalise.
    int e = 113;
    while (!(mant & 0x400)) {
        mant <<= 1;
        --e;
    }
    return bitsFloat(sign | (static_cast<uint32_t>(e) << 23) | ((mant & 0x3ff) << 13));
}

// f rounded to the nearest half and back (what storing it in an F16 KV cache does).
inline float roundToFp16(float f) {
    return fp16ToFp32(fp32ToFp16(f));
}

inline uint16_t fp32ToBf16(float f) {
    const uint32_t u = floatBits(f);
    if ((u & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((u >> 16) | 64); // quiet NaN
    return static_cast<uint16_t>((u + (0x7fff + ((u >> 16) & 1))) >> 16); // nearest, ties even
}

inline float bf16ToFp32(uint16_t h) {
    return bitsFloat(static_cast<uint32_t>(h) << 16);
}

} // namespace fabulist::inference
