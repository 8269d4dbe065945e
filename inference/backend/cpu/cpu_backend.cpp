#include "inference/backend/cpu/cpu_backend.h"
#include "inference/backend/kv_cache_type.h"

#include "inference/backend/cpu/range_claims.h"
#include "inference/backend/cpu/vector_ops.h"
#include "inference/backend/rope_angles.h"
#include "inference/engine_error.h"
#include "inference/gguf/gguf_file.h"
#include "inference/quant/fp16.h"
#include "inference/quant/quant_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>
#include <thread>

namespace fabulist::inference {

namespace {

// Weight rows per work item: 16 quantized rows of a typical model stay in L1 while every token
// of the batch streams past them.
constexpr int kRowBlock = 16;
// Multiply-adds below which an op runs on the calling thread alone.
constexpr int64_t kSerialWork = 1 << 16;

// Anonymous memory from the kernel: reads as zeros, costs nothing until touched.
class LazyZeroedBytes {
public:
    explicit LazyZeroedBytes(size_t size) : m_size(size) {
        if (size == 0) return;
        void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw EngineError("cannot reserve " + std::to_string(size >> 20) +
                              " MiB for the KV cache: choose a smaller context");
        m_data = static_cast<uint8_t*>(p);
    }
    ~LazyZeroedBytes() {
        if (m_data) ::munmap(m_data, m_size);
    }
    LazyZeroedBytes(const LazyZeroedBytes&) = delete;
    LazyZeroedBytes& operator=(const LazyZeroedBytes&) = delete;
    uint8_t* data() const { return m_data; }

private:
    size_t m_size;
    uint8_t* m_data = nullptr;
};

// kvDimV 0: values are the first values of each key row (DeepSeek's latent, cached once).
// Layers may keep fewer positions than the capacity (a ring for sliding-window layers):
// position p lives in slot p % slots(layer); k()/v() take positions, and a caller reading
// several consecutive positions splits them where the ring wraps (ringRuns).
class CpuKvCache final : public KvCache {
public:
    CpuKvCache(int nLayer, int capacity, std::span<const int> layerSlots, int kvDimK, int kvDimV,
               GgmlType type)
        : m_type(type), m_capacity(capacity), m_kvDimK(kvDimK), m_kvDimV(kvDimV),
          m_sharedV(kvDimV == 0), m_rowK(ggmlRowBytes(type, kvDimK)),
          m_rowV(kvDimV == 0 ? 0 : ggmlRowBytes(type, kvDimV)),
          m_slots(layerSlots.begin(), layerSlots.end()),
          m_k(totalSlots(nLayer, capacity, layerSlots) * m_rowK),
          m_v(totalSlots(nLayer, capacity, layerSlots) * m_rowV) {
        m_slots.resize(size_t(nLayer), capacity);
        size_t offset = 0;
        for (int s : m_slots) {
            m_first.push_back(offset);
            offset += size_t(s);
        }
        m_bytes = offset * (m_rowK + m_rowV);
    }
    GgmlType type() const override { return m_type; }
    int capacity() const override { return m_capacity; }
    uint64_t bytes() const override { return m_bytes; }
    int positionsKept(int layer) const override { return m_slots[size_t(layer)]; }

    uint8_t* k(int layer, int pos) { return m_k.data() + rowIndex(layer, pos) * m_rowK; }
    uint8_t* v(int layer, int pos) {
        if (m_sharedV) return k(layer, pos);
        return m_v.data() + rowIndex(layer, pos) * m_rowV;
    }
    int kvDimK() const { return m_kvDimK; }
    size_t rowBytesK() const { return m_rowK; }
    size_t rowBytesV() const { return m_sharedV ? m_rowK : m_rowV; } // the stride of value rows
    bool sharedV() const { return m_sharedV; }

private:
    static size_t totalSlots(int nLayer, int capacity, std::span<const int> layerSlots) {
        size_t n = 0;
        for (int l = 0; l < nLayer; ++l)
            n += size_t(size_t(l) < layerSlots.size() ? layerSlots[size_t(l)] : capacity);
        return n;
    }
    size_t rowIndex(int layer, int pos) const {
        return m_first[size_t(layer)] + size_t(pos % m_slots[size_t(layer)]);
    }

