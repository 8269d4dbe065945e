// Vec-dot kernels for AVX-512 F/BW/VL/DQ + VNNI (Ice Lake / Zen 4 and newer): the 256-bit kernels
// with vpdpbusd. Only the functions here are compiled for that ISA (target attribute); the library
// itself is built for baseline x86-64 and selects at run time.

#include "inference/quant/quant_blocks.h"
#include "inference/quant/quant_internal.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace fabulist::inference::quant {

#define FAB_TARGET "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"
#define FAB_VNNI 1
#include "inference/quant/vec_dot_simd.inc"

VecDotFn vecDotAvx512(GgmlType weightType) {
    switch (weightType) {
    case GgmlType::F32:
        return dotF32;
    case GgmlType::F16:
        return dotF16;
    case GgmlType::BF16:
        return dotBF16;
    case GgmlType::Q4_0:
        return dotQ4_0;
    case GgmlType::Q4_1:
        return dotQ4_1;
    case GgmlType::Q5_0:
        return dotQ5_0;
    case GgmlType::Q5_1:
        return dotQ5_1;
    case GgmlType::Q8_0:
        return dotQ8_0;
    case GgmlType::Q4_K:
        return dotQ4_K;
    case GgmlType::Q5_K:
        return dotQ5_K;
    case GgmlType::Q6_K:
        return dotQ6_K;
    default:
        return nullptr;
    }
}

} // namespace fabulist::inference::quant

#else

namespace fabulist::inference::quant {
VecDotFn vecDotAvx512(GgmlType) {
    return nullptr;
}
} // namespace fabulist::inference::quant

#endif
