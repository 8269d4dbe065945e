#pragma once
// Launchers for the CUDA backend's kernels other than the weight-type matmuls (cuda_matmul.h).
// Each computes what the Vulkan shader of the same name computes (vulkan/shaders/*.comp), which
// matches the CPU reference: same f16 rounding of an F16 KV cache, of the query and of the
// attention probabilities, same GELU fp16 table, same order of the MoE weighted sum. Every
// pointer is device memory, every launch is asynchronous on `stream` and capturable into a CUDA
// graph: values that change between decode steps (positions) are read from device memory.

#include "inference/backend/cuda/cuda_matmul.h"

#include <cuda_runtime_api.h>
#include <cstdint>

namespace fabulist::inference::cuda {

// RMSNorm over groups of `group` values of `rows` rows of `cols`; weight (group values) optional.
// y may equal x.
void launchRmsNorm(const float* x, const float* weight, float* y, int rows, int cols, int group,
                   float eps, cudaStream_t stream);
// RoPE in place; table holds [rows][nRot/2][cos, sin] (ropeAngles on the host). Pairs (2i, 2i+1),
// or (i, i + nRot/2) for NeoX, starting `offset` values into each head.
void launchRope(float* x, int rows, int cols, int nHead, int headDim, int nRot, bool neox,
                int offset, const float* table, cudaStream_t stream);
// Rows of kvDim values (xStride apart) into a cache layer (f32, or f16 when half) at positions
// *pos0.. (device memory); kept > 0: a ring of `kept` slots.
void launchStoreKv(const float* x, int rows, int xStride, int kvDim, void* cache, bool half,
                   const int* pos0, int kept, cudaStream_t stream);
// The same into a Q8_0 layer: rows of kvDim / 32 blocks of 34 bytes (f16 scale, 32 int8), the
// CPU backend's layout, quantized as its row quantizer does (kvDim a multiple of 32).
void launchStoreKvQ8(const float* x, int rows, int xStride, int kvDim, void* cache,
                     const int* pos0, int kept, cudaStream_t stream);

struct AttentionShape {
    int rows, nHead, nHeadKv, headDimK, headDimV;
    int window; // positions visible behind the query (incl. itself); 0 = all
    int maxCtx; // the cache's capacity: scores scratch holds rows * nHead * maxCtx floats
    float scale;
    bool half;
    int kvStrideK, kvStrideV; // cache values between positions (V may be read from K's rows)
    int kept;                 // > 0: a ring of `kept` slots
    const float* sinks;       // gpt-oss: nHead logits joining each softmax, or nullptr
    bool q8 = false;          // a Q8_0 cache (launchStoreKvQ8's layout): the per-row kernel
};
// Whether launchAttention uses the scores scratch for this shape (the per-row kernel does; the
// tiled prompt kernel keeps its scores in shared memory).
bool attentionUsesScores(const AttentionShape& s);
// Causal attention of q rows at positions *pos0.. over the cache layer (k, v). Picks a tiled
// kernel (a block of query rows shares each K/V tile in shared memory) for prompt batches and
// one block per (row, head) otherwise. scores: scratch of rows * nHead * maxCtx floats.
void launchAttention(const float* q, int qStride, const void* k, const void* v, float* scores,
                     float* out, int outStride, const AttentionShape& s, const int* pos0,
                     cudaStream_t stream);

// gating: 0 softmax, 1 sigmoid (+ selection bias for the choice), 2 softmax of the chosen.
struct TopKShape {
    int rows, stride, nExpert, nUsed, gating;
    bool normalize;
    float scale;
    const float* selectionBias; // nExpert values or nullptr
};
// MoE routing: route[t * nUsed + j] = the j-th choice of row t (highest first, ties to the lower
// id), weights normalised and scaled as the CPU backend does. Up to 256 experts.
void launchMoeTopK(const float* logits, const TopKShape& s, RouteSlot* route, cudaStream_t stream);
// y[s][0, n) += bias[route[s].id * n ..] for nSlots slots.
void launchMoeBias(float* y, int yStride, int n, const float* bias, const RouteSlot* route,
                   int nSlots, cudaStream_t stream);
// out[t] = sum_j route[t * nUsed + j].weight * y[t * nUsed + j], in choice order.
void launchMoeSum(const float* y, int yStride, const RouteSlot* route, int rows, int nUsed,
                  int cols, float* out, int outStride, cudaStream_t stream);
// Expert placement: out[s] = {slotOf[route[s].id], weight}, or {0, 0} for an expert whose slot is
// -1 (it runs on the CPU; the GPU's stack holds only resident experts, in expert order).
void launchRemapRoute(const RouteSlot* route, const int* slotOf, int nSlots, RouteSlot* out,
                      cudaStream_t stream);
// Fills route[s] = {s % heads, 1} (per-head matmuls through the expert kernel).
void launchHeadRoute(RouteSlot* route, int nSlots, int heads, cudaStream_t stream);

// y = act(g) * u over n floats: mode 0 SwiGLU, 1 GeGLU via geluTable (ggml's 64 Ki fp16 GELU
// values), 2 gpt-oss's clamped SwiGLU.
void launchSwiglu(const float* g, const float* u, float* y, int64_t n, int mode,
                  const uint16_t* geluTable, cudaStream_t stream);
// The Qwen2-MoE shared expert's gate: out[r] (+)= y[r] * sigmoid(g[r]) for `rows` rows of `cols`.
void launchSigmoidGated(const float* y, int yStride, const float* g, int rows, int cols,
                        float* out, int outStride, bool accumulate, cudaStream_t stream);
void launchAdd(float* x, const float* y, int64_t n, cudaStream_t stream);      // x += y
void launchScale(float* x, float s, int64_t n, cudaStream_t stream);           // x *= s
// x[r][0, cols) += bias[0, cols) for `rows` rows xStride apart.
void launchAddBias(float* x, int xStride, const float* bias, int rows, int cols,
                   cudaStream_t stream);
void launchCopyRows(const float* x, int xStride, float* y, int yStride, int rows, int cols,
                    cudaStream_t stream);
// out[row][i] = z[row][i] + alpha * (bias[i] + sum_j B[i][j] * t[row][j]) for i < nVocab.
void launchHeadMix(const float* b, const float* bias, const float* t, int tStride, const float* z,
                   int zStride, float alpha, float* out, int outStride, int rows, int nVocab,
                   int rank, cudaStream_t stream);

} // namespace fabulist::inference::cuda
