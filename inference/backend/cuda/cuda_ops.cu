// The CUDA backend's kernels other than the weight-type matmuls; each mirrors the Vulkan shader
// of the same name (vulkan/shaders/), which matches the CPU reference.
#include "inference/backend/cuda/cuda_ops.h"

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cfloat>
#include <cmath>

namespace fabulist::inference::cuda {

namespace {

constexpr int kElementBlock = 256;
constexpr int kReduceBlock = 128;

unsigned blocksFor(int64_t n, int per = kElementBlock) {
    return unsigned((n + per - 1) / per);
}

// Grid-stride loops: a 1-D grid of at most this many blocks covers any n.
constexpr int64_t kMaxBlocks = 1 << 20;
unsigned gridFor(int64_t n) {
    const int64_t b = (n + kElementBlock - 1) / kElementBlock;
    return unsigned(b < kMaxBlocks ? (b > 0 ? b : 1) : kMaxBlocks);
}

__device__ float warpSum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ float warpMax(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ float blockSum(float v) {
    __shared__ float part[32];
    v = warpSum(v);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) part[warp] = v;
    __syncthreads();
    float r = 0.0f;
    for (int i = 0; i < int(blockDim.x >> 5); ++i) r += part[i];
    __syncthreads();
    return r;
}

__device__ float blockMax(float v) {
    __shared__ float part[32];
    v = warpMax(v);
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) part[warp] = v;
    __syncthreads();
    float r = part[0];
    for (int i = 1; i < int(blockDim.x >> 5); ++i) r = fmaxf(r, part[i]);
    __syncthreads();
    return r;
}

__device__ float roundToHalf(float f) {
    return __half2float(__float2half_rn(f));
}

// ---- element-wise -------------------------------------------------------------------------

__global__ void rmsNormKernel(const float* x, const float* w, float* y, int64_t groups, int cols,
                              int group, float eps) {
    const int64_t g = blockIdx.x;
    if (g >= groups) return;
    const int perRow = cols / group;
    const int64_t base = (g / perRow) * cols + (g % perRow) * group;
    float s = 0.0f;
    for (int i = threadIdx.x; i < group; i += blockDim.x) s += x[base + i] * x[base + i];
    const float scale = 1.0f / sqrtf(blockSum(s) / float(group) + eps);
    for (int i = threadIdx.x; i < group; i += blockDim.x) {
        const float v = x[base + i] * scale;
        y[base + i] = w ? v * w[i] : v;
    }
}

__global__ void ropeKernel(float* x, int rows, int cols, int nHead, int headDim, int nRot,
                           int neox, int offset, const float* table) {
    const int half = nRot / 2;
    const int64_t n = int64_t(rows) * nHead * half;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int pair = int(i % half);
        const int head = int((i / half) % nHead);
        const int64_t row = i / (int64_t(half) * nHead);
        const float c = table[(row * half + pair) * 2], s = table[(row * half + pair) * 2 + 1];
        const int64_t base = row * cols + int64_t(head) * headDim + offset;
        const int64_t a = base + (neox ? pair : 2 * pair);
        const int64_t b = a + (neox ? half : 1);
        const float x0 = x[a], x1 = x[b];
        x[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        x[b] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
    }
}

__global__ void storeKvKernel(const float* x, int rows, int xStride, int kvDim, void* cache,
                              int half, const int* pos0, int kept) {
    const int64_t n = int64_t(rows) * kvDim;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int row = int(i / kvDim), c = int(i % kvDim);
        const int pos = *pos0 + row;
        const int64_t e = int64_t(kept > 0 ? pos % kept : pos) * kvDim + c;
        const float v = x[int64_t(row) * xStride + c];
        if (half)
            static_cast<__half*>(cache)[e] = __float2half_rn(v);
        else
            static_cast<float*>(cache)[e] = v;
    }
}

