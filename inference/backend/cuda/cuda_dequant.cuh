#pragma once
// Weight dequantization and activation rounding for the CUDA matmul kernels, written once for the
// device and the host: nvcc compiles them into the kernels, and a plain C++ test includes this
// header to check them against inference/quant's reference dequantizers and activation
// quantizers without a GPU. The formulas and their order of float operations are those of the
// Vulkan shaders (vulkan/shaders/matmul_*.comp, act_round.comp), which match the CPU backend.
//
// Every weight type reads a row in "units" (kUnit consecutive values: 1 for float types, 32 for
// the block types; K-quants read one 32-value sub-block of a 256-value super-block per unit).

#include "inference/quant/fp16.h"
#include "inference/quant/ggml_type.h"
#include "inference/quant/quant_kernels.h"

#include <cstdint>

#ifdef __CUDACC__
#include <cuda_fp16.h>
#define FABULIST_HD __host__ __device__ __forceinline__
#else
#include <cmath>
#define FABULIST_HD inline
#endif

namespace fabulist::inference::cuda {

// --- raw reads (bytes: GGUF blocks of 17, 18 or 22 bytes leave wider loads unaligned) ---------

FABULIST_HD uint32_t byteAt(const uint8_t* p) {
    return *p;
}
FABULIST_HD uint32_t u16At(const uint8_t* p) {
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8);
}
FABULIST_HD uint32_t u32At(const uint8_t* p) {
    return u16At(p) | (u16At(p + 2) << 16);
}
FABULIST_HD int32_t i8At(const uint8_t* p) {
    return int32_t(int8_t(*p));
}
FABULIST_HD float floatOfBits(uint32_t bits) {
#ifdef __CUDA_ARCH__
    return __uint_as_float(bits);
#else
    return bitsFloat(bits);
#endif
}
FABULIST_HD float halfToFloat(uint32_t h) {
#ifdef __CUDA_ARCH__
    return __half2float(__ushort_as_half(static_cast<unsigned short>(h)));
#else
    return fp16ToFp32(static_cast<uint16_t>(h));
#endif
}
FABULIST_HD float halfAt(const uint8_t* p) {
    return halfToFloat(u16At(p));
}

// a * b + c rounded twice, never fused into an FMA: the CPU reference rounds the product first.
FABULIST_HD float mulThenAdd(float a, float b, float c) {
#ifdef __CUDA_ARCH__
    return __fadd_rn(__fmul_rn(a, b), c);
#else
    return a * b + c;
#endif
}

// Entry q (0..15) of a 16-entry int8 table packed little-endian into four words: register
// selects instead of an indexed (per-lane divergent) memory read.
FABULIST_HD float lookup16(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3, uint32_t q) {
    const uint32_t w = q < 8u ? (q < 4u ? w0 : w1) : (q < 12u ? w2 : w3);
    return float(int8_t(w >> (8u * (q & 3u))));
}
#ifdef __CUDACC__
__host__ __device__
#endif
    constexpr uint32_t
    pack4(int a, int b, int c, int d) {
    return uint32_t(uint8_t(a)) | (uint32_t(uint8_t(b)) << 8) | (uint32_t(uint8_t(c)) << 16) |
           (uint32_t(uint8_t(d)) << 24);
}
// ggml's kvalues_iq4nl and the doubled e2m1 values of MXFP4 (quant_blocks.h).
FABULIST_HD float iq4nlValue(uint32_t q) {
    constexpr uint32_t w0 = pack4(-127, -104, -83, -65), w1 = pack4(-49, -35, -22, -10),
                       w2 = pack4(1, 13, 25, 38), w3 = pack4(53, 69, 89, 113);
    return lookup16(w0, w1, w2, w3, q);
}
FABULIST_HD float mxfp4Value(uint32_t q) {
    constexpr uint32_t w0 = pack4(0, 1, 2, 3), w1 = pack4(4, 6, 8, 12), w2 = pack4(0, -1, -2, -3),
                       w3 = pack4(-4, -6, -8, -12);
    return lookup16(w0, w1, w2, w3, q);
}

