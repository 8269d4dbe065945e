#pragma once
// Small f32/f16 vector primitives used by attention and the element-wise ops. Each has a plain
// scalar reference (namespace ref) and a fast path (AVX2+FMA+F16C, chosen at run time); tests
// compare the two.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fabulist::inference::vec {

float dotF32(const float* a, const float* b, int n);
float dotF16(const uint16_t* a, const uint16_t* b, int n); // products and sum in f32
void axpyF32(float a, const float* x, float* y, int n);    // y += a * x
void axpyF16(float a, const uint16_t* x, float* y, int n); // y += a * float(x)
void toFp16(const float* x, uint16_t* y, int n);
void fromFp16(const uint16_t* x, float* y, int n);
// Attention helpers over `count` rows of `dim` values spaced `stride` elements apart:
// out[j] = scale * dot(q, row_j), and out[0..dim) = sum_j w[j] * row_j (accumulated in order;
// with accumulate the sum goes on from what out holds: two calls over rows split in two give the
// bits of one call over all of them).
void dotRowsF32(const float* q, const float* rows, size_t stride, int count, int dim, float scale,
                float* out);
void dotRowsF16(const uint16_t* q, const uint16_t* rows, size_t stride, int count, int dim,
                float scale, float* out);
void weightedSumF32(const float* w, const float* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate = false);
void weightedSumF16(const float* w, const uint16_t* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate = false);
// The same over rows of Q8_0 blocks (34 bytes per 32 values: an fp16 scale and 32 int8),
// strideBytes apart: out[d] (+)= Σ_j w[j] · scale_j · q_j[d].
void weightedSumQ8(const float* w, const uint8_t* rows, size_t strideBytes, int count, int dim,
                   float* out, bool accumulate);
// y[i] = silu(g[i]) * u[i] (SwiGLU), silu(x) = x / (1 + e^-x).
void siluMul(const float* g, const float* u, float* y, int n);
// y[i] = gelu(g[i]) * u[i] (GeGLU) with GELU's tanh form as ggml's CPU backend computes it: the
// input rounded to fp16 and looked up in a table of fp16 results (exact beyond ±10).
void geluMulFp16(const float* g, const float* u, float* y, int n);
// gelu(x) for every fp16 x (the index), rounded to fp16: ggml's GELU table (the Vulkan backend
// uploads it, so both backends look up the same values).
const std::vector<uint16_t>& geluTable();
// gpt-oss's clamped SwiGLU: x = min(g, 7), y = x / (1 + e^(-1.702 x)) · (clamp(u, -7, 7) + 1).
void swigluOai(const float* g, const float* u, float* y, int n);
// x[i] = e^(x[i] - shift); returns the sum (in double, as ggml's softmax does).
double expShifted(float* x, int n, float shift);
const char* isa(); // "avx2" or "scalar"

namespace ref {
float dotF32(const float* a, const float* b, int n);
float dotF16(const uint16_t* a, const uint16_t* b, int n);
void axpyF32(float a, const float* x, float* y, int n);
void axpyF16(float a, const uint16_t* x, float* y, int n);
void toFp16(const float* x, uint16_t* y, int n);
void fromFp16(const uint16_t* x, float* y, int n);
void dotRowsF32(const float* q, const float* rows, size_t stride, int count, int dim, float scale,
                float* out);
void dotRowsF16(const uint16_t* q, const uint16_t* rows, size_t stride, int count, int dim,
                float scale, float* out);
void weightedSumF32(const float* w, const float* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate = false);
void weightedSumF16(const float* w, const uint16_t* rows, size_t stride, int count, int dim,
                    float* out, bool accumulate = false);
void siluMul(const float* g, const float* u, float* y, int n);
double expShifted(float* x, int n, float shift);
} // namespace ref

} // namespace fabulist::inference::vec
