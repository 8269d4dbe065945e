#pragma once
// Launchers for the weight-type kernels (cuda_matmul.cu). Every pointer is device memory; every
// launch is asynchronous on `stream` (capturable into a CUDA graph: no allocation, no sync, no
// host-dependent value that changes between decode steps).
#include "inference/quant/ggml_type.h"
#include <cuda_runtime_api.h>
#include <cstdint>
namespace fabulist::inference::cuda {
// One routing slot: the chosen expert and its weight (written by moe_topk on the device).
struct RouteSlot { int32_t id; float weight; };
// Whether the matmul kernels handle this weight type.
bool matmulSupports(GgmlType type);
// y = x rounded as the CPU backend converts activations to this weight type's vec-dot type
// (f16, Q8_0, Q8_1 or Q8_K values, dequantized back to f32), exactly like the Vulkan act_round
// shader. Returns false (and launches nothing) for types whose activations stay f32.
bool launchRoundActivations(GgmlType weightType, const float* x, int rows, int cols, int xStride,
                            float* y, int yStride, cudaStream_t stream);
// y[t][r] = sum_i W[firstRow + r][i] * x[t][i] for t < rows, r < nRows; W is raw GGUF rows of
// `rowBytes` bytes with nIn values each. Picks a matvec kernel for few rows and a tiled one for many.
void launchMatmul(GgmlType type, const void* w, uint64_t rowBytes, int64_t nIn, int64_t firstRow,
                  int64_t nRows, const float* x, int rows, int xStride, float* y, int yStride,
                  cudaStream_t stream);
// Expert matmul for every slot, ids read on the device: y[s] = W[route[s].id] · x[s / slotDiv],
// W stacks the experts' matrices of rowsPerExpert rows each.
void launchMoeMatmul(GgmlType type, const void* w, uint64_t rowBytes, int64_t nIn,
                     int64_t rowsPerExpert, const float* x, int xStride, int slotDiv,
                     const RouteSlot* route, int nSlots, float* y, int yStride, cudaStream_t stream);
} // namespace fabulist::inference::cuda