// One thread per 32-value block: d = f16(amax / 127), q = roundEven(x · 127 / amax), as the CPU
// backend's Q8_0 row quantizer (and the Vulkan store_kv shader).
__global__ void storeKvQ8Kernel(const float* x, int rows, int xStride, int kvDim, uint8_t* cache,
                                const int* pos0, int kept) {
    const int blocks = kvDim / 32;
    const int64_t n = int64_t(rows) * blocks;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int row = int(i / blocks), b = int(i % blocks);
        const int pos = *pos0 + row;
        const float* src = x + int64_t(row) * xStride + int64_t(b) * 32;
        float amax = 0.0f;
        for (int k = 0; k < 32; ++k) amax = fmaxf(amax, fabsf(src[k]));
        const float id = amax != 0.0f ? __fdiv_rn(127.0f, amax) : 0.0f;
        uint8_t* dst = cache + (int64_t(kept > 0 ? pos % kept : pos) * blocks + b) * 34;
        *reinterpret_cast<__half*>(dst) = __float2half_rn(__fdiv_rn(amax, 127.0f));
        for (int k = 0; k < 32; ++k) dst[2 + k] = uint8_t(int8_t(rintf(__fmul_rn(src[k], id))));
    }
}

__global__ void swigluKernel(const float* g, const float* u, float* y, int64_t n, int mode,
                             const uint16_t* gelu) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x) {
        const float gv = g[i], uv = u[i];
        float r;
        if (mode == 1) {
            float a;
            if (gv <= -10.0f)
                a = 0.0f;
            else if (gv >= 10.0f)
                a = gv;
            else
                a = __half2float(
                    __ushort_as_half(gelu[__half_as_ushort(__float2half_rn(gv))]));
            r = a * uv;
        } else if (mode == 2) {
            const float xv = fminf(gv, 7.0f);
            r = xv / (1.0f + expf(1.702f * (-xv))) * (fminf(fmaxf(uv, -7.0f), 7.0f) + 1.0f);
        } else {
            r = gv / (1.0f + expf(-gv)) * uv;
        }
        y[i] = r;
    }
}

__global__ void sigmoidGatedKernel(const float* y, int yStride, const float* g, int rows,
                                   int cols, float* out, int outStride, int accumulate) {
    const int64_t n = int64_t(rows) * cols;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t r = i / cols, c = i % cols;
        const float w = 1.0f / (1.0f + expf(-g[r]));
        const float v = __fmul_rn(y[r * yStride + c], w);
        float& o = out[r * outStride + c];
        o = accumulate ? __fadd_rn(o, v) : v;
    }
}

__global__ void addKernel(float* x, const float* y, int64_t n) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x)
        x[i] += y[i];
}

__global__ void scaleKernel(float* x, float s, int64_t n) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x)
        x[i] *= s;
}

__global__ void addBiasKernel(float* x, int xStride, const float* bias, int rows, int cols) {
    const int64_t n = int64_t(rows) * cols;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x)
        x[(i / cols) * xStride + i % cols] += bias[i % cols];
}

__global__ void copyRowsKernel(const float* x, int xStride, float* y, int yStride, int rows,
                               int cols) {
    const int64_t n = int64_t(rows) * cols;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x)
        y[(i / cols) * yStride + i % cols] = x[(i / cols) * xStride + i % cols];
}

__global__ void headMixKernel(const float* b, const float* bias, const float* t, int tStride,
                              const float* z, int zStride, float alpha, float* out, int outStride,
                              int rows, int nVocab, int rank) {
    const int64_t n = int64_t(rows) * nVocab;
    for (int64_t idx = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; idx < n;
         idx += int64_t(gridDim.x) * blockDim.x) {
        const int64_t row = idx / nVocab, i = idx % nVocab;
        const float* w = b + i * rank;
        const float* tr = t + row * tStride;
        float s = bias[i];
        for (int j = 0; j < rank; ++j) s = __fadd_rn(s, __fmul_rn(w[j], tr[j]));
        out[row * outStride + i] = z[row * zStride + i] + alpha * s;
    }
}

