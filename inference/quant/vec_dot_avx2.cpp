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

} // namespace fabulist::inference::quant

#else

namespace fabulist::inference::quant {
VecDotFn vecDotAvx2(GgmlType) {
    return nullptr;
}
} // namespace fabulist::inference::quant

#endif
