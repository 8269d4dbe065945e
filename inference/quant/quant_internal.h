#pragma once
// Internal to inference/quant (and its tests): activation quantizers and per-ISA vec-dot
// functions. The public entry points are in quant_kernels.h.

#include "inference/quant/ggml_type.h"

#include <cstdint>
#include <cstring>

namespace fabulist::inference::quant {

// Round half to even via the float adder, exactly like ggml's nearest_int (|x| < 2^22).
inline int nearestInt(float x) {
    const float v = x + 12582912.f;
    int32_t i;
    std::memcpy(&i, &v, 4);
    return (i & 0x007fffff) - 0x00400000;
}

// Q2_K, Q3_K, IQ4_NL, IQ4_XS and MXFP4 (quant_reference_lowbit.cpp): false for other types.
bool dequantizeLowBit(GgmlType type, const void* src, float* dst, int64_t n);
bool quantizeLowBit(GgmlType type, const float* src, void* dst, int64_t n);

using ActQuantFn = void (*)(const float* x, void* dst, int64_t n);
using VecDotFn = float (*)(const void* weightRow, const void* activations, int64_t n);

// Activation formats, rounding exactly as ggml's CPU backend does for matmul inputs.
void quantizeActF32(const float* x, void* dst, int64_t n);  // plain copy
void quantizeActF16(const float* x, void* dst, int64_t n);  // round to nearest even
void quantizeActQ8_0(const float* x, void* dst, int64_t n); // d=amax/127, q=rint(x*127/amax)
void quantizeActQ8_1(const float* x, void* dst, int64_t n); // as Q8_0 plus s = d*sum(q)
void quantizeActQ8_K(const float* x, void* dst, int64_t n); // iscale=-127/max, q=min(127,rint)

// A faster activation quantizer with the same results where the ISA has one, else nullptr.
ActQuantFn activationQuantizerAvx2(GgmlType activationType);

// Vec-dot for one weight type and one ISA; nullptr when that ISA has no own implementation.
VecDotFn vecDotScalar(GgmlType weightType);
VecDotFn vecDotAvx2(GgmlType weightType);
VecDotFn vecDotAvx512(GgmlType weightType);

// Multi-column vec-dot (see QuantKernels::vecDotCols); nullptr where there is none.
using VecDotColsFn = void (*)(const void* weightRow, const void* const* acts, int cols, int64_t n,
                              float* out);
VecDotColsFn vecDotColsAvx512(GgmlType weightType);

} // namespace fabulist::inference::quant