// The j-th (0..7) 6-bit scale and min of a Q4_K/Q5_K super-block whose 12 scale bytes start at s.
FABULIST_HD void scaleMinK4(const uint8_t* s, uint32_t j, float& sc, float& m) {
    if (j < 4u) {
        sc = float(byteAt(s + j) & 63u);
        m = float(byteAt(s + j + 4u) & 63u);
    } else {
        sc = float((byteAt(s + j + 4u) & 15u) | ((byteAt(s + j - 4u) >> 6) << 4));
        m = float((byteAt(s + j + 4u) >> 4) | ((byteAt(s + j) >> 6) << 4));
    }
}

// 16 bytes of nibbles: element k is the low nibble of byte k, element k+16 the high one.
template <typename Value>
FABULIST_HD void nibbles32(const uint8_t* qs, float d, Value value, float* w) {
    for (uint32_t k = 0; k < 16u; ++k) {
        const uint32_t q = byteAt(qs + k);
        w[k] = d * value(q & 15u);
        w[k + 16u] = d * value(q >> 4);
    }
}

// --- one weight format per type: kUnit values per unit, load(row, u, w) ----------------------

template <GgmlType T> struct WeightFormat;

template <> struct WeightFormat<GgmlType::F32> {
    static constexpr int kUnit = 1;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        w[0] = floatOfBits(u32At(row + 4 * u));
    }
};

template <> struct WeightFormat<GgmlType::F16> {
    static constexpr int kUnit = 1;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        w[0] = halfAt(row + 2 * u);
    }
};

template <> struct WeightFormat<GgmlType::BF16> {
    static constexpr int kUnit = 1;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        w[0] = floatOfBits(u16At(row + 2 * u) << 16);
    }
};

// fp16 d + 16 bytes of nibbles; value = d * (nibble - 8).
template <> struct WeightFormat<GgmlType::Q4_0> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 18 * u;
        nibbles32(
            b + 2, halfAt(b), [](uint32_t q) { return float(q) - 8.0f; }, w);
    }
};

// fp16 d, fp16 m + 16 bytes of nibbles; value = d * nibble + m.
template <> struct WeightFormat<GgmlType::Q4_1> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 20 * u;
        const float d = halfAt(b), m = halfAt(b + 2);
        for (uint32_t k = 0; k < 16u; ++k) {
            const uint32_t q = byteAt(b + 4 + k);
            w[k] = mulThenAdd(d, float(q & 15u), m);
            w[k + 16u] = mulThenAdd(d, float(q >> 4), m);
        }
    }
};

// fp16 d, 32 high bits, 16 bytes of low nibbles; value = d * (q - 16).
template <> struct WeightFormat<GgmlType::Q5_0> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 22 * u;
        const float d = halfAt(b);
        const uint32_t qh = u32At(b + 2);
        for (uint32_t k = 0; k < 16u; ++k) {
            const uint32_t q = byteAt(b + 6 + k);
            w[k] = d * (float((q & 15u) | (((qh >> k) & 1u) << 4)) - 16.0f);
            w[k + 16u] = d * (float((q >> 4) | (((qh >> (k + 16u)) & 1u) << 4)) - 16.0f);
        }
    }
};

// fp16 d, fp16 m, 32 high bits, 16 bytes of low nibbles; value = d * q + m.
template <> struct WeightFormat<GgmlType::Q5_1> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 24 * u;
        const float d = halfAt(b), m = halfAt(b + 2);
        const uint32_t qh = u32At(b + 4);
        for (uint32_t k = 0; k < 16u; ++k) {
            const uint32_t q = byteAt(b + 8 + k);
            w[k] = mulThenAdd(d, float((q & 15u) | (((qh >> k) & 1u) << 4)), m);
            w[k + 16u] = mulThenAdd(d, float((q >> 4) | (((qh >> (k + 16u)) & 1u) << 4)), m);
        }
    }
};