// ---- MoE ----------------------------------------------------------------------------------

constexpr int kMaxExperts = 256;

__device__ void score(const float* l, const float* bias, int gating, int e, float mx, float inv,
                      float& weight, float& choice) {
    const float v = l[e];
    if (gating == 1) {
        weight = 1.0f / (1.0f + expf(-v));
        choice = bias ? weight + bias[e] : weight;
    } else if (gating == 2) {
        weight = v;
        choice = v;
    } else {
        weight = expf(v - mx) * inv;
        choice = weight;
    }
}

// One thread per token row, as moe_topk.comp.
__global__ void moeTopKKernel(const float* logits, TopKShape s, RouteSlot* route) {
    const int t = blockIdx.x * blockDim.x + threadIdx.x;
    if (t >= s.rows) return;
    const float* l = logits + int64_t(t) * s.stride;
    float mx = 0.0f, inv = 1.0f;
    if (s.gating == 0) {
        mx = -FLT_MAX;
        for (int e = 0; e < s.nExpert; ++e) mx = fmaxf(mx, l[e]);
        float sum = 0.0f;
        for (int e = 0; e < s.nExpert; ++e) sum += expf(l[e] - mx);
        inv = 1.0f / sum;
    }
    unsigned taken[kMaxExperts / 32] = {};
    float wsum = 0.0f, chosenMax = -FLT_MAX;
    RouteSlot* r = route + int64_t(t) * s.nUsed;
    for (int j = 0; j < s.nUsed; ++j) {
        int best = -1;
        float bestChoice = 0.0f, bestWeight = 0.0f;
        for (int e = 0; e < s.nExpert; ++e) {
            if ((taken[e >> 5] >> (e & 31)) & 1u) continue;
            float w, c;
            score(l, s.selectionBias, s.gating, e, mx, inv, w, c);
            if (best < 0 || c > bestChoice) {
                best = e;
                bestChoice = c;
                bestWeight = w;
            }
        }
        taken[best >> 5] |= 1u << (best & 31);
        r[j] = RouteSlot{best, bestWeight};
        wsum += bestWeight;
        chosenMax = fmaxf(chosenMax, bestWeight);
    }
    float div = s.normalize ? wsum : 1.0f;
    if (s.gating == 2) { // softmax over the chosen logits
        float sum = 0.0f;
        for (int j = 0; j < s.nUsed; ++j) {
            r[j].weight = expf(r[j].weight - chosenMax);
            sum += r[j].weight;
        }
        div = sum;
    }
    for (int j = 0; j < s.nUsed; ++j) {
        float w = r[j].weight;
        if (s.gating == 2)
            w *= 1.0f / div;
        else if (s.normalize)
            w /= div;
        if (s.scale != 1.0f) w *= s.scale;
        r[j].weight = w;
    }
}

__global__ void moeBiasKernel(float* y, int yStride, int n, const float* bias,
                              const RouteSlot* route, int nSlots) {
    const int64_t total = int64_t(nSlots) * n;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t slot = i / n, c = i % n;
        y[slot * yStride + c] += bias[int64_t(route[slot].id) * n + c];
    }
}

// In the CPU backend's order (first product assigned, then +=), without fused multiply-adds.
__global__ void moeSumKernel(const float* y, int yStride, const RouteSlot* route, int rows,
                             int nUsed, int cols, float* out, int outStride) {
    const int64_t n = int64_t(rows) * cols;
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
         i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t t = i / cols, c = i % cols;
        float o = 0.0f;
        for (int j = 0; j < nUsed; ++j) {
            const int64_t s = t * nUsed + j;
            const float v = __fmul_rn(y[s * yStride + c], route[s].weight);
            o = j == 0 ? v : __fadd_rn(o, v);
        }
        out[t * outStride + c] = o;
    }
}

