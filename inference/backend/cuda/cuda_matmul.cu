// Weight-type matmul kernels: dequantization happens in the kernel (cuda_dequant.cuh), the
// activations are f32 already rounded by launchRoundActivations, so the sums are those of the
// Vulkan shaders up to f32 summation order.
//   matvec (<= 8 token rows): one warp per weight row, lanes take consecutive units of the row
//     (coalesced reads of the quantized bytes), warp-shuffle reduction.
//   tiled (more rows): a block dequantizes a 64-row x 32-value tile of W into shared memory once
//     and uses it for 64 token rows; each thread accumulates 4 x 4 outputs.
//   moe: the matvec body per (weight row, slot), the slot's expert read from the route on device.

#include "inference/backend/cuda/cuda_dequant.cuh"
#include "inference/backend/cuda/cuda_matmul.h"
#include "inference/quant/quant_kernels.h"

#include <algorithm>

namespace fabulist::inference::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kRowsPerBlock = 4; // warps (weight rows) per matvec block
constexpr int kMatvecMaxTokens = 8;
constexpr int kTileRows = 64, kTileTokens = 64, kTileK = 32, kTileThreads = 256;
constexpr int kMaxGridY = 65535;

__device__ __forceinline__ float warpSum(float v) {
    for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// acc[t] += W row . x row t for t < min(TOKENS, rows); the calling warp's lanes split the units.
template <GgmlType T, int TOKENS>
__device__ __forceinline__ void rowDot(const uint8_t* row, int64_t nIn, const float* x, int rows,
                                       int64_t xStride, float* acc) {
    using F = WeightFormat<T>;
    const int64_t units = nIn / F::kUnit;
    for (int64_t u = threadIdx.x % kWarp; u < units; u += kWarp) {
        float w[F::kUnit];
        F::load(row, u, w);
#pragma unroll
        for (int t = 0; t < TOKENS; ++t) {
            if (t >= rows) break;
            const float* xu = x + t * xStride + u * F::kUnit;
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < F::kUnit; ++k) s += w[k] * xu[k];
            acc[t] += s;
        }
    }
}

template <GgmlType T, int TOKENS>
__global__ void __launch_bounds__(kRowsPerBlock* kWarp)
    matvecKernel(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t nRows, const float* x,
                 int rows, int xStride, float* y, int yStride) {
    const int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
    if (r >= nRows) return; // whole warps leave: the shuffles below stay full-warp
    const int t0 = blockIdx.y * TOKENS;
    float acc[TOKENS] = {};
    rowDot<T, TOKENS>(w + uint64_t(r) * rowBytes, nIn, x + int64_t(t0) * xStride, rows - t0,
                      xStride, acc);
#pragma unroll
    for (int t = 0; t < TOKENS; ++t) {
        const float s = warpSum(acc[t]);
        if (threadIdx.x % kWarp == 0 && t0 + t < rows) y[int64_t(t0 + t) * yStride + r] = s;
    }
}

// Expert rows: warp per (weight row, slot); slots with a negative expert id are left untouched.
template <GgmlType T>
__global__ void __launch_bounds__(kRowsPerBlock* kWarp)
    moeMatvecKernel(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t rowsPerExpert,
                    const float* x, int xStride, int slotDiv, const RouteSlot* route, int nSlots,
                    float* y, int yStride) {
    const int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
    if (r >= rowsPerExpert) return;
    for (int s = blockIdx.y; s < nSlots; s += gridDim.y) {
        const int32_t e = route[s].id;
        if (e < 0) continue; // uniform per warp
        float acc[1] = {0.0f};
        rowDot<T, 1>(w + (uint64_t(e) * uint64_t(rowsPerExpert) + uint64_t(r)) * rowBytes, nIn,
                     x + int64_t(s / slotDiv) * xStride, 1, xStride, acc);
        const float sum = warpSum(acc[0]);
        if (threadIdx.x % kWarp == 0) y[int64_t(s) * yStride + r] = sum;
    }
}

// y tile [kTileTokens x kTileRows] of a prompt batch: W dequantized into shared memory once per
// K step and reused by all 64 token rows of the block.
template <GgmlType T>
__global__ void __launch_bounds__(kTileThreads)
    tiledKernel(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t nRows, const float* x,
                int rows, int xStride, float* y, int yStride) {
    using F = WeightFormat<T>;
    static_assert(kTileK % F::kUnit == 0);
    constexpr int kUnitsPerTile = kTileK / F::kUnit;
    // k-major, padded: conflict-free both when a thread writes a dequantized unit and when
    // threads of consecutive k store float weights or activations.
    __shared__ float ws[kTileK][kTileRows + 1];
    __shared__ float xs[kTileK][kTileTokens + 1];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int64_t r0 = int64_t(blockIdx.x) * kTileRows;
    const int t0 = blockIdx.y * kTileTokens;
    float acc[4][4] = {};
    for (int64_t k0 = 0; k0 < nIn; k0 += kTileK) {
        for (int i = tid; i < kTileRows * kUnitsPerTile; i += kTileThreads) {
            const int m = i / kUnitsPerTile, uu = i % kUnitsPerTile;
            const int64_t k = k0 + int64_t(uu) * F::kUnit; // units never straddle the row end
            float v[F::kUnit];
            if (r0 + m < nRows && k < nIn)
                F::load(w + uint64_t(r0 + m) * rowBytes, k / F::kUnit, v);
            else
                for (int j = 0; j < F::kUnit; ++j) v[j] = 0.0f;
#pragma unroll
            for (int j = 0; j < F::kUnit; ++j) ws[uu * F::kUnit + j][m] = v[j];
        }
        for (int i = tid; i < kTileTokens * kTileK; i += kTileThreads) {
            const int n = i / kTileK, k = i % kTileK;
            xs[k][n] = t0 + n < rows && k0 + k < nIn ? x[int64_t(t0 + n) * xStride + k0 + k] : 0.0f;
        }
        __syncthreads();
#pragma unroll 8
        for (int k = 0; k < kTileK; ++k) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) a[i] = ws[k][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; ++j) b[j] = xs[k][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int64_t r = r0 + ty + 16 * i;
            const int t = t0 + tx + 16 * j;
            if (r < nRows && t < rows) y[int64_t(t) * yStride + r] = acc[i][j];
        }
}

