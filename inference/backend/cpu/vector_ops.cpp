#include "inference/backend/cpu/vector_ops.h"

#include "inference/quant/fp16.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define FABULIST_X86 1
#endif

namespace fabulist::inference::vec {

const std::vector<uint16_t>& geluTable() {
    static const std::vector<uint16_t> table = [] {
        std::vector<uint16_t> t(65536);
        for (uint32_t h = 0; h < 65536; ++h) {
            const float x = fp16ToFp32(uint16_t(h));
            const float g = 0.5f * x *
                            (1.0f + std::tanh(0.79788456080286535587989211986876f * x *
                                              (1.0f + 0.044715f * x * x)));
            t[h] = fp32ToFp16(g);
        }
        return t;
    }();
    return table;
}

void weightedSumQ8(const float* w, const uint8_t* rows, size_t strideBytes, int count, int dim,
                   float* out, bool accumulate) {
    if (!accumulate)
        for (int d = 0; d < dim; ++d) out[d] = 0.0f;
    for (int j = 0; j < count; ++j) {
        const uint8_t* row = rows + size_t(j) * strideBytes;
        for (int b = 0; b < dim / 32; ++b) {
            const uint8_t* block = row + size_t(b) * 34;
            uint16_t half;
            std::memcpy(&half, block, 2);
            const float s = w[j] * fp16ToFp32(half);
            const auto* q = reinterpret_cast<const int8_t*>(block + 2);
            float* o = out + b * 32;
            for (int i = 0; i < 32; ++i) o[i] += s * float(q[i]);
        }
    }
}

void swigluOai(const float* g, const float* u, float* y, int n) {
    constexpr float kAlpha = 1.702f, kLimit = 7.0f;
    for (int i = 0; i < n; ++i) {
        const float x = std::min(g[i], kLimit);
        const float lin = std::clamp(u[i], -kLimit, kLimit);
        y[i] = x / (1.0f + std::exp(kAlpha * (-x))) * (lin + 1.0f);
    }
}

void geluMulFp16(const float* g, const float* u, float* y, int n) {
    const std::vector<uint16_t>& table = geluTable();
    for (int i = 0; i < n; ++i) {
        const float x = g[i];
        const float v = x <= -10.0f ? 0.0f : x >= 10.0f ? x : fp16ToFp32(table[fp32ToFp16(x)]);
        y[i] = v * u[i];
    }
}

namespace ref {
float dotF32(const float* a, const float* b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}
float dotF16(const uint16_t* a, const uint16_t* b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; ++i) s += fp16ToFp32(a[i]) * fp16ToFp32(b[i]);
    return s;
}
void axpyF32(float a, const float* x, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] += a * x[i];
}
void axpyF16(float a, const uint16_t* x, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] += a * fp16ToFp32(x[i]);
}
void toFp16(const float* x, uint16_t* y, int n) {
    for (int i = 0; i < n; ++i) y[i] = fp32ToFp16(x[i]);
}
void fromFp16(const uint16_t* x, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] = fp16ToFp32(x[i]);
}
void dotRowsF32(const float* q, const float* rows, size_t stride, int count, int dim, float scale,
                float* out) {
    for (int j = 0; j < count; ++j) out[j] = dotF32(q, rows + j * stride, dim) * scale;
}
void dotRowsF16(const uint16_t* q, const uint16_t* rows, size_t stride, int count, int dim,
                float scale, float* out) {
    for (int j = 0; j < count; ++j) out[j] = dotF16(q, rows + j * stride, dim) * scale;
}
void weightedSumF32(const float* w, const float* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate) {
    if (!accumulate)
        for (int d = 0; d < dim; ++d) out[d] = 0.0f;
    for (int j = 0; j < count; ++j) axpyF32(w[j], rows + j * stride, out, dim);
}
void weightedSumF16(const float* w, const uint16_t* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate) {
    if (!accumulate)
        for (int d = 0; d < dim; ++d) out[d] = 0.0f;
    for (int j = 0; j < count; ++j) axpyF16(w[j], rows + j * stride, out, dim);
}
void siluMul(const float* g, const float* u, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}
double expShifted(float* x, int n, float shift) {
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - shift);
        sum += x[i];
    }
    return sum;
}
} // namespace ref