// fp16 d + 32 int8; value = d * q.
template <> struct WeightFormat<GgmlType::Q8_0> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 34 * u;
        const float d = halfAt(b);
        for (uint32_t k = 0; k < 32u; ++k) w[k] = d * float(i8At(b + 2 + k));
    }
};

// 84-byte super-blocks: 16 scale/min nibble pairs, 64 bytes of 2-bit values, fp16 d and dmin.
template <> struct WeightFormat<GgmlType::Q2_K> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 84 * (u / 8);
        const uint32_t j = uint32_t(u % 8), half = j / 4u, shift = (j % 4u) * 2u;
        const float d = halfAt(b + 80), dmin = halfAt(b + 82);
        for (uint32_t part = 0; part < 2u; ++part) {
            const uint32_t sc = byteAt(b + half * 8u + (j % 4u) * 2u + part);
            const float dl = d * float(sc & 15u), ml = dmin * float(sc >> 4);
            const uint8_t* qs = b + 16u + half * 32u + part * 16u;
            for (uint32_t l = 0; l < 16u; ++l)
                w[part * 16u + l] = mulThenAdd(dl, float((byteAt(qs + l) >> shift) & 3u), -ml);
        }
    }
};

// 110-byte super-blocks: 32 bytes of high bits, 64 bytes of 2-bit values, 12 bytes of 6-bit
// scales, fp16 d; value = d * (scale - 32) * (q - (high ? 0 : 4)).
template <> struct WeightFormat<GgmlType::Q3_K> {
    static constexpr int kUnit = 32;
    FABULIST_HD static uint32_t scale(const uint8_t* s, uint32_t is) {
        const uint32_t low = is < 8u ? (byteAt(s + is) & 15u) : (byteAt(s + is - 8u) >> 4);
        return low | (((byteAt(s + 8u + is % 4u) >> (2u * (is / 4u))) & 3u) << 4);
    }
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 110 * (u / 8);
        const uint32_t j = uint32_t(u % 8), half = j / 4u, shift = (j % 4u) * 2u;
        const float d = halfAt(b + 108);
        for (uint32_t part = 0; part < 2u; ++part) {
            const uint32_t is = half * 8u + (j % 4u) * 2u + part;
            const float dl = d * (float(scale(b + 96, is)) - 32.0f);
            for (uint32_t l = part * 16u; l < part * 16u + 16u; ++l) {
                const uint32_t q = (byteAt(b + 32u + half * 32u + l) >> shift) & 3u;
                const uint32_t high = (byteAt(b + l) >> j) & 1u;
                w[l] = dl * (float(q) - (high != 0u ? 0.0f : 4.0f));
            }
        }
    }
};

// 144-byte super-blocks: fp16 d, dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles.
template <> struct WeightFormat<GgmlType::Q4_K> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 144 * (u / 8);
        const uint32_t sub = uint32_t(u % 8);
        float sc, m;
        scaleMinK4(b + 4, sub, sc, m);
        const float d = halfAt(b) * sc, dm = halfAt(b + 2) * m;
        const uint8_t* qs = b + 16u + (sub / 2u) * 32u;
        const uint32_t shift = (sub & 1u) * 4u;
        for (uint32_t k = 0; k < 32u; ++k)
            w[k] = mulThenAdd(d, float((byteAt(qs + k) >> shift) & 15u), -dm);
    }
};