__global__ void remapRouteKernel(const RouteSlot* route, const int* slotOf, int nSlots,
                                 RouteSlot* out) {
    const int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= nSlots) return;
    const int slot = slotOf[route[s].id];
    out[s] = slot >= 0 ? RouteSlot{slot, route[s].weight} : RouteSlot{0, 0.0f};
}

__global__ void headRouteKernel(RouteSlot* route, int nSlots, int heads) {
    const int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s < nSlots) route[s] = RouteSlot{s % heads, 1.0f};
}

// ---- attention ----------------------------------------------------------------------------

// The int8 value and f16 scale of element e of a Q8_0 layer (34-byte blocks of 32 values).
__device__ int q8Value(const void* layer, int64_t e) {
    return static_cast<const int8_t*>(layer)[(e / 32) * 34 + 2 + e % 32];
}
__device__ float q8Scale(const void* layer, int64_t e) {
    return __half2float(*reinterpret_cast<const __half*>(static_cast<const uint8_t*>(layer) +
                                                         (e / 32) * 34));
}

struct CacheView {
    const void* k;
    const void* v;
    bool half;
    int kept;
    bool q8;
    __device__ int slot(int pos) const { return kept > 0 ? pos % kept : pos; }
    // p · v[e] (Q8_0: (p · d) · q, in the CPU backend's order).
    __device__ float valueTerm(float p, int64_t e) const {
        if (q8) return __fmul_rn(__fmul_rn(p, q8Scale(v, e)), float(q8Value(v, e)));
        return __fmul_rn(p, value(e));
    }
    __device__ float key(int64_t e) const {
        return half ? __half2float(static_cast<const __half*>(k)[e]) : static_cast<const float*>(k)[e];
    }
    __device__ float value(int64_t e) const {
        return half ? __half2float(static_cast<const __half*>(v)[e]) : static_cast<const float*>(v)[e];
    }
};

__device__ int firstVisible(int hi, int window) {
    return window > 0 && hi + 1 > window ? hi + 1 - window : 0;
}

constexpr int kMaxHeadDim = 1024; // DeepSeek's latent keys: 512 + 64 rotated

// The head's query as Q8_0 blocks, as the CPU backend quantizes it for a Q8_0 cache: qs gets
// the integers, qd the blocks' f16 scales.
__device__ void quantizeQuery(const float* q, int dim, float* qs, float* qd) {
    for (int b = threadIdx.x; b < dim / 32; b += blockDim.x) {
        float amax = 0.0f;
        for (int d = b * 32; d < b * 32 + 32; ++d) amax = fmaxf(amax, fabsf(q[d]));
        qd[b] = roundToHalf(__fdiv_rn(amax, 127.0f));
        const float id = amax != 0.0f ? __fdiv_rn(127.0f, amax) : 0.0f;
        for (int d = b * 32; d < b * 32 + 32; ++d) qs[d] = rintf(__fmul_rn(q[d], id));
    }
}

// q·k over a Q8_0 key row from element kb: each block's integer dot product times both scales.
__device__ float q8KeyDot(const float* qs, const float* qd, const void* keys, int64_t kb,
                          int dim) {
    float dot = 0.0f;
    for (int b = 0; b < dim / 32; ++b) {
        int isum = 0;
        for (int d = b * 32; d < b * 32 + 32; ++d) isum += int(qs[d]) * q8Value(keys, kb + d);
        dot = __fadd_rn(dot, __fmul_rn(float(isum), __fmul_rn(qd[b], q8Scale(keys, kb + b * 32))));
    }
    return dot;
}

