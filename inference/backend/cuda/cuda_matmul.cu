// Weight-type matmul kernels: dequantization happens in the kernel (cuda_dequant.cuh), the
// activations are f32 already rounded by launchRoundActivations, so the sums are those of the
// Vulkan shaders up to f32 summation order.
//   matvec (<= 8 token rows): one warp per weight row, lanes take consecutive units of the row
//     (coalesced reads of the quantized bytes), warp-shuffle reduction; the block's 4 rows share
//     the activations, staged in shared memory 1024 values at a time.
//   tiled (more rows): a block dequantizes a 64-row x 32-value tile of W into shared memory once
//     and uses it for 64 token rows; each thread accumulates 4 x 4 outputs.
//   moe: the slot's expert read from the route on the device; few slots (decode): the matvec
//     body per (weight row, slot); many (prompts): each expert's slots gathered 64 at a time
//     through the tiled body, so its weights are dequantized once per 64 slots.

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
// From this many expert slots on (32 tokens with 8 experts each) the grouped tiled kernel
// reuses each expert's dequantized weights across its slots; below, one warp per (row, slot).
constexpr int kMoeTiledMinSlots = 256;
constexpr int kMoeTiledGridY = 2048;

__device__ __forceinline__ float warpSum(float v) {
    for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// x values staged in shared memory per chunk of kChunk, padded by one float per 32 so that lanes
// reading 32-value units (lane stride 33 floats) hit 32 different banks; every warp of the block
// (one weight row each) reads the same staged activations.
constexpr int kChunk = 1024;
constexpr int kChunkPadded = kChunk + kChunk / 32;

__device__ __forceinline__ unsigned padded(unsigned k) {
    return k + k / 32u;
}

// Stages x rows [0, min(TOKENS, rows)) values [c0, c0 + n) into xs (zeros elsewhere).
template <int TOKENS>
__device__ __forceinline__ void stageX(float (*xs)[kChunkPadded], const float* x, int64_t xStride,
                                       int rows, int64_t c0, int n) {
    for (int i = threadIdx.x; i < TOKENS * kChunk; i += blockDim.x) {
        const int t = i / kChunk, k = i % kChunk;
        xs[t][padded(k)] = t < rows && k < n ? x[t * xStride + c0 + k] : 0.0f;
    }
}

// acc[t] += W row units [unit0, unit0 + units) . staged x row t, for t < min(TOKENS, rows); the
// calling warp's lanes split the units (consecutive lanes read consecutive quantized blocks).
template <GgmlType T, int TOKENS>
__device__ __forceinline__ void rowDotChunk(const uint8_t* row, int64_t unit0, int units,
                                            const float (*xs)[kChunkPadded], int rows, float* acc) {
    using F = WeightFormat<T>;
    for (int u = threadIdx.x % kWarp; u < units; u += kWarp) {
        float w[F::kUnit];
        F::load(row, unit0 + u, w);
#pragma unroll
        for (int t = 0; t < TOKENS; ++t) {
            if (t >= rows) break;
            // A unit never crosses a 32-value boundary, so its values are contiguous in xs.
            const float* xu = &xs[t][padded(unsigned(u * F::kUnit))];
            float s = 0.0f;
#pragma unroll
            for (int k = 0; k < F::kUnit; ++k) s += w[k] * xu[k];
            acc[t] += s;
        }
    }
}

// acc[t] += W row . x row t over the whole row, chunk by chunk. Every thread of the block calls
// (the staging synchronizes); `active` false for a warp whose weight row is past the end.
template <GgmlType T, int TOKENS>
__device__ __forceinline__ void rowDot(const uint8_t* row, bool active, int64_t nIn, const float* x,
                                       int64_t xStride, int rows, float* acc) {
    __shared__ float xs[TOKENS][kChunkPadded];
    for (int64_t c0 = 0; c0 < nIn; c0 += kChunk) {
        const int n = int(min(int64_t(kChunk), nIn - c0));
        __syncthreads(); // every warp is done with the previous chunk
        stageX<TOKENS>(xs, x, xStride, rows, c0, n);
        __syncthreads();
        if (active)
            rowDotChunk<T, TOKENS>(row, c0 / WeightFormat<T>::kUnit, n / WeightFormat<T>::kUnit, xs,
                                   rows, acc);
    }
}

template <GgmlType T, int TOKENS>
__global__ void __launch_bounds__(kRowsPerBlock* kWarp)
    matvecKernel(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t nRows, const float* x,
                 int rows, int xStride, float* y, int yStride) {
    const int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
    const bool active = r < nRows; // per warp: the shuffles below stay full-warp
    const int t0 = blockIdx.y * TOKENS;
    float acc[TOKENS] = {};
    rowDot<T, TOKENS>(w + uint64_t(active ? r : 0) * rowBytes, active, nIn,
                      x + int64_t(t0) * xStride, xStride, rows - t0, acc);
    if (!active) return;
#pragma unroll
    for (int t = 0; t < TOKENS; ++t) {
        const float s = warpSum(acc[t]);
        if (threadIdx.x % kWarp == 0 && t0 + t < rows) y[int64_t(t0 + t) * yStride + r] = s;
    }
}

// Expert rows: block (4 weight rows, slots s, s + gridDim.y, ...); slots with a negative expert
// id are left untouched.
template <GgmlType T>
__global__ void __launch_bounds__(kRowsPerBlock* kWarp)
    moeMatvecKernel(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t rowsPerExpert,
                    const float* x, int xStride, int slotDiv, const RouteSlot* route, int nSlots,
                    float* y, int yStride) {
    const int64_t r = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / kWarp;
    const bool active = r < rowsPerExpert;
    for (int s = blockIdx.y; s < nSlots; s += gridDim.y) {
        const int32_t e = route[s].id;
        if (e < 0) continue; // uniform per block: every thread read the same slot
        float acc[1] = {0.0f};
        const uint64_t row = uint64_t(e) * uint64_t(rowsPerExpert) + uint64_t(active ? r : 0);
        rowDot<T, 1>(w + row * rowBytes, active, nIn, x + int64_t(s / slotDiv) * xStride, xStride,
                     1, acc);
        const float sum = warpSum(acc[0]);
        if (active && threadIdx.x % kWarp == 0) y[int64_t(s) * yStride + r] = sum;
    }
}

// One [kTileTokens x kTileRows] tile of y for nTokens (<= kTileTokens) token rows: W rows r0.. are
// dequantized into shared memory once per K step and used by every token row of the tile.
// xRow(n) and yRow(n) give token n's activation and output rows. Every thread of the block calls.
template <GgmlType T, typename XRow, typename YRow>
__device__ __forceinline__ void matmulTile(const uint8_t* w, uint64_t rowBytes, int64_t nIn,
                                           int64_t r0, int64_t nRows, int nTokens, XRow xRow,
                                           YRow yRow) {
    using F = WeightFormat<T>;
    static_assert(kTileK % F::kUnit == 0);
    constexpr int kUnitsPerTile = kTileK / F::kUnit;
    // k-major, padded: conflict-free both when a thread writes a dequantized unit and when
    // threads of consecutive k store float weights or activations.
    __shared__ float ws[kTileK][kTileRows + 1];
    __shared__ float xs[kTileK][kTileTokens + 1];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
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
            xs[k][n] = n < nTokens && k0 + k < nIn ? xRow(n)[k0 + k] : 0.0f;
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
            const int n = tx + 16 * j;
            if (r < nRows && n < nTokens) yRow(n)[r] = acc[i][j];
        }
}

