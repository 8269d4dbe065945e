#pragma once
// Dot products on quantized weight rows. A matmul quantizes its activation vector once into the
// weight type's "vec-dot" type (F16 for F16 weights, Q8_0 for Q4_0/Q4_1/Q5_0/Q5_1/Q8_0, Q8_K for
// the K-quants, F32 for F32/BF16), then calls vecDot for every weight row. This matches how
// ggml's CPU backend rounds activations, which is what the llama.cpp references were made with.
// The implementation picks AVX-512 / AVX2+FMA / scalar at run time.

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
};

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