__global__ void roundActivationsKernel(ActRound mode, const float* x, int rows, int cols,
                                       int xStride, float* y, int yStride) {
    const int bs = actRoundBlock(mode);
    const int blocks = (cols + bs - 1) / bs;
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= int64_t(rows) * blocks) return;
    const int row = int(i / blocks), c0 = int(i % blocks) * bs;
    roundActivationBlock(mode, x + int64_t(row) * xStride + c0, y + int64_t(row) * yStride + c0,
                         min(bs, cols - c0));
}

int gridRows(int64_t n, int per) {
    return int((n + per - 1) / per);
}

template <GgmlType T>
void matmulOfType(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t nRows, const float* x,
                  int rows, int xStride, float* y, int yStride, cudaStream_t stream) {
    if (rows == 1) {
        const dim3 grid(gridRows(nRows, kRowsPerBlock));
        matvecKernel<T, 1><<<grid, kRowsPerBlock * kWarp, 0, stream>>>(w, rowBytes, nIn, nRows, x,
                                                                       rows, xStride, y, yStride);
    } else if (rows <= kMatvecMaxTokens) {
        const dim3 grid(gridRows(nRows, kRowsPerBlock));
        matvecKernel<T, kMatvecMaxTokens><<<grid, kRowsPerBlock * kWarp, 0, stream>>>(
            w, rowBytes, nIn, nRows, x, rows, xStride, y, yStride);
    } else {
        // Token tiles beyond the grid's y limit go in further launches.
        const int64_t maxTokens = int64_t(kMaxGridY) * kTileTokens;
        for (int64_t t = 0; t < rows; t += maxTokens) {
            const int n = int(std::min<int64_t>(maxTokens, rows - t));
            const dim3 grid(gridRows(nRows, kTileRows), gridRows(n, kTileTokens));
            tiledKernel<T><<<grid, kTileThreads, 0, stream>>>(
                w, rowBytes, nIn, nRows, x + t * xStride, n, xStride, y + t * yStride, yStride);
        }
    }
}

template <GgmlType T>
void moeMatmulOfType(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t rowsPerExpert,
                     const float* x, int xStride, int slotDiv, const RouteSlot* route, int nSlots,
                     float* y, int yStride, cudaStream_t stream) {
    const dim3 grid(gridRows(rowsPerExpert, kRowsPerBlock), std::min(nSlots, kMaxGridY));
    moeMatvecKernel<T><<<grid, kRowsPerBlock * kWarp, 0, stream>>>(
        w, rowBytes, nIn, rowsPerExpert, x, xStride, slotDiv, route, nSlots, y, yStride);
}

struct NoLaunch {
    template <GgmlType> void operator()() const {}
};

} // namespace

bool matmulSupports(GgmlType type) {
    return withWeightFormat(type, NoLaunch{});
}

bool launchRoundActivations(GgmlType weightType, const float* x, int rows, int cols, int xStride,
                            float* y, int yStride, cudaStream_t stream) {
    const ActRound mode = matmulSupports(weightType) ? actRoundOf(weightType) : ActRound::None;
    if (mode == ActRound::None) return false;
    if (rows <= 0 || cols <= 0) return true;
    const int threads = 128;
    const int64_t items = int64_t(rows) * gridRows(cols, actRoundBlock(mode));
    roundActivationsKernel<<<unsigned(gridRows(items, threads)), threads, 0, stream>>>(
        mode, x, rows, cols, xStride, y, yStride);
    return true;
}

void launchMatmul(GgmlType type, const void* w, uint64_t rowBytes, int64_t nIn, int64_t firstRow,
                  int64_t nRows, const float* x, int rows, int xStride, float* y, int yStride,
                  cudaStream_t stream) {
    if (rows <= 0 || nRows <= 0) return;
    const auto* w0 = static_cast<const uint8_t*>(w) + uint64_t(firstRow) * rowBytes;
    withWeightFormat(type, [&]<GgmlType T>() {
        matmulOfType<T>(w0, rowBytes, nIn, nRows, x, rows, xStride, y, yStride, stream);
    });
}

void launchMoeMatmul(GgmlType type, const void* w, uint64_t rowBytes, int64_t nIn,
                     int64_t rowsPerExpert, const float* x, int xStride, int slotDiv,
                     const RouteSlot* route, int nSlots, float* y, int yStride,
                     cudaStream_t stream) {
    if (nSlots <= 0 || rowsPerExpert <= 0) return;
    withWeightFormat(type, [&]<GgmlType T>() {
        moeMatmulOfType<T>(static_cast<const uint8_t*>(w), rowBytes, nIn, rowsPerExpert, x, xStride,
                           std::max(slotDiv, 1), route, nSlots, y, yStride, stream);
    });
}

} // namespace fabulist::inference::cuda