// One block per (query row, head), as attention.comp: scores in global scratch, softmax,
// then each thread sums p_j v_j for its output dimensions.
__global__ void attentionRowKernel(const float* q, int qStride, CacheView cache, float* scores,
                                   float* out, int outStride, AttentionShape s, const int* pos0) {
    __shared__ float qs[kMaxHeadDim];
    __shared__ float qd[kMaxHeadDim / 32]; // a Q8_0 cache: the query's block scales
    const int item = blockIdx.x;
    if (item >= s.rows * s.nHead) return;
    const int row = item / s.nHead, h = item % s.nHead, kvh = h / (s.nHead / s.nHeadKv);
    const int hi = *pos0 + row, lo = firstVisible(hi, s.window), count = hi - lo + 1;
    const float* qRow = q + int64_t(row) * qStride + int64_t(h) * s.headDimK;
    if (cache.q8) {
        quantizeQuery(qRow, s.headDimK, qs, qd);
    } else {
        for (int d = threadIdx.x; d < s.headDimK; d += blockDim.x)
            qs[d] = s.half ? roundToHalf(qRow[d]) : qRow[d];
    }
    __syncthreads();
    float* sc = scores + int64_t(item) * s.maxCtx;
    float mx = -FLT_MAX;
    for (int j = threadIdx.x; j < count; j += blockDim.x) {
        const int64_t kb = int64_t(cache.slot(lo + j)) * s.kvStrideK + int64_t(kvh) * s.headDimK;
        float dot = 0.0f;
        if (cache.q8) {
            dot = q8KeyDot(qs, qd, cache.k, kb, s.headDimK);
        } else {
            for (int d = 0; d < s.headDimK; ++d) dot += qs[d] * cache.key(kb + d);
        }
        dot *= s.scale;
        sc[j] = dot;
        mx = fmaxf(mx, dot);
    }
    mx = blockMax(mx);
    const float sink = s.sinks ? s.sinks[h] : 0.0f;
    if (s.sinks) mx = fmaxf(mx, sink);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < count; j += blockDim.x) {
        const float e = expf(sc[j] - mx);
        sc[j] = e;
        sum += e;
    }
    const float inv = 1.0f / (blockSum(sum) + (s.sinks ? expf(sink - mx) : 0.0f));
    for (int j = threadIdx.x; j < count; j += blockDim.x) {
        const float p = sc[j] * inv;
        sc[j] = s.half ? roundToHalf(p) : p;
    }
    __syncthreads(); // the block's global score writes are visible to the block after this
    for (int d = threadIdx.x; d < s.headDimV; d += blockDim.x) {
        float o = 0.0f;
        for (int j = 0; j < count; ++j) {
            const int64_t e =
                int64_t(cache.slot(lo + j)) * s.kvStrideV + int64_t(kvh) * s.headDimV + d;
            if (cache.q8)
                o = __fadd_rn(o, cache.valueTerm(sc[j], e));
            else
                o += sc[j] * cache.value(e);
        }
        out[int64_t(row) * outStride + int64_t(h) * s.headDimV + d] = o;
    }
}

// Prompt processing: one block per (tile of kQt query rows, head). Each K/V tile of kKt
// positions is loaded into shared memory once for the whole query tile. Pass 1 keeps each row's
// running max and sum (online softmax); pass 2 recomputes the scores, turns them into the final
// probabilities (rounded to f16 with an F16 cache, like the row kernel) and accumulates p·V.
constexpr int kQt = 16, kKt = 32, kTileDim = 128, kTileThreads = 256;

__device__ void tileScores(const float (*qs)[kTileDim], const float (*ks)[kTileDim],
                           float (*st)[kKt], int headDimK, float scale, int k0, int hi0, int rows,
                           int window) {
    for (int e = threadIdx.x; e < kQt * kKt; e += blockDim.x) {
        const int r = e / kKt, j = e % kKt;
        const int hi = hi0 + r, pos = k0 + j;
        if (r >= rows || pos > hi || pos < firstVisible(hi, window)) {
            st[r][j] = -INFINITY;
            continue;
        }
        float dot = 0.0f;
        for (int d = 0; d < headDimK; ++d) dot += qs[r][d] * ks[j][d];
        st[r][j] = dot * scale;
    }
}