// 176-byte super-blocks: Q4_K's layout plus 32 bytes of fifth bits before the nibbles.
template <> struct WeightFormat<GgmlType::Q5_K> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 176 * (u / 8);
        const uint32_t sub = uint32_t(u % 8);
        float sc, m;
        scaleMinK4(b + 4, sub, sc, m);
        const float d = halfAt(b) * sc, dm = halfAt(b + 2) * m;
        const uint8_t* qh = b + 16;
        const uint8_t* qs = b + 48u + (sub / 2u) * 32u;
        const uint32_t shift = (sub & 1u) * 4u;
        for (uint32_t k = 0; k < 32u; ++k) {
            const uint32_t q =
                ((byteAt(qs + k) >> shift) & 15u) | (((byteAt(qh + k) >> sub) & 1u) << 4);
            w[k] = mulThenAdd(d, float(q), -dm);
        }
    }
};

// 210-byte super-blocks: 128 bytes of low nibbles, 64 of high 2-bit pairs, 16 int8 scales, fp16 d.
template <> struct WeightFormat<GgmlType::Q6_K> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 210 * (u / 8);
        const uint32_t sub = uint32_t(u % 8), h = sub / 4u, g = sub % 4u;
        const float d = halfAt(b + 208);
        const uint8_t* ql = b + 64u * h + 32u * (g & 1u);
        const uint8_t* qh = b + 128u + 32u * h;
        const uint32_t lowShift = (g / 2u) * 4u;
        const uint8_t* sc = b + 192u + 8u * h + 2u * g;
        const float d0 = d * float(i8At(sc)), d1 = d * float(i8At(sc + 1));
        for (uint32_t k = 0; k < 32u; ++k) {
            const int32_t q = int32_t(((byteAt(ql + k) >> lowShift) & 15u) |
                                      (((byteAt(qh + k) >> (2u * g)) & 3u) << 4)) -
                              32;
            w[k] = (k < 16u ? d0 : d1) * float(q);
        }
    }
};

// fp16 d + 16 bytes of nibbles indexing the non-linear IQ4_NL table.
template <> struct WeightFormat<GgmlType::IQ4_NL> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 18 * u;
        nibbles32(
            b + 2, halfAt(b), [](uint32_t q) { return iq4nlValue(q); }, w);
    }
};

// 136-byte super-blocks: fp16 d, 2 bytes of high scale bits, 4 bytes of low scale nibbles, then
// eight IQ4_NL-like blocks of 16 bytes; block scale d * (6-bit scale - 32).
template <> struct WeightFormat<GgmlType::IQ4_XS> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 136 * (u / 8);
        const uint32_t ib = uint32_t(u % 8);
        const uint32_t scale = ((byteAt(b + 4u + ib / 2u) >> (4u * (ib % 2u))) & 15u) |
                               (((u16At(b + 2) >> (2u * ib)) & 3u) << 4);
        const float d = halfAt(b) * (float(scale) - 32.0f);
        nibbles32(
            b + 8u + 16u * ib, d, [](uint32_t q) { return iq4nlValue(q); }, w);
    }
};

// E8M0 exponent byte + 16 bytes of e2m1 nibbles; the doubled table goes with scale 2^(e-128).
template <> struct WeightFormat<GgmlType::MXFP4> {
    static constexpr int kUnit = 32;
    FABULIST_HD static void load(const uint8_t* row, int64_t u, float* w) {
        const uint8_t* b = row + 17 * u;
        const uint32_t e = byteAt(b);
        const float d = floatOfBits(e < 2u ? (0x00200000u << e) : ((e - 1u) << 23));
        nibbles32(
            b + 1, d, [](uint32_t q) { return mxfp4Value(q); }, w);
    }
};

