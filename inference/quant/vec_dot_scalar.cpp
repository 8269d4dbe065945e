// Scalar vec-dot kernels: integer sums per block times the block scales, as ggml's reference
// kernels do. Always available; the SIMD kernels are tested against these.

#include "inference/quant/fp16.h"
#include "inference/quant/quant_blocks.h"
#include "inference/quant/quant_internal.h"

#include <cstring>

namespace fabulist::inference::quant {

namespace {

float dotF32(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const float*>(w);
    const auto* y = static_cast<const float*>(a);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * y[i];
    return static_cast<float>(sum);
}

float dotF16(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const uint16_t*>(w);
    const auto* y = static_cast<const uint16_t*>(a);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(fp16ToFp32(x[i])) * fp16ToFp32(y[i]);
    return static_cast<float>(sum);
}

float dotBF16(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const uint16_t*>(w);
    const auto* y = static_cast<const float*>(a);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(bf16ToFp32(x[i])) * y[i];
    return static_cast<float>(sum);
}

float dotQ4_0(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ4_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int sumi = 0;
        for (int j = 0; j < kQK / 2; ++j)
            sumi +=
                ((x[i].qs[j] & 0xF) - 8) * y[i].qs[j] + ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + 16];
        sum += static_cast<float>(sumi) * fp16ToFp32(x[i].d) * fp16ToFp32(y[i].d);
    }
    return sum;
}

float dotQ4_1(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ4_1*>(w);
    const auto* y = static_cast<const BlockQ8_1*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int sumi = 0;
        for (int j = 0; j < kQK / 2; ++j)
            sumi += (x[i].qs[j] & 0xF) * y[i].qs[j] + (x[i].qs[j] >> 4) * y[i].qs[j + 16];
        sum += static_cast<float>(sumi) * fp16ToFp32(x[i].d) * fp16ToFp32(y[i].d) +
               fp16ToFp32(x[i].m) * fp16ToFp32(y[i].s);
    }
    return sum;
}

template <typename Block> int sumQ5(const Block& x, const int8_t* y, int offset) {
    uint32_t qh;
    std::memcpy(&qh, x.qh, 4);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
        const int q0 = ((x.qs[j] & 0xF) | (((qh >> j) & 1) << 4)) - offset;
        const int q1 = ((x.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - offset;
        sumi += q0 * y[j] + q1 * y[j + 16];
    }
    return sumi;
}

float dotQ5_0(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ5_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQK; ++i)
        sum +=
            static_cast<float>(sumQ5(x[i], y[i].qs, 16)) * fp16ToFp32(x[i].d) * fp16ToFp32(y[i].d);
    return sum;
}

float dotQ5_1(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ5_1*>(w);
    const auto* y = static_cast<const BlockQ8_1*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQK; ++i)
        sum +=
            static_cast<float>(sumQ5(x[i], y[i].qs, 0)) * fp16ToFp32(x[i].d) * fp16ToFp32(y[i].d) +
            fp16ToFp32(x[i].m) * fp16ToFp32(y[i].s);
    return sum;
}

float dotQ8_0(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ8_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQK; ++i) {
        int sumi = 0;
        for (int j = 0; j < kQK; ++j) sumi += x[i].qs[j] * y[i].qs[j];
        sum += static_cast<float>(sumi) * fp16ToFp32(x[i].d) * fp16ToFp32(y[i].d);
    }
    return sum;
}

// Q4_K / Q5_K: sum_j d*sc_j*sum(q*y) - dmin*m_j*sum(y); the min term uses Q8_K's bsums.
template <typename Block, bool kFiveBit>
float dotScaleMinK(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const Block*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const uint8_t* ql = x[i].qs;
        const int8_t* q8 = y[i].qs;
        int sumi = 0, summ = 0;
        for (int j = 0; j < 4; ++j, ql += 32, q8 += 64) {
            uint8_t sc0, m0, sc1, m1;
            scaleMinK4(2 * j, x[i].scales, &sc0, &m0);
            scaleMinK4(2 * j + 1, x[i].scales, &sc1, &m1);
            int s0 = 0, s1 = 0;
            for (int l = 0; l < 32; ++l) {
                int lo = ql[l] & 0xF, hi = ql[l] >> 4;
                if constexpr (kFiveBit) {
                    lo |= ((x[i].qh[l] >> (2 * j)) & 1) << 4;
                    hi |= ((x[i].qh[l] >> (2 * j + 1)) & 1) << 4;
                }
                s0 += lo * q8[l];
                s1 += hi * q8[l + 32];
            }
            sumi += sc0 * s0 + sc1 * s1;
            summ += m0 * (y[i].bsums[4 * j] + y[i].bsums[4 * j + 1]) +
                    m1 * (y[i].bsums[4 * j + 2] + y[i].bsums[4 * j + 3]);
        }
        sum += fp16ToFp32(x[i].d) * y[i].d * static_cast<float>(sumi) -
               fp16ToFp32(x[i].dmin) * y[i].d * static_cast<float>(summ);
    }
    return sum;
}