__device__ void loadTile(float (*dst)[kTileDim], const CacheView& cache, bool keys, int k0,
                         int hiMax, int64_t stride, int64_t headOffset, int dim) {
    for (int e = threadIdx.x; e < kKt * dim; e += blockDim.x) {
        const int j = e / dim, d = e % dim, pos = k0 + j;
        float v = 0.0f;
        if (pos <= hiMax) {
            const int64_t at = int64_t(cache.slot(pos)) * stride + headOffset + d;
            v = keys ? cache.key(at) : cache.value(at);
        }
        dst[j][d] = v;
    }
}

__global__ void __launch_bounds__(kTileThreads)
    attentionTileKernel(const float* q, int qStride, CacheView cache, float* out, int outStride,
                        AttentionShape s, const int* pos0) {
    __shared__ float qs[kQt][kTileDim];
    __shared__ float kv[kKt][kTileDim];
    __shared__ float st[kQt][kKt];
    __shared__ float rowMax[kQt], rowInv[kQt];
    const int h = blockIdx.y, kvh = h / (s.nHead / s.nHeadKv);
    const int row0 = blockIdx.x * kQt, rows = min(kQt, s.rows - row0);
    const int hi0 = *pos0 + row0, hiMax = hi0 + rows - 1;
    const int loMin = firstVisible(hi0, s.window);
    for (int e = threadIdx.x; e < kQt * s.headDimK; e += blockDim.x) {
        const int r = e / s.headDimK, d = e % s.headDimK;
        float v = 0.0f;
        if (r < rows) v = q[int64_t(row0 + r) * qStride + int64_t(h) * s.headDimK + d];
        qs[r][d] = s.half ? roundToHalf(v) : v;
    }
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    constexpr int kRowsPerWarp = kQt / (kTileThreads / 32);
    float m[kRowsPerWarp], l[kRowsPerWarp];
    for (int i = 0; i < kRowsPerWarp; ++i) m[i] = -FLT_MAX, l[i] = 0.0f;
    const int64_t kOff = int64_t(kvh) * s.headDimK, vOff = int64_t(kvh) * s.headDimV;
    const int first = loMin / kKt * kKt;
    for (int k0 = first; k0 <= hiMax; k0 += kKt) { // pass 1: running max and sum per row
        __syncthreads();
        loadTile(kv, cache, true, k0, hiMax, s.kvStrideK, kOff, s.headDimK);
        __syncthreads();
        tileScores(qs, kv, st, s.headDimK, s.scale, k0, hi0, rows, s.window);
        __syncthreads();
        for (int i = 0; i < kRowsPerWarp; ++i) {
            const int r = warp * kRowsPerWarp + i;
            const float v = st[r][lane];
            const float mNew = fmaxf(m[i], warpMax(v));
            l[i] = l[i] * expf(m[i] - mNew) + warpSum(expf(v - mNew));
            m[i] = mNew;
        }
    }
    if (lane == 0)
        for (int i = 0; i < kRowsPerWarp; ++i) {
            const int r = warp * kRowsPerWarp + i;
            float mx = m[i], sum = l[i];
            if (s.sinks) {
                const float sink = s.sinks[h], mFinal = fmaxf(mx, sink);
                sum = sum * expf(mx - mFinal) + expf(sink - mFinal);
                mx = mFinal;
            }
            rowMax[r] = mx;
            rowInv[r] = 1.0f / sum;
        }
    constexpr int kOutPerThread = kQt * kTileDim / kTileThreads;
    float acc[kOutPerThread];
    for (int i = 0; i < kOutPerThread; ++i) acc[i] = 0.0f;
    for (int k0 = first; k0 <= hiMax; k0 += kKt) { // pass 2: probabilities times values
        __syncthreads();
        loadTile(kv, cache, true, k0, hiMax, s.kvStrideK, kOff, s.headDimK);
        __syncthreads();
        tileScores(qs, kv, st, s.headDimK, s.scale, k0, hi0, rows, s.window);
        __syncthreads();
        for (int e = threadIdx.x; e < kQt * kKt; e += blockDim.x) {
            const int r = e / kKt, j = e % kKt;
            const float p = expf(st[r][j] - rowMax[r]) * rowInv[r];
            st[r][j] = s.half ? roundToHalf(p) : p;
        }
        loadTile(kv, cache, false, k0, hiMax, s.kvStrideV, vOff, s.headDimV);
        __syncthreads();
        for (int i = 0; i < kOutPerThread; ++i) {
            const int o = threadIdx.x + i * kTileThreads;
            const int r = o / kTileDim, d = o % kTileDim;
            if (d >= s.headDimV) continue;
            float a = acc[i];
            for (int j = 0; j < kKt; ++j) a += st[r][j] * kv[j][d];
            acc[i] = a;
        }
    }
    for (int i = 0; i < kOutPerThread; ++i) {
        const int o = threadIdx.x + i * kTileThreads;
        const int r = o / kTileDim, d = o % kTileDim;
        if (r < rows && d < s.headDimV)
            out[int64_t(row0 + r) * outStride + int64_t(h) * s.headDimV + d] = acc[i];
    }
}

} // namespace