// Calls f.template operator()<T>() with the weight type as a template argument; false (and no
// call) for a type without a WeightFormat.
template <typename Fn> bool withWeightFormat(GgmlType type, Fn&& f) {
    switch (type) {
#define FABULIST_CUDA_TYPE(t)                                                                      \
    case GgmlType::t:                                                                              \
        f.template operator()<GgmlType::t>();                                                      \
        return true;
        FABULIST_CUDA_TYPE(F32)
        FABULIST_CUDA_TYPE(F16)
        FABULIST_CUDA_TYPE(BF16)
        FABULIST_CUDA_TYPE(Q4_0)
        FABULIST_CUDA_TYPE(Q4_1)
        FABULIST_CUDA_TYPE(Q5_0)
        FABULIST_CUDA_TYPE(Q5_1)
        FABULIST_CUDA_TYPE(Q8_0)
        FABULIST_CUDA_TYPE(Q2_K)
        FABULIST_CUDA_TYPE(Q3_K)
        FABULIST_CUDA_TYPE(Q4_K)
        FABULIST_CUDA_TYPE(Q5_K)
        FABULIST_CUDA_TYPE(Q6_K)
        FABULIST_CUDA_TYPE(IQ4_NL)
        FABULIST_CUDA_TYPE(IQ4_XS)
        FABULIST_CUDA_TYPE(MXFP4)
#undef FABULIST_CUDA_TYPE
    default:
        return false;
    }
}

// --- activation rounding (act_round.comp) -----------------------------------------------------

// How activations are rounded for a weight type's vec-dot type; None: they stay f32.
enum class ActRound { None, F16, Q8_0, Q8_K };

// The rounding of activations for a weight type (its vec-dot type, quant_kernels.h).
inline ActRound actRoundOf(GgmlType weightType) {
    switch (vecDotTypeOf(weightType)) {
    case GgmlType::F16:
        return ActRound::F16;
    case GgmlType::Q8_0:
    case GgmlType::Q8_1: // Q8_1's values are Q8_0's; its extra sum only feeds the min term
        return ActRound::Q8_0;
    case GgmlType::Q8_K:
        return ActRound::Q8_K;
    default:
        return ActRound::None;
    }
}

FABULIST_HD int actRoundBlock(ActRound mode) {
    return mode == ActRound::Q8_K ? 256 : 32;
}

// Round half to even, as an integer would hold it: + 0 turns -0 into +0 like the CPU's int8 q.
FABULIST_HD float roundHalfEven(float v) {
#ifdef __CUDA_ARCH__
    return rintf(v) + 0.0f;
#else
    return std::nearbyint(v) + 0.0f; // the default rounding mode: to nearest, ties to even
#endif
}

FABULIST_HD float roundToHalfValue(float v) {
#ifdef __CUDA_ARCH__
    return __half2float(__float2half_rn(v));
#else
    return roundToFp16(v);
#endif
}

// y[0..n) = x[0..n) rounded as one vec-dot block (n <= the block size; shorter only at a row's
// end):
//   F16:  round to nearest even half
//   Q8_0: d = f16(amax/127), q = roundEven(x * 127/amax), y = d * q   (also Q8_1's values)
//   Q8_K: m = value of largest |x|, iscale = -127/m, q = min(127, roundEven(iscale * x)), y =
//   q/iscale
FABULIST_HD void roundActivationBlock(ActRound mode, const float* x, float* y, int n) {
    if (mode == ActRound::F16) {
        for (int c = 0; c < n; ++c) y[c] = roundToHalfValue(x[c]);
        return;
    }
    float amax = 0.0f, mx = 0.0f;
    for (int c = 0; c < n; ++c) {
        const float a = fabsf(x[c]);
        if (a > amax) {
            amax = a;
            mx = x[c];
        }
    }
    if (mode == ActRound::Q8_0) {
        const float d = roundToHalfValue(amax / 127.0f);
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        for (int c = 0; c < n; ++c) y[c] = d * roundHalfEven(x[c] * id);
        return;
    }
    if (amax == 0.0f) {
        for (int c = 0; c < n; ++c) y[c] = 0.0f;
        return;
    }
    const float iscale = -127.0f / mx, d = 1.0f / iscale;
    for (int c = 0; c < n; ++c) y[c] = d * fminf(127.0f, roundHalfEven(iscale * x[c]));
}

} // namespace fabulist::inference::cuda