// Prompt batches: block (row tile, token tile).
template <GgmlType T>
__global__ void __launch_bounds__(kTileThreads)
    tiledKernel(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t nRows, const float* x,
                int rows, int xStride, float* y, int yStride) {
    const int t0 = blockIdx.y * kTileTokens;
    const float* xt = x + int64_t(t0) * xStride;
    float* yt = y + int64_t(t0) * yStride;
    matmulTile<T>(
        w, rowBytes, nIn, int64_t(blockIdx.x) * kTileRows, nRows, min(kTileTokens, rows - t0),
        [=](int n) { return xt + int64_t(n) * xStride; },
        [=](int n) { return yt + int64_t(n) * yStride; });
}

// Collects into list[] up to kTileTokens slots routed to expert e, from slot `from` on, in slot
// order (warp 0 scans 32 slots per step with a ballot). Returns how many; *resume is the slot
// the next call starts at. Every thread of the block calls; the results are block-wide.
__device__ int collectSlots(const RouteSlot* route, int nSlots, int32_t e, int from, int* list,
                            int* resume) {
    __shared__ int count, next;
    __syncthreads(); // the previous tile may still be writing y through list[]
    if (threadIdx.x < kWarp) {
        const int lane = threadIdx.x;
        int n = 0, i = from;
        while (i < nSlots && n < kTileTokens) {
            const bool match = i + lane < nSlots && route[i + lane].id == e;
            const unsigned mask = __ballot_sync(0xffffffffu, match);
            const int pos = n + __popc(mask & ((1u << lane) - 1u));
            if (match && pos < kTileTokens) list[pos] = i + lane;
            if (n + __popc(mask) > kTileTokens) { // the list is full inside this step
                const unsigned over = __ballot_sync(0xffffffffu, match && pos == kTileTokens);
                i += __ffs(over) - 1;
                n = kTileTokens;
                break;
            }
            n += __popc(mask);
            i += kWarp;
        }
        if (lane == 0) {
            count = n;
            next = i;
        }
    }
    __syncthreads();
    const int n = count;
    *resume = next;
    __syncthreads(); // count/next are rewritten by the next call
    return n;
}