void launchRmsNorm(const float* x, const float* weight, float* y, int rows, int cols, int group,
                   float eps, cudaStream_t stream) {
    const int64_t groups = int64_t(rows) * (cols / group);
    if (groups <= 0) return;
    rmsNormKernel<<<unsigned(groups), kReduceBlock, 0, stream>>>(x, weight, y, groups, cols,
                                                                  group, eps);
}

void launchRope(float* x, int rows, int cols, int nHead, int headDim, int nRot, bool neox,
                int offset, const float* table, cudaStream_t stream) {
    const int64_t n = int64_t(rows) * nHead * (nRot / 2);
    if (n <= 0) return;
    ropeKernel<<<gridFor(n), kElementBlock, 0, stream>>>(x, rows, cols, nHead, headDim, nRot,
                                                          neox ? 1 : 0, offset, table);
}

void launchStoreKv(const float* x, int rows, int xStride, int kvDim, void* cache, bool half,
                   const int* pos0, int kept, cudaStream_t stream) {
    const int64_t n = int64_t(rows) * kvDim;
    if (n <= 0) return;
    storeKvKernel<<<gridFor(n), kElementBlock, 0, stream>>>(x, rows, xStride, kvDim, cache,
                                                             half ? 1 : 0, pos0, kept);
}

void launchStoreKvQ8(const float* x, int rows, int xStride, int kvDim, void* cache,
                     const int* pos0, int kept, cudaStream_t stream) {
    const int64_t n = int64_t(rows) * (kvDim / 32);
    if (n <= 0) return;
    storeKvQ8Kernel<<<gridFor(n), kElementBlock, 0, stream>>>(
        x, rows, xStride, kvDim, static_cast<uint8_t*>(cache), pos0, kept);
}

bool attentionUsesScores(const AttentionShape& s) {
    return s.q8 || !(s.rows >= kQt && s.headDimK <= kTileDim && s.headDimV <= kTileDim);
}

void launchAttention(const float* q, int qStride, const void* k, const void* v, float* scores,
                     float* out, int outStride, const AttentionShape& s, const int* pos0,
                     cudaStream_t stream) {
    if (s.rows <= 0) return;
    const CacheView cache{k, v, s.half, s.kept, s.q8};
    if (!attentionUsesScores(s)) {
        const dim3 grid(unsigned((s.rows + kQt - 1) / kQt), unsigned(s.nHead));
        attentionTileKernel<<<grid, kTileThreads, 0, stream>>>(q, qStride, cache, out, outStride,
                                                               s, pos0);
        return;
    }
    attentionRowKernel<<<unsigned(s.rows * s.nHead), kReduceBlock, 0, stream>>>(
        q, qStride, cache, scores, out, outStride, s, pos0);
}

