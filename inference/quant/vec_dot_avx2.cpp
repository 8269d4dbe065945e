// Vec-dot kernels for AVX2 + FMA + F16C (Haswell / Zen 1 and newer). Only the functions here are
// compiled for that ISA (target attribute); the library itself is built for baseline x86-64 and
// selects at run time.

#include "inference/quant/quant_blocks.h"
#include "inference/quant/quant_internal.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace fabulist::inference::quant {

#define FAB_TARGET "avx2,fma,f16c"
#define FAB_VNNI 0
#include "inference/quant/vec_dot_simd.inc"

#define FAB_VEC_DOT_BY_TYPE vecDotAvx2
#include "inference/quant/vec_dot_by_type.inc"

// F16C's conversion rounds to nearest even like quantizeActF16 (finite values bit for bit; a
// NaN stays a NaN), eight values per instruction instead of a bit-twiddling loop.
FAB_KERNEL void quantizeActF16Fast(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<uint16_t*>(dst);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    if (i < n) quantizeActF16(x + i, y + i, n - i);
}

ActQuantFn activationQuantizerAvx2(GgmlType activationType) {
    return activationType == GgmlType::F16 ? quantizeActF16Fast : nullptr;
}

} // namespace fabulist::inference::quant

#else

namespace fabulist::inference::quant {
VecDotFn vecDotAvx2(GgmlType) {
    return nullptr;
}
ActQuantFn activationQuantizerAvx2(GgmlType) {
    return nullptr;
}
} // namespace fabulist::inference::quant

#endif