// Expert matmul for many slots: block (row tile, slots s, s + gridDim.y, ...). The block of the
// first slot routed to an expert does all of that expert's slots, 64 at a time through
// matmulTile, so each expert's weights are dequantized once per 64 slots; other slots are skipped.
template <GgmlType T>
__global__ void __launch_bounds__(kTileThreads)
    moeTiledKernel(const uint8_t* w, uint64_t rowBytes, int64_t nIn, int64_t rowsPerExpert,
                   const float* x, int xStride, int slotDiv, const RouteSlot* route, int nSlots,
                   float* y, int yStride) {
    __shared__ int list[kTileTokens];
    const int64_t r0 = int64_t(blockIdx.x) * kTileRows;
    for (int s = blockIdx.y; s < nSlots; s += gridDim.y) {
        const int32_t e = route[s].id;
        if (e < 0) continue; // uniform: every thread read the same slot
        // Leader test, block-wide, stopping at the first earlier slot of the same expert (with
        // routes spread over the experts that is almost always within the first 256 slots).
        bool seenBefore = false;
        for (int i0 = 0; i0 < s && !seenBefore; i0 += kTileThreads) {
            const int i = i0 + int(threadIdx.x);
            seenBefore = __syncthreads_or(i < s && route[i].id == e);
        }
        if (seenBefore) continue;
        const uint8_t* we = w + uint64_t(e) * uint64_t(rowsPerExpert) * rowBytes;
        const int* ids = list; // captured as a pointer: a captured array would be copied
        for (int from = s, n = kTileTokens; n == kTileTokens;) {
            n = collectSlots(route, nSlots, e, from, list, &from);
            if (n == 0) break;
            matmulTile<T>(
                we, rowBytes, nIn, r0, rowsPerExpert, n,
                [=](int k) { return x + int64_t(ids[k] / slotDiv) * xStride; },
                [=](int k) { return y + int64_t(ids[k]) * yStride; });
        }
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
    if (nSlots < kMoeTiledMinSlots) {
        const dim3 grid(gridRows(rowsPerExpert, kRowsPerBlock), std::min(nSlots, kMaxGridY));
        moeMatvecKernel<T><<<grid, kRowsPerBlock * kWarp, 0, stream>>>(
            w, rowBytes, nIn, rowsPerExpert, x, xStride, slotDiv, route, nSlots, y, yStride);
    } else {
        // Each block tests a few slots for leadership; leaders are rare, so little imbalance.
        const dim3 grid(gridRows(rowsPerExpert, kTileRows), std::min(nSlots, kMoeTiledGridY));
        moeTiledKernel<T><<<grid, kTileThreads, 0, stream>>>(
            w, rowBytes, nIn, rowsPerExpert, x, xStride, slotDiv, route, nSlots, y, yStride);
    }
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