    GgmlType m_type;
    int m_capacity, m_kvDimK, m_kvDimV;
    bool m_sharedV;
    size_t m_rowK, m_rowV, m_bytes = 0;
    std::vector<int> m_slots;
    std::vector<size_t> m_first; // first row of each layer
    // Zeroed pages that become resident when a position is first written: memory grows with
    // the sequence, not with the capacity.
    LazyZeroedBytes m_k, m_v;
};

inline float silu(float x) {
    return x / (1.0f + std::exp(-x));
}

inline const uint8_t* weightRow(const Weight& w, int64_t mat, int64_t row) {
    return static_cast<const uint8_t*>(w.host) +
           (size_t(mat) * size_t(w.nOut) + size_t(row)) * w.rowBytes;
}

// The query as the cache's type needs it for K·Q: fp16 (llama.cpp rounds Q to fp16 for an F16
// cache), Q8_0 blocks (a Q8_0 cache), nothing for F32.
void prepareQuery(GgmlType type, const float* q, void* dst, int dim) {
    if (type == GgmlType::F16)
        vec::toFp16(q, static_cast<uint16_t*>(dst), dim);
    else if (type == GgmlType::Q8_0)
        quantKernels(GgmlType::Q8_0).quantizeActivations(q, dst, dim);
}

// Bytes from the start of a cache row to the value at `index` (a multiple of 32 for Q8_0).
size_t rowOffset(GgmlType type, int index) {
    return ggmlRowBytes(type, index);
}

// out[j] = scale · K_j·q for `count` rows of `dim` values from k0, rowBytes apart.
void keyScores(GgmlType type, const float* q, const void* prepared, const uint8_t* k0,
               size_t rowBytes, int count, int dim, float scale, float* out) {
    if (type == GgmlType::F16) {
        vec::dotRowsF16(static_cast<const uint16_t*>(prepared),
                        reinterpret_cast<const uint16_t*>(k0), rowBytes / 2, count, dim, scale,
                        out);
    } else if (type == GgmlType::F32) {
        vec::dotRowsF32(q, reinterpret_cast<const float*>(k0), rowBytes / 4, count, dim, scale,
                        out);
    } else {
        const auto dot = quantKernels(GgmlType::Q8_0).vecDot;
        for (int j = 0; j < count; ++j)
            out[j] = dot(k0 + size_t(j) * rowBytes, prepared, dim) * scale;
    }
}

// out (+)= Σ_j w[j] · V_j over `count` rows from v0 (weightedSum's contract).
void valueSum(GgmlType type, const float* w, const uint8_t* v0, size_t rowBytes, int count, int dim,
              float* out, bool accumulate) {
    if (type == GgmlType::F16)
        vec::weightedSumF16(w, reinterpret_cast<const uint16_t*>(v0), rowBytes / 2, count, dim, out,
                            accumulate);
    else if (type == GgmlType::F32)
        vec::weightedSumF32(w, reinterpret_cast<const float*>(v0), rowBytes / 4, count, dim, out,
                            accumulate);
    else
        vec::weightedSumQ8(w, v0, rowBytes, count, dim, out, accumulate);
}

} // namespace

// Keys and values of `count` consecutive positions of one layer of a cache, from `first`.
struct CpuBackend::KvRun {
    CpuKvCache* cache = nullptr;
    int layer = 0, first = 0, count = 0;
};

// One query head against its keys, given as one or two runs of cache rows that form one causal
// sequence (the prompt's, then a candidate's own). Scores, softmax and the weighted sum go over
// the runs as if they were one: the same operations in the same order as one run of all rows.
void CpuBackend::attendHead(const float* qv, float* o, int kvh, std::span<const KvRun> runs,
                            const AttentionParams& p, const float* sink, const HeadScratch& s) {
    const GgmlType type = runs[0].cache->type();
    const size_t rowK = runs[0].cache->rowBytesK(), rowV = runs[0].cache->rowBytesV();
    const size_t offK = rowOffset(type, kvh * p.headDimK), offV = rowOffset(type, kvh * p.headDimV);
    prepareQuery(type, qv, s.qHalf, p.headDimK);
    int count = 0;
    for (const KvRun& r : runs) {
        keyScores(type, qv, s.qHalf, r.cache->k(r.layer, r.first) + offK, rowK, r.count, p.headDimK,
                  p.scale, s.scores + count);
        count += r.count;
    }
    float* scores = s.scores;
    float maxScore = -INFINITY;
    for (int j = 0; j < count; ++j) maxScore = std::max(maxScore, scores[j]);
    if (sink) maxScore = std::max(maxScore, *sink); // the sink joins the softmax, valueless
    double sum = vec::expShifted(scores, count, maxScore);
    if (sink) sum += double(std::exp(*sink - maxScore));
    const float inv = float(1.0 / sum);
    for (int j = 0; j < count; ++j) scores[j] *= inv;
    if (type == GgmlType::F16) {
        // ...and the probabilities to fp16 for V·P.
        vec::toFp16(scores, s.pHalf, count);
        vec::fromFp16(s.pHalf, scores, count);
    }
    int done = 0;
    for (const KvRun& r : runs) {
        const bool more = done > 0; // the sum goes on over the second run
        valueSum(type, scores + done, r.cache->v(r.layer, r.first) + offV, rowV, r.count,
                 p.headDimV, o, more);
        done += r.count;
    }
}

CpuBackend::CpuBackend(int threads) : m_pool(threads > 0 ? threads : ThreadPool::physicalCores()) {}

CpuBackend::~CpuBackend() = default;

void CpuBackend::prepareUploads(std::span<const GgufTensorInfo> tensors, int,
                                uint64_t reservedBytes) {
    HugePageRequest request;
    for (const GgufTensorInfo& t : tensors) request.weightBytes += t.nbytes;
    request.reservedBytes = reservedBytes;
    request.availableBytes = memAvailableBytes();
    const std::string mode = transparentHugePageMode();
    request.thpMode = mode;
    const char* env = std::getenv("FABULIST_HUGE_PAGES");
    request.turnedOff = env && std::string_view(env) == "0";
    request.forced = env && std::string_view(env) == "1";
    m_hugePlan = planHugePageWeights(request);
    if (m_hugePlan.copy && !m_hugePages.reserve(request.weightBytes + 64 * tensors.size()))
        m_hugePlan = {false, "the address space for a copy was refused"};
    if (!m_hugePlan.copy) return;
    for (const GgufTensorInfo& t : tensors) m_hugeCandidates.insert(t.data);
}

const uint8_t* CpuBackend::placeWeight(const GgufTensorInfo& tensor) {
    if (!m_hugeCandidates.erase(tensor.data)) return tensor.data;
    uint8_t* dst = m_hugePages.take(tensor.nbytes);
    if (!dst) return tensor.data;
    // In 2 MiB pieces over the pool: the copy of a 12 GiB model is memory-bound, not one
    // core's memcpy.
    constexpr uint64_t kPiece = 2ull << 20;
    const int64_t pieces = int64_t((tensor.nbytes + kPiece - 1) / kPiece);
    auto job = [&](int chunk, int n, int) {
        int64_t b, e;
        splitRange(pieces, chunk, n, b, e);
        for (int64_t i = b; i < e; ++i) {
            const uint64_t at = uint64_t(i) * kPiece;
            std::memcpy(dst + at, tensor.data + at, std::min(kPiece, tensor.nbytes - at));
        }
    };
    if (pieces > 1)
        m_pool.run(job);
    else
        job(0, 1, 0);
    dropMappedPages(tensor.data, tensor.nbytes);
    return dst;
}

Weight CpuBackend::upload(const GgufTensorInfo& tensor) {
    Weight w;
    w.name = tensor.name;
    w.type = tensor.type;
    w.nIn = tensor.ne[0];
    w.nOut = tensor.ne[1];
    w.nMat = tensor.ne[2] * tensor.ne[3];
    w.rowBytes = ggmlRowBytes(tensor.type, tensor.ne[0]);
    w.host = placeWeight(tensor);
    return w;
}

DeviceDescription CpuBackend::describeDevice() const {
    std::string weights;
    if (m_hugePages.bytesTaken() > 0) {
        weights = std::to_string(m_hugePages.bytesTaken() >> 20) + " MiB copied into memory";
        const int64_t huge = m_hugePages.hugeBytes();
        if (huge >= 0) weights += ", " + std::to_string(huge >> 20) + " MiB of it in 2 MiB pages";
    } else {
        weights = "read from the file's mapping (" + m_hugePlan.reason + ")";
    }
    return {{"device", "cpu"},
            {"threads", std::to_string(threads())},
            {"dot-product kernels", quantKernels(GgmlType::Q4_K).isa},
            {"weights", weights}};
}

void CpuBackend::ensureScratch(std::vector<uint8_t>& buf, size_t bytes) {
    if (buf.size() < bytes) buf.resize(bytes);
}

void CpuBackend::reserve(const BackendLimits& limits) {
    m_limits = limits;
    const int threads = m_pool.threadCount();
    // F32 is the widest vec-dot format (4 bytes per value), so it bounds every other type.
    const size_t actRow = activationBytes(GgmlType::F32, std::max(limits.maxCols, limits.maxFf));
    for (auto& q : m_quant) ensureScratch(q, size_t(limits.maxRows) * actRow);
    ensureScratch(m_quantHidden,
                  size_t(limits.maxFfRows) * activationBytes(GgmlType::F32, limits.maxFf));
    m_hidden.resize(size_t(limits.maxFfRows) * limits.maxFf);
    m_expertOut.resize(size_t(limits.maxFfRows) * limits.nEmbd);
    m_scores.resize(size_t(threads) * limits.maxContext);
    m_qHalf.resize(size_t(threads) * std::max(limits.maxCols, 1));
    m_pHalf.resize(size_t(threads) * limits.maxContext);
    if (limits.maxRows >= kBlockedAttentionRows) {
        m_blockScores.resize(size_t(threads) * kQueriesPerBlock * limits.maxContext);
        m_blockQHalf.resize(size_t(threads) * kQueriesPerBlock * std::max(limits.maxCols, 1));
    }
    m_slots.resize(limits.maxFfRows);
    m_slotWeight.resize(limits.maxFfRows);
    m_workItems.reserve(4096);
    m_ropeCache.resize(size_t(std::max(limits.maxCols, 2)));
}

Act CpuBackend::allocate(int rows, int cols) {
    auto buf = std::make_unique<float[]>(size_t(rows) * size_t(cols));
    Act a{buf.get(), 0, rows, cols};
    m_allocations.push_back(std::move(buf));
    return a;
}

std::unique_ptr<KvCache> CpuBackend::createKvCache(int nLayer, int capacity, int kvDimK, int kvDimV,
                                                   GgmlType type) {
    return createRingKvCache(nLayer, capacity, {}, kvDimK, kvDimV, type);
}

std::unique_ptr<KvCache> CpuBackend::createRingKvCache(int nLayer, int capacity,
                                                       std::span<const int> layerSlots, int kvDimK,
                                                       int kvDimV, GgmlType type) {
    if (const std::string problem = kvCacheTypeProblem(type, kvDimK, kvDimV); !problem.empty())
        throw EngineError(problem);
    for (int s : layerSlots)
        if (s < 1 || s > capacity)
            throw EngineError("KV cache: a layer's ring size is out of range");
    return std::make_unique<CpuKvCache>(nLayer, capacity, layerSlots, kvDimK, kvDimV, type);
}

namespace {
// Positions [first, first + count) of a layer as runs of consecutive slots: one, or two where
// the layer's ring wraps. Returns how many runs it wrote.
template <class Run> int ringRuns(CpuKvCache& c, int layer, int first, int count, Run* out) {
    if (count <= 0) return 0;
    const int slots = c.positionsKept(layer), start = first % slots;
    if (start + count <= slots) {
        out[0] = Run{&c, layer, first, count};
        return 1;
    }
    const int head = slots - start;
    out[0] = Run{&c, layer, first, head};
    out[1] = Run{&c, layer, first + head, count - head};
    return 2;
}
} // namespace

void CpuBackend::embed(const Weight& table, std::span<const int32_t> ids, Act out) {
    for (size_t r = 0; r < ids.size(); ++r)
        dequantizeRow(table.type, weightRow(table, 0, ids[r]), rowPtr(out, int(r)), table.nIn);
}

void CpuBackend::rmsNorm(Act in, const Weight* weight, Act out, int group, float eps) {
    const float* w = weight ? static_cast<const float*>(weight->host) : nullptr;
    // Rows are independent; a batch is split over the threads (Amdahl: during prompt processing
    // every serial op costs twice on two threads).
    forRows(in.rows, in.cols, [&](int r) {
        const float* x = rowPtr(in, r);
        float* y = rowPtr(out, r);
        for (int g0 = 0; g0 + group <= in.cols; g0 += group) {
            // Sum in double, then scale in float: what ggml_rms_norm does.
            double sum = 0.0;
            for (int i = 0; i < group; ++i) sum += double(x[g0 + i]) * double(x[g0 + i]);
            const float scale = 1.0f / std::sqrt(float(sum / group) + eps);
            for (int i = 0; i < group; ++i) {
                const float v = x[g0 + i] * scale;
                y[g0 + i] = w ? v * w[i] : v;
            }
        }
    });
}

void CpuBackend::quantizeRows(const float* in, int rows, int cols, size_t inStride,
                              GgmlType weightType, uint8_t* dst) {
    const QuantKernels& k = quantKernels(weightType);
    const size_t stride = activationBytes(weightType, cols);
    if (rows <= 2) {
        for (int r = 0; r < rows; ++r)
            k.quantizeActivations(in + r * inStride, dst + r * stride, cols);
        return;
    }
    auto job = [&](int t, int n, int) {
        int64_t b, e;
        splitRange(rows, t, n, b, e);
        for (int64_t r = b; r < e; ++r)
            k.quantizeActivations(in + r * inStride, dst + r * stride, cols);
    };
    m_pool.run(job);
}

void CpuBackend::matmul(Act in, std::span<const MatmulJob> jobs) {
    if (jobs.size() > 3) { // fused in groups of three (the scratch holds three quantized inputs)
        for (size_t j = 0; j < jobs.size(); j += 3)
            matmul(in, jobs.subspan(j, std::min<size_t>(3, jobs.size() - j)));
        return;
    }
    const int rows = in.rows, cols = in.cols;
    // One quantized copy of the input per distinct vec-dot type.
    GgmlType types[3];
    int typeCount = 0;
    int jobType[3] = {0, 0, 0};
    const size_t nJobs = std::min<size_t>(jobs.size(), 3);
    for (size_t j = 0; j < nJobs; ++j) {
        const GgmlType vt = quantKernels(jobs[j].weight->type).vecDotType;
        int found = -1;
        for (int i = 0; i < typeCount; ++i)
            if (quantKernels(types[i]).vecDotType == vt) found = i;
        if (found < 0) {
            types[typeCount] = jobs[j].weight->type;
            found = typeCount++;
        }
        jobType[j] = found;
    }
    for (int i = 0; i < typeCount; ++i) {
        ensureScratch(m_quant[i], size_t(rows) * activationBytes(types[i], cols));
        quantizeRows(rowPtr(in, 0), rows, cols, cols, types[i], m_quant[i].data());
    }

    int64_t totalOut = 0;
    for (size_t j = 0; j < nJobs; ++j) totalOut += jobs[j].weight->nOut;
    const int64_t blocks = (totalOut + kRowBlock - 1) / kRowBlock;
    // Tiny products (the MoE router during decode) cost less than waking the other threads.
    const bool serial = int64_t(rows) * totalOut * cols < kSerialWork;

    auto job = [&](int t, int n, int) {
        int64_t bBegin, bEnd;
        splitRange(blocks, t, n, bBegin, bEnd);
        for (int64_t blk = bBegin; blk < bEnd; ++blk) {
            // Map the global row block onto (job, local rows).
            int64_t g0 = blk * kRowBlock, g1 = std::min(totalOut, g0 + kRowBlock);
            while (g0 < g1) {
                size_t j = 0;
                int64_t base = 0;
                while (g0 >= base + jobs[j].weight->nOut) {
                    base += jobs[j].weight->nOut;
                    ++j;
                }
                const Weight& w = *jobs[j].weight;
                const int64_t r0 = g0 - base, r1 = std::min<int64_t>(w.nOut, g1 - base);
                const QuantKernels& k = quantKernels(w.type);
                const size_t stride = activationBytes(w.type, cols);
                const uint8_t* q = m_quant[jobType[j]].data();
                const float* bias =
                    jobs[j].bias ? static_cast<const float*>(jobs[j].bias->host) : nullptr;
                if (rows == 1) {
                    float* y = rowPtr(jobs[j].out, 0);
                    for (int64_t r = r0; r < r1; ++r) {
                        const float v = k.vecDot(weightRow(w, 0, r), q, cols);
                        y[r] = bias ? v + bias[r] : v;
                    }
                }
                // Batches: each weight row is unpacked once per group of kMaxDotCols tokens.
                for (int tok = 0; rows > 1 && tok < rows; tok += kMaxDotCols) {
                    const int nc = std::min(kMaxDotCols, rows - tok);
                    const void* xs[kMaxDotCols];
                    for (int c = 0; c < nc; ++c) xs[c] = q + size_t(tok + c) * stride;
                    for (int64_t r = r0; r < r1; ++r) {
                        float v[kMaxDotCols];
                        vecDotColumns(k, weightRow(w, 0, r), xs, nc, cols, v);
                        for (int c = 0; c < nc; ++c)
                            rowPtr(jobs[j].out, tok + c)[r] = bias ? v[c] + bias[r] : v[c];
                    }
                }
                g0 = base + r1;
            }
        }
    };
    if (serial)
        job(0, 1, 0);
    else
        m_pool.run(job);
}

void CpuBackend::rope(Act x, const RopeParams& p, int pos0) {
    for (int r = 0; r < x.rows; ++r) ropeRow(rowPtr(x, r), p, pos0 + r);
}

void CpuBackend::ropeAt(Act x, const RopeParams& p, std::span<const int> positions) {
    for (int r = 0; r < x.rows; ++r) ropeRow(rowPtr(x, r), p, positions[size_t(r)]);
}

void CpuBackend::ropeRow(float* row, const RopeParams& p, int pos) {
    const int nRot = p.nRot;
    float* cache = m_ropeCache.data(); // nRot values: cos, sin pairs
    ropeAngles(p, pos, cache);
    for (int h = 0; h < p.nHead; ++h) {
        float* v = row + size_t(h) * p.headDim + p.offset;
        if (p.neox) {
            const int half = nRot / 2;
            for (int i = 0; i < half; ++i) {
                const float c = cache[2 * i], s = cache[2 * i + 1];
                const float x0 = v[i], x1 = v[i + half];
                v[i] = x0 * c - x1 * s;
                v[i + half] = x0 * s + x1 * c;
            }
        } else {
            for (int i = 0; i < nRot; i += 2) {
                const float c = cache[i], s = cache[i + 1];
                const float x0 = v[i], x1 = v[i + 1];
                v[i] = x0 * c - x1 * s;
                v[i + 1] = x0 * s + x1 * c;
            }
        }
    }
}

void CpuBackend::storeKv(KvCache& cacheBase, int layer, Act k, Act v, int pos0) {
    for (int r = 0; r < k.rows; ++r) storeKvRow(cacheBase, layer, k, v, r, pos0 + r);
}

void CpuBackend::storeKvAt(KvCache& cacheBase, int layer, Act k, Act v,
                           std::span<const int> slots) {
    for (int r = 0; r < k.rows; ++r) storeKvRow(cacheBase, layer, k, v, r, slots[size_t(r)]);
}

void CpuBackend::storeKvRow(KvCache& cacheBase, int layer, Act k, Act v, int row, int slot) {
    auto& cache = static_cast<CpuKvCache&>(cacheBase);
    auto store = [&](const float* src, uint8_t* dst, int n) {
        switch (cache.type()) {
        case GgmlType::F16:
            vec::toFp16(src, reinterpret_cast<uint16_t*>(dst), n);
            break;
        case GgmlType::Q8_0: // as ggml copies into a Q8_0 cache: its row quantizer
            quantKernels(GgmlType::Q8_0).quantizeActivations(src, dst, n);
            break;
        default:
            std::memcpy(dst, src, size_t(n) * 4);
        }
    };
    store(rowPtr(k, row), cache.k(layer, slot), k.cols);
    if (!cache.sharedV()) store(rowPtr(v, row), cache.v(layer, slot), v.cols);
}

void CpuBackend::attention(KvCache& cacheBase, int layer, Act q, Act out, int pos0,
                           const AttentionParams& p) {
    auto& cache = static_cast<CpuKvCache&>(cacheBase);
    if (q.rows >= kBlockedAttentionRows) {
        attentionBlocked(cacheBase, layer, q, out, pos0, p);
        return;
    }
    runAttention(q, out, p, [&](int row, KvRun* runs) {
        const int hi = pos0 + row;
        const int lo = p.window > 0 ? std::max(0, hi - p.window + 1) : 0;
        return ringRuns(cache, layer, lo, hi - lo + 1, runs);
    });
}

void CpuBackend::attentionSequences(KvCache& prefixBase, int prefixLen, KvCache& tailBase,
                                    int layer, Act q, Act out, std::span<const SequenceStep> steps,
                                    const AttentionParams& p) {
    auto& prefix = static_cast<CpuKvCache&>(prefixBase);
    auto& tail = static_cast<CpuKvCache&>(tailBase);
    runAttention(q, out, p, [&](int row, KvRun* runs) {
        const SequenceStep& st = steps[size_t(row)];
        const int hi = prefixLen + st.tailCount - 1; // the row's position
        const int lo = p.window > 0 ? std::max(0, hi - p.window + 1) : 0;
        int n = 0;
        if (lo < prefixLen) n = ringRuns(prefix, layer, lo, prefixLen - lo, runs);
        const int tailFirst = std::max(lo, prefixLen) - prefixLen;
        runs[n++] = KvRun{&tail, layer, st.tailBegin + tailFirst, st.tailCount - tailFirst};
        return n;
    });
}

// Prompt processing: the queries of a block of rows and of the query heads that share a KV head
// walk the keys and values together in tiles that stay in L1, so each K/V row is read from
// memory once per block instead of once per query (at depth the K/V reads dominated). Per
// query the numbers are attendHead's: the same dot products, one softmax over all its scores,
// and the weighted sum continued tile after tile (weightedSum's accumulate), so results are bit
// for bit those of the one-query path.
void CpuBackend::attentionBlocked(KvCache& cacheBase, int layer, Act q, Act out, int pos0,
                                  const AttentionParams& p) {
    auto& cache = static_cast<CpuKvCache&>(cacheBase);
    const int group = p.nHead / p.nHeadKv;
    const int blockRows = std::max(1, kQueriesPerBlock / group);
    const int rowBlocks = (q.rows + blockRows - 1) / blockRows;
    const int items = rowBlocks * p.nHeadKv;
    const GgmlType type = cache.type();
    const bool f16 = type == GgmlType::F16;
    const size_t rowK = cache.rowBytesK(), rowV = cache.rowBytesV();
    const size_t maxCtx = m_limits.maxContext;
    const float* sinks = p.sinks ? static_cast<const float*>(p.sinks->host) : nullptr;
    auto job = [&](int chunk, int n, int t) {
        int64_t b, e;
        splitRange(items, chunk, n, b, e);
        float* scoreBase = m_blockScores.data() + size_t(t) * kQueriesPerBlock * maxCtx;
        uint16_t* qhBase = m_blockQHalf.data() + size_t(t) * kQueriesPerBlock * p.headDimK;
        uint16_t* ph = m_pHalf.data() + size_t(t) * maxCtx;
        for (int64_t it = b; it < e; ++it) {
            const int rb = int(it / p.nHeadKv), kvh = int(it % p.nHeadKv);
            const int row0 = rb * blockRows, rows = std::min(blockRows, q.rows - row0);
            // The block's queries: (row, head of the group), each with its visible key range.
            struct Query {
                const float* q;
                float* out;
                float* scores;
                const uint16_t* qh;
                int lo, hi, head;
            } qs[kQueriesPerBlock];
            int nq = 0, first = INT32_MAX, last = -1;
            for (int r = 0; r < rows; ++r)
                for (int g = 0; g < group; ++g, ++nq) {
                    const int h = kvh * group + g, hi = pos0 + row0 + r;
                    const int lo = p.window > 0 ? std::max(0, hi - p.window + 1) : 0;
                    uint16_t* qh = qhBase + size_t(nq) * p.headDimK;
                    const float* qv = rowPtr(q, row0 + r) + size_t(h) * p.headDimK;
                    prepareQuery(type, qv, qh, p.headDimK);
                    qs[nq] = {qv,
                              rowPtr(out, row0 + r) + size_t(h) * p.headDimV,
                              scoreBase + size_t(nq) * maxCtx,
                              qh,
                              lo,
                              hi,
                              h};
                    first = std::min(first, lo);
                    last = std::max(last, hi);
                }
            const size_t kOff = rowOffset(type, kvh * p.headDimK),
                         vOff = rowOffset(type, kvh * p.headDimV);
            // Each tile's part of a query's range, split where a ring wraps.
            auto eachRun = [&](int t0, const Query& x, auto&& f) {
                const int a = std::max(t0, x.lo), z = std::min(t0 + kKeyTile - 1, x.hi);
                KvRun runs[2];
                const int n = ringRuns(cache, layer, a, z - a + 1, runs);
                for (int r = 0; r < n; ++r) f(runs[r].first, runs[r].count);
            };
            for (int t0 = first; t0 <= last; t0 += kKeyTile)
                for (int i = 0; i < nq; ++i) {
                    const Query& x = qs[i];
                    eachRun(t0, x, [&](int a, int count) {
                        keyScores(type, x.q, x.qh, cache.k(layer, a) + kOff, rowK, count,
                                  p.headDimK, p.scale, x.scores + (a - x.lo));
                    });
                }
            for (int i = 0; i < nq; ++i) {
                const Query& x = qs[i];
                const int count = x.hi - x.lo + 1;
                float maxScore = -INFINITY;
                for (int j = 0; j < count; ++j) maxScore = std::max(maxScore, x.scores[j]);
                const float* sink = sinks ? sinks + x.head : nullptr;
                if (sink) maxScore = std::max(maxScore, *sink);
                double sum = vec::expShifted(x.scores, count, maxScore);
                if (sink) sum += double(std::exp(*sink - maxScore));
                const float inv = float(1.0 / sum);
                for (int j = 0; j < count; ++j) x.scores[j] *= inv;
                if (f16) {
                    vec::toFp16(x.scores, ph, count);
                    vec::fromFp16(ph, x.scores, count);
                }
            }
            for (int t0 = first; t0 <= last; t0 += kKeyTile)
                for (int i = 0; i < nq; ++i) {
                    const Query& x = qs[i];
                    eachRun(t0, x, [&](int a, int count) {
                        valueSum(type, x.scores + (a - x.lo), cache.v(layer, a) + vOff, rowV, count,
                                 p.headDimV, x.out, a > x.lo);
                    });
                }
        }
    };
    m_pool.run(job, std::min(items, 16 * m_pool.threadCount()));
}

template <class Runs>
void CpuBackend::runAttention(Act q, Act out, const AttentionParams& p, Runs&& keyRuns) {
    const int items = q.rows * p.nHead;
    const int group = p.nHead / p.nHeadKv;
    const size_t maxCtx = m_limits.maxContext;
    const float* sinks = p.sinks ? static_cast<const float*>(p.sinks->host) : nullptr;
    auto job = [&](int chunk, int n, int t) {
        int64_t b, e;
        splitRange(items, chunk, n, b, e);
        HeadScratch scratch{m_scores.data() + size_t(t) * maxCtx,
                            m_qHalf.data() + size_t(t) * m_limits.maxCols,
                            m_pHalf.data() + size_t(t) * maxCtx};
        for (int64_t it = b; it < e; ++it) {
            const int row = int(it / p.nHead), h = int(it % p.nHead);
            KvRun runs[3]; // a ring's two runs, and a candidate's own
            const int nRuns = keyRuns(row, runs);
            attendHead(rowPtr(q, row) + size_t(h) * p.headDimK,
                       rowPtr(out, row) + size_t(h) * p.headDimV, h / group,
                       std::span<const KvRun>(runs, size_t(nRuns)), p, sinks ? sinks + h : nullptr,
                       scratch);
        }
    };
    // Later rows attend to more positions: many small chunks keep the threads balanced.
    m_pool.run(job, std::min(items, 16 * m_pool.threadCount()));
}

void CpuBackend::runExperts(Act x, const Weight& gate, const Weight& up, const Weight& down,
                            const ExpertPlan& plan, Act out, bool accumulate,
                            FfnActivation activation, const MoeWeights* biases) {
    const auto glu = activation == FfnActivation::Silu       ? vec::siluMul
                     : activation == FfnActivation::GeluFp16 ? vec::geluMulFp16
                                                             : vec::swigluOai;
    auto biasOf = [](const Weight* w) { return w ? static_cast<const float*>(w->host) : nullptr; };
    const float* gateBias = biases ? biasOf(biases->gateBias) : nullptr;
    const float* upBias = biases ? biasOf(biases->upBias) : nullptr;
    const float* downBias = biases ? biasOf(biases->downBias) : nullptr;
    const int rows = x.rows, nEmbd = x.cols;
    const int nFf = int(gate.nOut);
    const int nSlots = rows * plan.nUsed;
    const QuantKernels& kg = quantKernels(gate.type);
    const QuantKernels& ku = quantKernels(up.type);
    const QuantKernels& kd = quantKernels(down.type);
    const bool sameType = kg.vecDotType == ku.vecDotType;

    // 1. Quantize the input rows once for gate (and up, if its vec-dot type differs).
    ensureScratch(m_quant[0], size_t(rows) * activationBytes(gate.type, nEmbd));
    quantizeRows(rowPtr(x, 0), rows, nEmbd, nEmbd, gate.type, m_quant[0].data());
    if (!sameType) {
        ensureScratch(m_quant[1], size_t(rows) * activationBytes(up.type, nEmbd));
        quantizeRows(rowPtr(x, 0), rows, nEmbd, nEmbd, up.type, m_quant[1].data());
    }
    const uint8_t* xg = m_quant[0].data();
    const uint8_t* xu = sameType ? xg : m_quant[1].data();
    const size_t strideG = activationBytes(gate.type, nEmbd),
                 strideU = activationBytes(up.type, nEmbd);
    if (m_hidden.size() < size_t(nSlots) * nFf) m_hidden.resize(size_t(nSlots) * nFf);
    if (m_expertOut.size() < size_t(nSlots) * nEmbd) m_expertOut.resize(size_t(nSlots) * nEmbd);
    float* hidden = m_hidden.data();

    // Work items: (active expert, row block) pairs; only experts that received tokens.
    m_workItems.clear();
    for (int e = 0; e < plan.nExpert; ++e)
        if (plan.expertBegin[e + 1] > plan.expertBegin[e]) m_workItems.push_back(e);
    const int nActive = int(m_workItems.size());
    const int guBlocks = (nFf + kRowBlock - 1) / kRowBlock,
              downBlocks = (nEmbd + kRowBlock - 1) / kRowBlock;
    const int guItems = nActive * guBlocks, downItems = nActive * downBlocks;
    const size_t strideD = activationBytes(down.type, nFf);
    ensureScratch(m_quantHidden, size_t(nSlots) * strideD);
    uint8_t* hq = m_quantHidden.data();
    float* y = m_expertOut.data();
    // Slots per claim when quantizing the hidden rows.
    constexpr int kQuantSlots = 4;

    // 2.-4. run as one pool dispatch in three phases (decode issues one MoE per layer, and
    // every dispatch costs a wake-up): gate/up, hidden quantization, down projection. Items are
    // claimed from atomic counters; a thread that ends a phase waits until every item of it is
    // done. Only claimed items are waited for, so a descheduled thread delays nothing it has not
    // started, and a single thread running every chunk in turn finishes all phases alone.
    std::atomic<int> doneGu{0}, nextQ{0}, doneQ{0}, doneDown{0}, nextTok{0};
    RangeClaims claimGu(guItems, m_pool.threadCount()), claimDown(downItems, m_pool.threadCount());
    auto combineToken = [&](int tok) { combineExperts(plan, y, nEmbd, tok, out, accumulate); };
    auto job = [&](int, int, int thread) {
        // 2. Gate and up rows together, SwiGLU fused: hidden[slot][r] = silu(g) * u. Items done
        // are counted here and published once: an atomic add per item bounced the counter's
        // cache line between the cores on every item.
        int doneHere = 0;
        for (int i; (i = claimGu.claim(thread)) >= 0; ++doneHere) {
            const int e = m_workItems[i / guBlocks], r0 = (i % guBlocks) * kRowBlock;
            const int r1 = std::min(nFf, r0 + kRowBlock);
            // The expert's tokens in groups of kMaxDotCols: each weight row unpacked once per
            // group.
            const int sEnd = plan.expertBegin[e + 1];
            for (int si = plan.expertBegin[e]; si < sEnd; si += kMaxDotCols) {
                const int nc = std::min(kMaxDotCols, sEnd - si);
                const void* ag[kMaxDotCols];
                const void* au[kMaxDotCols];
                for (int c = 0; c < nc; ++c) {
                    const int tok = plan.slotIds[si + c] / plan.nUsed;
                    ag[c] = xg + size_t(tok) * strideG;
                    au[c] = xu + size_t(tok) * strideU;
                }
                float g[kMaxDotCols][kRowBlock], u[kMaxDotCols][kRowBlock];
                for (int r = r0; r < r1; ++r) {
                    float gv[kMaxDotCols], uv[kMaxDotCols];
                    vecDotColumns(kg, weightRow(gate, e, r), ag, nc, nEmbd, gv);
                    vecDotColumns(ku, weightRow(up, e, r), au, nc, nEmbd, uv);
                    for (int c = 0; c < nc; ++c) {
                        g[c][r - r0] = gateBias ? gv[c] + gateBias[size_t(e) * nFf + r] : gv[c];
                        u[c][r - r0] = upBias ? uv[c] + upBias[size_t(e) * nFf + r] : uv[c];
                    }
                }
                for (int c = 0; c < nc; ++c)
                    glu(g[c], u[c], hidden + size_t(plan.slotIds[si + c]) * nFf + r0, r1 - r0);
            }
        }
        doneGu.fetch_add(doneHere, std::memory_order_acq_rel);
        ThreadPool::waitUntil(doneGu, guItems);
        // 3. Quantize the intermediate rows for the down projection.
        for (int s0; (s0 = nextQ.fetch_add(kQuantSlots, std::memory_order_relaxed)) < nSlots;) {
            const int s1 = std::min(nSlots, s0 + kQuantSlots);
            for (int s = s0; s < s1; ++s)
                kd.quantizeActivations(hidden + size_t(s) * nFf, hq + size_t(s) * strideD, nFf);
            doneQ.fetch_add(s1 - s0, std::memory_order_acq_rel);
        }
        ThreadPool::waitUntil(doneQ, nSlots);
        // 4. Down projection per slot.
        doneHere = 0;
        for (int i; (i = claimDown.claim(thread)) >= 0; ++doneHere) {
            const int e = m_workItems[i / downBlocks], r0 = (i % downBlocks) * kRowBlock;
            const int r1 = std::min(nEmbd, r0 + kRowBlock);
            const int sEnd = plan.expertBegin[e + 1];
            for (int si = plan.expertBegin[e]; si < sEnd; si += kMaxDotCols) {
                const int nc = std::min(kMaxDotCols, sEnd - si);
                const void* ah[kMaxDotCols];
                for (int c = 0; c < nc; ++c) ah[c] = hq + size_t(plan.slotIds[si + c]) * strideD;
                for (int r = r0; r < r1; ++r) {
                    float v[kMaxDotCols];
                    vecDotColumns(kd, weightRow(down, e, r), ah, nc, nFf, v);
                    const float bias = downBias ? downBias[size_t(e) * nEmbd + r] : 0.0f;
                    for (int c = 0; c < nc; ++c)
                        y[size_t(plan.slotIds[si + c]) * nEmbd + r] = downBias ? v[c] + bias : v[c];
                }
            }
        }
        doneDown.fetch_add(doneHere, std::memory_order_acq_rel);
        ThreadPool::waitUntil(doneDown, downItems);
        // 5. Weighted sum over each token's experts, in choice order (as ggml adds the views).
        for (int tok; (tok = nextTok.fetch_add(1, std::memory_order_relaxed)) < rows;)
            combineToken(tok);
    };
    m_pool.run(job, m_pool.threadCount());
}

void CpuBackend::combineExperts(const ExpertPlan& plan, const float* y, int nEmbd, int tok, Act out,
                                bool accumulate) {
    float* o = rowPtr(out, tok);
    for (int j = 0; j < plan.nUsed; ++j) {
        const int slot = tok * plan.nUsed + j;
        const float w = plan.slotWeight[slot];
        const float* yr = y + size_t(slot) * nEmbd;
        if (j == 0 && !accumulate) {
            for (int c = 0; c < nEmbd; ++c) o[c] = yr[c] * w;
        } else {
            for (int c = 0; c < nEmbd; ++c) o[c] += yr[c] * w;
        }
    }
}

void CpuBackend::ffn(Act x, const Weight& gate, const Weight& up, const Weight& down, Act out,
                     const Weight* scaleGate, bool accumulate, FfnActivation activation) {
    const int rows = x.rows;
    m_expertBegin.assign({0, rows});
    if (m_slots.size() < size_t(rows)) {
        m_slots.resize(rows);
        m_slotWeight.resize(rows);
    }
    for (int t = 0; t < rows; ++t) {
        m_slots[t] = t;
        float w = 1.0f;
        if (scaleGate) {
            const float g =
                vec::dotF32(rowPtr(x, t), static_cast<const float*>(scaleGate->host), x.cols);
            w = 1.0f / (1.0f + std::exp(-g));
        }
        m_slotWeight[t] = w;
    }
    ExpertPlan plan{1, 1, rows, m_expertBegin.data(), m_slots.data(), m_slotWeight.data()};
    runExperts(x, gate, up, down, plan, out, accumulate, activation, nullptr);
}

void CpuBackend::moe(Act x, Act routerLogits, const MoeWeights& experts, const MoeParams& p,
                     Act out) {
    const int rows = x.rows, nE = p.nExpert, k = p.nUsed;
    const int nSlots = rows * k;
    if (m_slots.size() < size_t(nSlots)) {
        m_slots.resize(nSlots);
        m_slotWeight.resize(nSlots);
    }
    m_probs.resize(size_t(nE) * 2);
    m_expertBegin.assign(size_t(nE) + 1, 0);
    if (m_choice.size() < size_t(nSlots)) m_choice.resize(size_t(nSlots));
    if (p.gating == MoeGating::Sigmoid)
        routeSigmoid(routerLogits, p);
    else if (p.gating == MoeGating::SoftmaxOfChosen)
        routeSoftmaxOfChosen(routerLogits, p);
    else
        routeSoftmax(routerLogits, p);
    for (int e = 0; e < nE; ++e) m_expertBegin[e + 1] += m_expertBegin[e];
    // Counting sort of slots by expert (stable: tokens in order within an expert).
    m_fill.assign(m_expertBegin.begin(), m_expertBegin.end() - 1);
    for (int s = 0; s < nSlots; ++s) m_slots[m_fill[m_choice[s]]++] = s;
    ExpertPlan plan{nE, k, rows, m_expertBegin.data(), m_slots.data(), m_slotWeight.data()};
    runExperts(x, *experts.gate, *experts.up, *experts.down, plan, out, false, p.activation,
               &experts);
}

namespace {
// The k best experts of `score` (highest first; ties to the lower id) into choice[0..k).
void topExperts(const float* score, int nE, int k, int* choice) {
    for (int j = 0; j < k; ++j) {
        int best = -1;
        for (int e = 0; e < nE; ++e) {
            bool taken = false;
            for (int jj = 0; jj < j; ++jj) taken |= choice[jj] == e;
            if (!taken && (best < 0 || score[e] > score[best])) best = e;
        }
        choice[j] = best;
    }
}
} // namespace

void CpuBackend::routeSoftmax(Act routerLogits, const MoeParams& p) {
    const int nE = p.nExpert, k = p.nUsed;
    float* probs = m_probs.data();
    for (int t = 0; t < routerLogits.rows; ++t) {
        const float* l = rowPtr(routerLogits, t);
        float mx = -INFINITY;
        for (int e = 0; e < nE; ++e) mx = std::max(mx, l[e]);
        double sum = 0.0;
        for (int e = 0; e < nE; ++e) {
            probs[e] = std::exp(l[e] - mx);
            sum += probs[e];
        }
        const float inv = float(1.0 / sum);
        for (int e = 0; e < nE; ++e) probs[e] *= inv;
        int* choice = m_choice.data() + size_t(t) * k;
        topExperts(probs, nE, k, choice);
        float wsum = 0.0f;
        for (int j = 0; j < k; ++j) {
            m_slotWeight[t * k + j] = probs[choice[j]];
            wsum += probs[choice[j]];
            ++m_expertBegin[choice[j] + 1];
        }
        for (int j = 0; j < k; ++j) {
            if (p.normalizeWeights) m_slotWeight[t * k + j] /= wsum;
            if (p.weightsScale != 1.0f) m_slotWeight[t * k + j] *= p.weightsScale;
        }
    }
}

void CpuBackend::routeSoftmaxOfChosen(Act routerLogits, const MoeParams& p) {
    const int nE = p.nExpert, k = p.nUsed;
    for (int t = 0; t < routerLogits.rows; ++t) {
        const float* l = rowPtr(routerLogits, t);
        int* choice = m_choice.data() + size_t(t) * k;
        topExperts(l, nE, k, choice);
        // ggml's soft_max over the k chosen logits: max, e^(x - max), sum in double, scale.
        float mx = -INFINITY;
        for (int j = 0; j < k; ++j) mx = std::max(mx, l[choice[j]]);
        double sum = 0.0;
        for (int j = 0; j < k; ++j) {
            m_slotWeight[t * k + j] = std::exp(l[choice[j]] - mx);
            sum += m_slotWeight[t * k + j];
            ++m_expertBegin[choice[j] + 1];
        }
        const float inv = float(1.0 / sum);
        for (int j = 0; j < k; ++j) {
            m_slotWeight[t * k + j] *= inv;
            if (p.weightsScale != 1.0f) m_slotWeight[t * k + j] *= p.weightsScale;
        }
    }
}

void CpuBackend::routeSigmoid(Act routerLogits, const MoeParams& p) {
    const int nE = p.nExpert, k = p.nUsed;
    float* probs = m_probs.data();
    float* select = probs + nE;
    const float* bias =
        p.selectionBias ? static_cast<const float*>(p.selectionBias->host) : nullptr;
    for (int t = 0; t < routerLogits.rows; ++t) {
        const float* l = rowPtr(routerLogits, t);
        for (int e = 0; e < nE; ++e) {
            probs[e] = 1.0f / (1.0f + std::exp(-l[e]));
            select[e] = bias ? probs[e] + bias[e] : probs[e];
        }
        int* choice = m_choice.data() + size_t(t) * k;
        topExperts(select, nE, k, choice);
        float wsum = 0.0f;
        for (int j = 0; j < k; ++j) {
            m_slotWeight[t * k + j] = probs[choice[j]]; // the score, not the biased choice
            wsum += probs[choice[j]];
            ++m_expertBegin[choice[j] + 1];
        }
        for (int j = 0; j < k; ++j) {
            if (p.normalizeWeights) m_slotWeight[t * k + j] /= wsum;
            if (p.weightsScale != 1.0f) m_slotWeight[t * k + j] *= p.weightsScale;
        }
    }
}

void CpuBackend::perHeadMatmul(Act in, int inStride, int inOffset, const Weight& w, Act out,
                               int outStride, int outOffset) {
    const int heads = int(w.nMat), nIn = int(w.nIn), nOut = int(w.nOut);
    const QuantKernels& k = quantKernels(w.type);
    const size_t actBytes = activationBytes(w.type, nIn);
    ensureScratch(m_quant[0], size_t(in.rows) * heads * actBytes);
    uint8_t* act = m_quant[0].data();
    for (int r = 0; r < in.rows; ++r)
        for (int h = 0; h < heads; ++h)
            k.quantizeActivations(rowPtr(in, r) + size_t(h) * inStride + inOffset,
                                  act + (size_t(r) * heads + h) * actBytes, nIn);
    // Items are (head, group of up to kMaxDotCols rows): each weight row is unpacked once per
    // group (prompts), and a decode step still splits over the heads.
    const int groups = (in.rows + kMaxDotCols - 1) / kMaxDotCols;
    forRows(heads * groups, nIn * nOut * std::min(in.rows, kMaxDotCols), [&](int item) {
        const int h = item / groups, r0 = (item % groups) * kMaxDotCols;
        const int nc = std::min(kMaxDotCols, in.rows - r0);
        const void* a[kMaxDotCols];
        float* o[kMaxDotCols];
        for (int c = 0; c < nc; ++c) {
            a[c] = act + (size_t(r0 + c) * heads + h) * actBytes;
            o[c] = rowPtr(out, r0 + c) + size_t(h) * outStride + outOffset;
        }
        for (int i = 0; i < nOut; ++i) {
            float v[kMaxDotCols];
            vecDotColumns(k, weightRow(w, h, i), a, nc, nIn, v);
            for (int c = 0; c < nc; ++c) o[c][i] = v[c];
        }
    });
}

void CpuBackend::absorbQuery(Act q, const Weight& kB, Act out, const MlaShape& s) {
    const int inStride = s.nope + s.rope, outStride = s.latent + s.rope;
    perHeadMatmul(q, inStride, 0, kB, out, outStride, 0);
    for (int r = 0; r < q.rows; ++r)
        for (int h = 0; h < s.nHead; ++h)
            std::memcpy(rowPtr(out, r) + size_t(h) * outStride + s.latent,
                        rowPtr(q, r) + size_t(h) * inStride + s.nope, size_t(s.rope) * 4);
}

void CpuBackend::expandValues(Act latent, const Weight& vB, Act out, const MlaShape& s) {
    perHeadMatmul(latent, s.latent, 0, vB, out, s.value, 0);
}

void CpuBackend::scale(Act x, float s) {
    forRows(x.rows, x.cols, [&](int r) {
        float* a = rowPtr(x, r);
        for (int c = 0; c < x.cols; ++c) a[c] *= s;
    });
}

void CpuBackend::add(Act x, Act y) {
    forRows(x.rows, x.cols, [&](int r) {
        float* a = rowPtr(x, r);
        const float* b = rowPtr(y, r);
        for (int c = 0; c < x.cols; ++c) a[c] += b[c];
    });
}

void CpuBackend::headMix(Act hidden, Act logits, const HeadWeights& head, float alpha,
                         Act projected, Act out) {
    // The same loops, in the same order, as HeadMix::mix (heads/head_mix.cpp): the CPU backend
    // gives bit-identical mixed logits to the host reference (tests/inference/heads_backend_*).
    const int64_t d = head.a.nIn, r = head.rank, v = head.b.nOut;
    const float* a = static_cast<const float*>(head.a.host);
    const float* bm = static_cast<const float*>(head.b.host);
    const float* bias = static_cast<const float*>(head.bias.host);
    for (int row = 0; row < hidden.rows; ++row) {
        const float* h = rowPtr(hidden, row);
        float* t = rowPtr(projected, row);
        for (int64_t j = 0; j < r; ++j) {
            const float* w = a + j * d;
            float s = 0.0f;
            for (int64_t k = 0; k < d; ++k) s += w[k] * h[k];
            t[j] = s;
        }
        const float* z = rowPtr(logits, row);
        float* y = rowPtr(out, row);
        auto job = [&](int chunk, int n, int) {
            int64_t b, e;
            splitRange(v, chunk, n, b, e);
            for (int64_t i = b; i < e; ++i) {
                const float* w = bm + i * r;
                float s = bias[i];
                for (int64_t j = 0; j < r; ++j) s += w[j] * t[j];
                y[i] = z[i] + alpha * s;
            }
        };
        if (v * r < kSerialWork)
            job(0, 1, 0);
        else
            m_pool.run(job);
    }
}

void CpuBackend::read(Act a, int row, float* dst) {
    std::memcpy(dst, rowPtr(a, row), size_t(a.cols) * sizeof(float));
}

} // namespace fabulist::inference