float dotQ6_K(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ6_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const uint8_t* ql = x[i].ql;
        const uint8_t* qh = x[i].qh;
        const int8_t* sc = x[i].scales;
        const int8_t* q8 = y[i].qs;
        int sumi = 0;
        for (int c = 0; c < 2; ++c, ql += 64, qh += 32, sc += 8, q8 += 128) {
            int s[8] = {};
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                s[is + 0] += (((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32) * q8[l];
                s[is + 2] += (((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32) * q8[l + 32];
                s[is + 4] += (((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32) * q8[l + 64];
                s[is + 6] += (((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32) * q8[l + 96];
            }
            for (int k = 0; k < 8; ++k) sumi += sc[k] * s[k];
        }
        sum += fp16ToFp32(x[i].d) * y[i].d * static_cast<float>(sumi);
    }
    return sum;
}

// Q2_K: sum_j d*(sc_j & 15)*sum(q*y) - dmin*(sc_j >> 4)*sum(y) over 16 sub-blocks of 16.
float dotQ2_K(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ2_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        int summ = 0, sumi = 0;
        for (int j = 0; j < 16; ++j) summ += (x[i].scales[j] >> 4) * y[i].bsums[j];
        const int8_t* q8 = y[i].qs;
        int is = 0;
        for (int half = 0; half < 2; ++half)
            for (int shift = 0; shift < 8; shift += 2)
                for (int part = 0; part < 2; ++part, ++is, q8 += 16) {
                    const uint8_t* q2 = x[i].qs + 32 * half + 16 * part;
                    int s = 0;
                    for (int l = 0; l < 16; ++l) s += ((q2[l] >> shift) & 3) * q8[l];
                    sumi += (x[i].scales[is] & 0xF) * s;
                }
        const float dall = y[i].d * fp16ToFp32(x[i].d), dmin = y[i].d * fp16ToFp32(x[i].dmin);
        sum += dall * static_cast<float>(sumi) - dmin * static_cast<float>(summ);
    }
    return sum;
}

// Q3_K: sum_j d*(sc_j - 32)*sum((q - 4*!hbit)*y) over 16 sub-blocks of 16.
float dotQ3_K(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ3_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        const int8_t* q8 = y[i].qs;
        int sumi = 0, is = 0, hbit = 0;
        for (int half = 0; half < 2; ++half)
            for (int shift = 0; shift < 8; shift += 2, ++hbit)
                for (int part = 0; part < 2; ++part, ++is, q8 += 16) {
                    const uint8_t* q3 = x[i].qs + 32 * half;
                    int s = 0;
                    for (int l = 16 * part; l < 16 * part + 16; ++l) {
                        const int high = (x[i].hmask[l] >> hbit) & 1;
                        s += (((q3[l] >> shift) & 3) - (high ? 0 : 4)) * q8[l - 16 * part];
                    }
                    sumi += (scaleQ3_K(x[i].scales, is) - 32) * s;
                }
        sum += fp16ToFp32(x[i].d) * y[i].d * static_cast<float>(sumi);
    }
    return sum;
}

// sum over 32 values of values[index] * y for one block of 4-bit indices (IQ4_NL, MXFP4).
int sumTable4(const uint8_t* qs, const int8_t* values, const int8_t* y) {
    int s = 0;
    for (int j = 0; j < 16; ++j) s += values[qs[j] & 0xF] * y[j] + values[qs[j] >> 4] * y[j + 16];
    return s;
}

float dotIQ4_NL(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockIQ4_NL*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQK; ++i)
        sum += fp16ToFp32(x[i].d) * fp16ToFp32(y[i].d) *
               static_cast<float>(sumTable4(x[i].qs, kIq4nlValues, y[i].qs));
    return sum;
}

float dotIQ4_XS(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockIQ4_XS*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQKK; ++i) {
        int sumi = 0;
        for (int ib = 0; ib < 8; ++ib)
            sumi += (scaleIQ4_XS(x[i], ib) - 32) *
                    sumTable4(x[i].qs + 16 * ib, kIq4nlValues, y[i].qs + 32 * ib);
        sum += fp16ToFp32(x[i].d) * y[i].d * static_cast<float>(sumi);
    }
    return sum;
}

float dotMXFP4(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockMXFP4*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    float sum = 0.f;
    for (int64_t i = 0; i < n / kQK; ++i)
        sum += fp16ToFp32(y[i].d) * mxfp4HalfScale(x[i].e) *
               static_cast<float>(sumTable4(x[i].qs, kMxfp4Values, y[i].qs));
    return sum;
}

constexpr VecDotFn dotQ4_K = dotScaleMinK<BlockQ4_K, false>;
constexpr VecDotFn dotQ5_K = dotScaleMinK<BlockQ5_K, true>;

} // namespace

#define FAB_VEC_DOT_BY_TYPE vecDotScalar
#include "inference/quant/vec_dot_by_type.inc"

} // namespace fabulist::inference::quant
