#pragma once
// Dot products on quantized weight rows. A matmul quantizes its activation vector once into the
// weight type's "vec-dot" type, then calls vecDot for every weight row:
//
//   weights            activations (vec-dot type)      rounding (= ggml's x86 CPU backend)
//   F32, BF16          F32                             none. (ggml rounds to BF16 for BF16
//                                                      weights; we keep F32: more accurate.)
//   F16                F16                             round-to-nearest-even, as F16C does
//   Q4_0, Q5_0, Q8_0   Q8_0 (32 per block)             d = fp16(amax/127),
//                                                      q = round-half-even(x * (127/amax))
//   Q4_1, Q5_1         Q8_1: Q8_0 plus s = fp16(d*sum(q)), which carries the min term
//   IQ4_NL, MXFP4      Q8_0
//   Q2_K, Q3_K, Q4_K,  Q8_K (256 per block, f32 d)     m = value of largest |x|,
//   Q5_K, Q6_K, IQ4_XS                                 iscale = -127/m, d = 1/iscale,
//                                                      q = min(127, round-half-even(iscale*x))
//
// Accuracy: vecDot sums exact integer products per block and applies the block scales in f32,
// so it equals dequantize(weights) . dequantize(activations) up to f32 accumulation (tested to
// 2e-6 of sum|w*a| on every ISA; Q4_1/Q5_1 also see the fp16 rounding of s, ~5e-4 of the min
// term). With llama.cpp's own final hidden state, output . h reproduces llama.cpp's logits of
// every reference model to <= 4e-6 (tests/inference/quant_reference_models_test.cpp).
//
// quantizeRow is the scalar reference quantizer for weights. Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 are
// ggml's plain reference quantizers (Q8_0 and Q4_0 output is byte-identical to llama-quantize
// without an importance matrix), and so are Q2_K, Q3_K, IQ4_NL, IQ4_XS and MXFP4 (byte-identical
// to llama-quantize without an importance matrix: quant_lowbit_reference_test). The K-quants fit each sub-block's scale (and min) from a few
// candidate step sizes (least-squares refit for Q4_K/Q5_K), then quantize the scales to 6 bits
// (Q4_K/Q5_K) or int8 (Q6_K) without further search: relative RMS error on Gaussian data Q4_K
// 0.077, Q5_K 0.037, Q6_K 0.020 (ggml's more thorough search gets somewhat lower); fine for
// synthetic models and tests, not for shipping a real model.
//
// The implementation is picked at run time (__builtin_cpu_supports): AVX-512 (F/BW/VL/DQ/VNNI;
// 512-bit kernels for every quantized type and F16, the 256-bit ones for F32/BF16),
// AVX2+FMA+F16C, or scalar. The SIMD code is compiled per function (target attribute), so the
// library runs on any x86-64. Speed: tests/bench/quant_bench (single-thread 4096x4096 matvec).

#include "inference/quant/ggml_type.h"

#include <cstddef>
#include <cstdint>

namespace fabulist::inference {

struct QuantKernels {
    GgmlType weightType;
    GgmlType vecDotType; // what activations are converted to
    // Converts n floats (n a multiple of the vec-dot block size) into vec-dot format.
    void (*quantizeActivations)(const float* x, void* dst, int64_t n);
    // Dot product of one weight row (n elements) with activations in vec-dot format.
    float (*vecDot)(const void* weightRow, const void* activations, int64_t n);
    const char* isa; // "avx512", "avx2", "scalar": which implementation was chosen
    // One weight row against `cols` (1..kMaxDotCols) activation rows: out[c] equals
    // vecDot(weightRow, acts[c], n) bit for bit (same operations per column), but every weight
    // block is unpacked once for all columns. Batched matmuls (prompt processing, MoE experts
    // with several tokens) use it. nullptr where the ISA level has none: use vecDotColumns.
    void (*vecDotCols)(const void* weightRow, const void* const* acts, int cols, int64_t n,
                       float* out);
};

// Most activation columns one vecDotCols call takes.
inline constexpr int kMaxDotCols = 4;

// out[c] = vecDot(weightRow, acts[c], n) for c < cols (cols <= kMaxDotCols), through vecDotCols
// when the kernels have it.
inline void vecDotColumns(const QuantKernels& k, const void* weightRow, const void* const* acts,
                          int cols, int64_t n, float* out) {
    if (k.vecDotCols && cols > 1) {
        k.vecDotCols(weightRow, acts, cols, n, out);
        return;
    }
    for (int c = 0; c < cols; ++c) out[c] = k.vecDot(weightRow, acts[c], n);
}

// Kernels for a weight type; throws std::invalid_argument for an unsupported type.
const QuantKernels& quantKernels(GgmlType weightType);

// Scalar reference: dequantizes one row of n elements to floats.
void dequantizeRow(GgmlType type, const void* src, float* dst, int64_t n);
// Scalar reference quantizer (for tests, the synth command and the writer): n floats to type.
void quantizeRow(GgmlType type, const float* src, void* dst, int64_t n);

// Forcing one implementation (tests and benchmarks compare them; the engine uses quantKernels).
enum class QuantIsa { Scalar, Avx2, Avx512 };
// Whether this build and this CPU can run the ISA (AVX2 means AVX2+FMA+F16C; AVX-512 means
// F+BW+VL+DQ+VNNI).
bool quantIsaAvailable(QuantIsa isa);
// Kernels of exactly that ISA level; nullptr when unavailable. A type without an own kernel at
// that level uses the best lower one, and its isa field says which.
const QuantKernels* quantKernelsFor(GgmlType weightType, QuantIsa isa);
// The vec-dot (activation) type for a weight type.
GgmlType vecDotTypeOf(GgmlType weightType);

// Bytes of activation scratch needed for n elements in vec-dot format of this weight type.
size_t activationBytes(GgmlType weightType, int64_t n);

} // namespace fabulist::inference
