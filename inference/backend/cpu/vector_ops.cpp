#include "inference/backend/cpu/vector_ops.h"

#include "inference/backend/cpu/fp16.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define FABULIST_X86 1
#endif

namespace fabulist::inference::vec {

namespace ref {
float dotF32(const float* a, const float* b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}
float dotF16(const uint16_t* a, const uint16_t* b, int n) {
    float s = 0.0f;
    for (int i = 0; i < n; ++i) s += half::toFloat(a[i]) * half::toFloat(b[i]);
    return s;
}
void axpyF32(float a, const float* x, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] += a * x[i];
}
void axpyF16(float a, const uint16_t* x, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] += a * half::toFloat(x[i]);
}
void toFp16(const float* x, uint16_t* y, int n) {
    for (int i = 0; i < n; ++i) y[i] = half::fromFloat(x[i]);
}
void fromFp16(const uint16_t* x, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] = half::toFloat(x[i]);
}
} // namespace ref

#ifdef FABULIST_X86
namespace {
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
    for (; i < n; ++i) s += half::toFloat(a[i]) * half::toFloat(b[i]);
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
    for (; i < n; ++i) y[i] += a * half::toFloat(x[i]);
}

FAST void toFp16Avx2(const float* x, uint16_t* y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; ++i) y[i] = half::fromFloat(x[i]);
}

FAST void fromFp16Avx2(const uint16_t* x, float* y, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, loadHalf8(x + i));
    for (; i < n; ++i) y[i] = half::toFloat(x[i]);
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
const char* isa() {
    return "scalar";
}
#endif

} // namespace fabulist::inference::vec