#ifdef FABULIST_X86
namespace {
inline float load1(const float* p) {
    return *p;
}
inline float load1(const uint16_t* p) {
    return fp16ToFp32(*p);
}
#define FAST __attribute__((target("avx2,fma,f16c")))

FAST inline float hsum(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

FAST float dotF32Avx2(const float* a, const float* b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

FAST inline __m256 loadHalf8(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

FAST float dotF16Avx2(const uint16_t* a, const uint16_t* b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(loadHalf8(a + i), loadHalf8(b + i), s0);
        s1 = _mm256_fmadd_ps(loadHalf8(a + i + 8), loadHalf8(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(loadHalf8(a + i), loadHalf8(b + i), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) s += fp16ToFp32(a[i]) * fp16ToFp32(b[i]);
    return s;
}

FAST void axpyF32Avx2(float a, const float* x, float* y, int n) {
    const __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i,
                         _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i) y[i] += a * x[i];
}

FAST void axpyF16Avx2(float a, const uint16_t* x, float* y, int n) {
    const __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, loadHalf8(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i) y[i] += a * fp16ToFp32(x[i]);
}

FAST void toFp16Avx2(const float* x, uint16_t* y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) y[i] = fp32ToFp16(x[i]);
}

FAST void fromFp16Avx2(const uint16_t* x, float* y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, loadHalf8(x + i));
    for (; i < n; ++i) y[i] = fp16ToFp32(x[i]);
}

// Loads 8 values as floats from either storage type.
FAST inline __m256 load8(const float* p) {
    return _mm256_loadu_ps(p);
}
FAST inline __m256 load8(const uint16_t* p) {
    return loadHalf8(p);
}

// Scores against many key rows, 16 values per step in two accumulators; a tail of fewer than 8
// values (no model has one) is summed one by one.
template <class T>
FAST void dotRowsAvx2(const T* q, const T* rows, size_t stride, int count, int dim, float scale,
                      float* out) {
    const int vecDim = dim & ~7;
    for (int j = 0; j < count; ++j) {
        const T* r = rows + j * stride;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        int i = 0;
        for (; i + 16 <= vecDim; i += 16) {
            s0 = _mm256_fmadd_ps(load8(q + i), load8(r + i), s0);
            s1 = _mm256_fmadd_ps(load8(q + i + 8), load8(r + i + 8), s1);
        }
        if (i < vecDim) s0 = _mm256_fmadd_ps(load8(q + i), load8(r + i), s0);
        float s = hsum(_mm256_add_ps(s0, s1));
        for (i = vecDim; i < dim; ++i) s += float(load1(q + i)) * float(load1(r + i));
        out[j] = s * scale;
    }
}

// out = sum_j w[j] * row_j with 64 output values held in registers per pass.
template <class T>
FAST void weightedSumAvx2(const float* w, const T* rows, size_t stride, int count, int dim,
                          float* out, bool accumulate) {
    int d0 = 0;
    for (; d0 + 64 <= dim; d0 += 64) {
        __m256 a[8];
        for (int k = 0; k < 8; ++k)
            a[k] = accumulate ? _mm256_loadu_ps(out + d0 + 8 * k) : _mm256_setzero_ps();
        for (int j = 0; j < count; ++j) {
            const __m256 wj = _mm256_set1_ps(w[j]);
            const T* r = rows + j * stride + d0;
            for (int k = 0; k < 8; ++k) a[k] = _mm256_fmadd_ps(wj, load8(r + 8 * k), a[k]);
        }
        for (int k = 0; k < 8; ++k) _mm256_storeu_ps(out + d0 + 8 * k, a[k]);
    }
    for (; d0 + 8 <= dim; d0 += 8) {
        __m256 a = accumulate ? _mm256_loadu_ps(out + d0) : _mm256_setzero_ps();
        for (int j = 0; j < count; ++j)
            a = _mm256_fmadd_ps(_mm256_set1_ps(w[j]), load8(rows + j * stride + d0), a);
        _mm256_storeu_ps(out + d0, a);
    }
    for (; d0 < dim; ++d0) {
        float a = accumulate ? out[d0] : 0.0f;
        for (int j = 0; j < count; ++j) a += w[j] * float(load1(rows + j * stride + d0));
        out[d0] = a;
    }
}

// e^x for 8 floats: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for exactness), e^r by
// a degree-6 polynomial (Cephes coefficients), times 2^n built in the exponent bits. About 1 ulp
// over the range softmax and SiLU use; inputs below -87 give 0, above 88 saturate.
FAST inline __m256 exp8(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

FAST void siluMulAvx2(const float* g, const float* u, float* y, int n) {
    int i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(g + i);
        const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
        _mm256_storeu_ps(
            y + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
    }
    for (; i < n; ++i) y[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

FAST double expShiftedAvx2(float* x, int n, float shift) {
    int i = 0;
    const __m256 s = _mm256_set1_ps(shift);
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(x + i, e);
        acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    alignas(32) double t[4];
    _mm256_store_pd(t, _mm256_add_pd(acc0, acc1));
    double sum = t[0] + t[1] + t[2] + t[3];
    for (; i < n; ++i) {
        x[i] = std::exp(x[i] - shift);
        sum += x[i];
    }
    return sum;
}

bool hasAvx2() {
    static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                            __builtin_cpu_supports("f16c");
    return has;
}
} // namespace

float dotF32(const float* a, const float* b, int n) {
    return hasAvx2() ? dotF32Avx2(a, b, n) : ref::dotF32(a, b, n);
}
float dotF16(const uint16_t* a, const uint16_t* b, int n) {
    return hasAvx2() ? dotF16Avx2(a, b, n) : ref::dotF16(a, b, n);
}
void axpyF32(float a, const float* x, float* y, int n) {
    hasAvx2() ? axpyF32Avx2(a, x, y, n) : ref::axpyF32(a, x, y, n);
}
void axpyF16(float a, const uint16_t* x, float* y, int n) {
    hasAvx2() ? axpyF16Avx2(a, x, y, n) : ref::axpyF16(a, x, y, n);
}
void toFp16(const float* x, uint16_t* y, int n) {
    hasAvx2() ? toFp16Avx2(x, y, n) : ref::toFp16(x, y, n);
}
void fromFp16(const uint16_t* x, float* y, int n) {
    hasAvx2() ? fromFp16Avx2(x, y, n) : ref::fromFp16(x, y, n);
}
void dotRowsF32(const float* q, const float* rows, size_t stride, int count, int dim, float scale,
                float* out) {
    hasAvx2() ? dotRowsAvx2(q, rows, stride, count, dim, scale, out)
              : ref::dotRowsF32(q, rows, stride, count, dim, scale, out);
}
void dotRowsF16(const uint16_t* q, const uint16_t* rows, size_t stride, int count, int dim,
                float scale, float* out) {
    hasAvx2() ? dotRowsAvx2(q, rows, stride, count, dim, scale, out)
              : ref::dotRowsF16(q, rows, stride, count, dim, scale, out);
}
void weightedSumF32(const float* w, const float* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate) {
    hasAvx2() ? weightedSumAvx2(w, rows, stride, count, dim, out, accumulate)
              : ref::weightedSumF32(w, rows, stride, count, dim, out, accumulate);
}
void weightedSumF16(const float* w, const uint16_t* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate) {
    hasAvx2() ? weightedSumAvx2(w, rows, stride, count, dim, out, accumulate)
              : ref::weightedSumF16(w, rows, stride, count, dim, out, accumulate);
}
void siluMul(const float* g, const float* u, float* y, int n) {
    hasAvx2() ? siluMulAvx2(g, u, y, n) : ref::siluMul(g, u, y, n);
}
double expShifted(float* x, int n, float shift) {
    return hasAvx2() ? expShiftedAvx2(x, n, shift) : ref::expShifted(x, n, shift);
}
const char* isa() {
    return hasAvx2() ? "avx2" : "scalar";
}
#else
float dotF32(const float* a, const float* b, int n) {
    return ref::dotF32(a, b, n);
}
float dotF16(const uint16_t* a, const uint16_t* b, int n) {
    return ref::dotF16(a, b, n);
}
void axpyF32(float a, const float* x, float* y, int n) {
    ref::axpyF32(a, x, y, n);
}
void axpyF16(float a, const uint16_t* x, float* y, int n) {
    ref::axpyF16(a, x, y, n);
}
void toFp16(const float* x, uint16_t* y, int n) {
    ref::toFp16(x, y, n);
}
void fromFp16(const uint16_t* x, float* y, int n) {
    ref::fromFp16(x, y, n);
}
void dotRowsF32(const float* q, const float* rows, size_t stride, int count, int dim, float scale,
                float* out) {
    ref::dotRowsF32(q, rows, stride, count, dim, scale, out);
}
void dotRowsF16(const uint16_t* q, const uint16_t* rows, size_t stride, int count, int dim,
                float scale, float* out) {
    ref::dotRowsF16(q, rows, stride, count, dim, scale, out);
}
void weightedSumF32(const float* w, const float* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate) {
    ref::weightedSumF32(w, rows, stride, count, dim, out, accumulate);
}
void weightedSumF16(const float* w, const uint16_t* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate) {
    ref::weightedSumF16(w, rows, stride, count, dim, out, accumulate);
}
void siluMul(const float* g, const float* u, float* y, int n) {
    ref::siluMul(g, u, y, n);
}
double expShifted(float* x, int n, float shift) {
    return ref::expShifted(x, n, shift);
}
const char* isa() {
    return "scalar";
}
#endif

} // namespace fabulist::inference::vec