void launchMoeTopK(const float* logits, const TopKShape& s, RouteSlot* route,
                   cudaStream_t stream) {
    if (s.rows <= 0) return;
    moeTopKKernel<<<blocksFor(s.rows, 64), 64, 0, stream>>>(logits, s, route);
}

void launchMoeBias(float* y, int yStride, int n, const float* bias, const RouteSlot* route,
                   int nSlots, cudaStream_t stream) {
    if (nSlots <= 0 || n <= 0) return;
    moeBiasKernel<<<gridFor(int64_t(nSlots) * n), kElementBlock, 0, stream>>>(y, yStride, n, bias,
                                                                              route, nSlots);
}

void launchMoeSum(const float* y, int yStride, const RouteSlot* route, int rows, int nUsed,
                  int cols, float* out, int outStride, cudaStream_t stream) {
    if (rows <= 0) return;
    moeSumKernel<<<gridFor(int64_t(rows) * cols), kElementBlock, 0, stream>>>(
        y, yStride, route, rows, nUsed, cols, out, outStride);
}

void launchRemapRoute(const RouteSlot* route, const int* slotOf, int nSlots, RouteSlot* out,
                      cudaStream_t stream) {
    if (nSlots > 0)
        remapRouteKernel<<<blocksFor(nSlots), kElementBlock, 0, stream>>>(route, slotOf, nSlots,
                                                                          out);
}

void launchHeadRoute(RouteSlot* route, int nSlots, int heads, cudaStream_t stream) {
    if (nSlots <= 0) return;
    headRouteKernel<<<blocksFor(nSlots), kElementBlock, 0, stream>>>(route, nSlots, heads);
}

void launchSwiglu(const float* g, const float* u, float* y, int64_t n, int mode,
                  const uint16_t* geluTable, cudaStream_t stream) {
    if (n <= 0) return;
    swigluKernel<<<gridFor(n), kElementBlock, 0, stream>>>(g, u, y, n, mode, geluTable);
}

void launchSigmoidGated(const float* y, int yStride, const float* g, int rows, int cols,
                        float* out, int outStride, bool accumulate, cudaStream_t stream) {
    const int64_t n = int64_t(rows) * cols;
    if (n > 0)
        sigmoidGatedKernel<<<gridFor(n), kElementBlock, 0, stream>>>(
            y, yStride, g, rows, cols, out, outStride, accumulate ? 1 : 0);
}

void launchAdd(float* x, const float* y, int64_t n, cudaStream_t stream) {
    if (n > 0) addKernel<<<gridFor(n), kElementBlock, 0, stream>>>(x, y, n);
}

void launchScale(float* x, float s, int64_t n, cudaStream_t stream) {
    if (n > 0) scaleKernel<<<gridFor(n), kElementBlock, 0, stream>>>(x, s, n);
}

void launchAddBias(float* x, int xStride, const float* bias, int rows, int cols,
                   cudaStream_t stream) {
    const int64_t n = int64_t(rows) * cols;
    if (n > 0)
        addBiasKernel<<<gridFor(n), kElementBlock, 0, stream>>>(x, xStride, bias, rows, cols);
}

void launchCopyRows(const float* x, int xStride, float* y, int yStride, int rows, int cols,
                    cudaStream_t stream) {
    const int64_t n = int64_t(rows) * cols;
    if (n > 0)
        copyRowsKernel<<<gridFor(n), kElementBlock, 0, stream>>>(x, xStride, y, yStride, rows,
                                                                  cols);
}

void launchHeadMix(const float* b, const float* bias, const float* t, int tStride, const float* z,
                   int zStride, float alpha, float* out, int outStride, int rows, int nVocab,
                   int rank, cudaStream_t stream) {
    const int64_t n = int64_t(rows) * nVocab;
    if (n > 0)
        headMixKernel<<<gridFor(n), kElementBlock, 0, stream>>>(
            b, bias, t, tStride, z, zStride, alpha, out, outStride, rows, nVocab, rank);
}

} // namespace fabulist::inference::cuda
