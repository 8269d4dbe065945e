#include "inference/backend/cuda/cuda_backend.h"
#include "inference/backend/kv_cache_type.h"

#include "inference/backend/cpu/cpu_backend.h"
#include "inference/backend/cpu/vector_ops.h"
#include "inference/backend/cuda/cuda_ops.h"
#include "inference/backend/rope_angles.h"
#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>

namespace fabulist::inference::cuda {

namespace {

constexpr uint64_t kAlign = 256;              // dynamic slots start at this alignment
constexpr uint64_t kMinDynamic = 4ull << 20;  // pinned staging per list, at least
constexpr uint64_t kReadbackInitial = 1 << 20;

enum Op : uint64_t {
    kEmbed = 1, kRmsNorm, kRound, kMatmul, kBias, kRope, kStoreKv, kAttention, kSwiglu, kAdd,
    kScale, kTopK, kMoeMatmul, kMoeBias, kMoeSum, kCopyRows, kHeadMix, kRead
};

uint64_t u(const void* p) {
    return reinterpret_cast<uintptr_t>(p);
}
uint64_t u(float f) {
    return std::bit_cast<uint32_t>(f);
}

// Weight types whose activations the CPU rounds before the dot product (Vulkan's act_round).
bool roundsActivations(GgmlType weightType) {
    switch (vecDotTypeOf(weightType)) {
    case GgmlType::F16:
    case GgmlType::Q8_0:
    case GgmlType::Q8_1:
    case GgmlType::Q8_K:
        return true;
    default:
        return false;
    }
}

class CudaKvCache final : public KvCache {
public:
    // kvDimV 0: values are the first values of each key row (DeepSeek's latent, cached once).
    CudaKvCache(int nLayer, int capacity, std::span<const int> layerSlots, int kvDimK, int kvDimV,
                GgmlType type)
        : m_type(type), m_capacity(capacity), m_kvDimK(kvDimK), m_kvDimV(kvDimV) {
        // Rows as the CPU backend lays them out (Q8_0: 34-byte blocks of 32 values).
        for (int l = 0; l < nLayer; ++l) {
            const int slots = layerSlots.empty() ? capacity : layerSlots[size_t(l)];
            m_slots.push_back(slots);
            m_k.emplace_back(ggmlRowBytes(type, kvDimK) * uint64_t(slots));
            m_bytes += m_k.back().size();
            if (sharedV()) continue;
            m_v.emplace_back(ggmlRowBytes(type, kvDimV) * uint64_t(slots));
            m_bytes += m_v.back().size();
        }
    }
    int positionsKept(int layer) const override { return m_slots[size_t(layer)]; }
    int ring(int layer) const {
        return m_slots[size_t(layer)] < m_capacity ? m_slots[size_t(layer)] : 0;
    }
    GgmlType type() const override { return m_type; }
    int capacity() const override { return m_capacity; }
    uint64_t bytes() const override { return m_bytes; }
    bool sharedV() const { return m_kvDimV == 0; }
    void* k(int layer) const { return m_k[size_t(layer)].data(); }
    void* v(int layer) const { return sharedV() ? k(layer) : m_v[size_t(layer)].data(); }
    int kvDimK() const { return m_kvDimK; }

private:
    GgmlType m_type;
    int m_capacity, m_kvDimK, m_kvDimV;
    uint64_t m_bytes = 0;
    std::vector<DeviceBuffer> m_k, m_v;
    std::vector<int> m_slots;
};

std::string mib(uint64_t bytes) {
    return std::to_string(bytes >> 20) + " MiB";
}

} // namespace

CudaBackend::CudaBackend(int threads) : m_threads(threads), m_probe(probeCuda()) {
    if (!m_probe.usable()) throw CudaError("CUDA: " + m_probe.reason);
    cudaCheck(cudaSetDevice(m_probe.device), "cudaSetDevice");
    cudaCheck(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking), "cudaStreamCreate");
    m_execs.assign(m_graphs.slotCount(), nullptr);
    m_dynHost = PinnedBuffer(kMinDynamic);
    m_dynDevice = DeviceBuffer(kMinDynamic);
    m_readback = PinnedBuffer(kReadbackInitial);
    // GeGLU's fp16 GELU table (the CPU backend's own), uploaded once.
    const std::vector<uint16_t>& gelu = vec::geluTable();
    m_gelu = DeviceBuffer(gelu.size() * sizeof(uint16_t));
    cudaCheck(cudaMemcpy(m_gelu.data(), gelu.data(), m_gelu.size(), cudaMemcpyHostToDevice),
              "uploading the GELU table");
}

CudaBackend::~CudaBackend() {
    try {
        flush();
    } catch (...) { // a failing device at shutdown: free what we can
    }
    dropGraphs();
    if (m_stream) cudaStreamDestroy(m_stream);
}

DeviceDescription CudaBackend::describeDevice() const {
    size_t freeBytes = 0, totalBytes = 0;
    cudaMemGetInfo(&freeBytes, &totalBytes);
    auto version = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
    DeviceDescription d{{"device", m_probe.name},
            {"compute capability", std::to_string(m_probe.major) + "." + std::to_string(m_probe.minor)},
            {"multiprocessors", std::to_string(m_probe.multiprocessors)},
            {"memory", mib(totalBytes) + " (" + mib(freeBytes) + " free)"},
            {"driver CUDA version", version(m_probe.driverVersion)},
            {"runtime CUDA version", version(m_probe.runtimeVersion) + " (static)"},
            {"kernels built for", "sm_75 sm_80 sm_86 sm_89 sm_90, PTX compute_90"},
            {"graphs", std::to_string(m_graphs.captures()) + " captured, " +
                           std::to_string(m_graphs.replays()) + " replays, " +
                           std::to_string(m_graphs.eagerRuns()) + " eager runs"}};
    if (!m_plan) {
        d.push_back({"placement", "every weight on the GPU"});
        return d;
    }
    for (const std::string& line : m_plan->describe()) d.push_back({"placement", line});
    char rate[64];
    std::snprintf(rate, sizeof rate, "%.1f %% of %llu routed slots", 100.0 * m_usage.hitRate(),
                  static_cast<unsigned long long>(m_usage.routedSlots()));
    d.push_back({"expert hit rate (GPU)", rate});
    return d;
}

// ---- the deferred list ---------------------------------------------------------------------

void CudaBackend::note(std::initializer_list<uint64_t> words, Launch launch) {
    m_words.insert(m_words.end(), words.begin(), words.end());
    m_pending.push_back(std::move(launch));
}

cudaError_t CudaBackend::runList(cudaStream_t stream) {
    // Never throws: under capture the stream must reach cudaStreamEndCapture.
    if (m_dynUsed > 0) {
        const cudaError_t status = cudaMemcpyAsync(m_dynDevice.data(), m_dynHost.data(), m_dynUsed,
                                                   cudaMemcpyHostToDevice, stream);
        if (status != cudaSuccess) return status;
    }
    for (const Launch& l : m_pending) l(stream);
    return cudaGetLastError();
}

void CudaBackend::bind() const {
    // The current device is per host thread; the inference thread may not be the constructor's.
    cudaCheck(cudaSetDevice(m_probe.device), "cudaSetDevice");
}

void CudaBackend::flush() {
    bind();
    if (m_pending.empty()) {
        m_dynUsed = 0;
        m_positions.clear();
        m_tables.clear();
        return;
    }
    m_words.push_back(m_dynUsed); // the first copy's size is part of the list
    const GraphBookkeeping::Decision d = m_graphs.decide(m_words);
    cudaError_t status = cudaSuccess;
    if (d.action == GraphBookkeeping::Action::Replay) {
        status = cudaGraphLaunch(m_execs[d.slot], m_stream);
    } else if (d.action == GraphBookkeeping::Action::Capture) {
        if (m_execs[d.slot]) cudaGraphExecDestroy(m_execs[d.slot]);
        m_execs[d.slot] = nullptr;
        cudaGraph_t graph = nullptr;
        status = cudaStreamBeginCapture(m_stream, cudaStreamCaptureModeThreadLocal);
        if (status == cudaSuccess) {
            const cudaError_t launched = runList(m_stream);
            status = cudaStreamEndCapture(m_stream, &graph);
            if (launched != cudaSuccess) status = launched;
        }
        if (status == cudaSuccess)
            status = cudaGraphInstantiate(&m_execs[d.slot], graph, 0);
        if (graph) cudaGraphDestroy(graph);
        if (status == cudaSuccess) {
            status = cudaGraphLaunch(m_execs[d.slot], m_stream);
        } else { // run it eagerly instead; never capture this list again
            cudaGetLastError();
            m_graphs.captureFailed(d.slot);
            m_execs[d.slot] = nullptr;
            status = runList(m_stream);
        }
    } else {
        status = runList(m_stream);
    }
    m_pending.clear();
    m_words.clear();
    m_dynUsed = 0;
    m_positions.clear();
    m_tables.clear();
    cudaCheck(status, "launching a step's kernels");
    cudaCheck(cudaGetLastError(), "a kernel launch");
    cudaCheck(cudaStreamSynchronize(m_stream), "running a step's kernels");
    countLoggedRoutes();
}

void CudaBackend::logRoutes(int layer, const RouteSlot* route, int nSlots) {
    if (layer < 0 || nSlots <= 0) return;
    if (m_routeLogs.size() <= size_t(layer)) m_routeLogs.resize(size_t(layer) + 1);
    RouteLog& log = m_routeLogs[size_t(layer)];
    const uint64_t bytes = uint64_t(nSlots) * sizeof(RouteSlot);
    if (log.pendingSlots > 0 || log.buffer.size() < bytes) flush(); // one pending copy per layer
    if (log.buffer.size() < bytes) {
        dropGraphs(); // graphs copy into the old buffer
        log.buffer = PinnedBuffer();
        log.buffer = PinnedBuffer(bytes);
    }
    log.pendingSlots = nSlots;
    uint8_t* dst = log.buffer.data();
    note({kRead + 100, u(route), bytes, u(dst)},
         [=](cudaStream_t s) { cudaMemcpyAsync(dst, route, bytes, cudaMemcpyDeviceToHost, s); });
}

void CudaBackend::countLoggedRoutes() {
    std::vector<int32_t> ids;
    for (size_t layer = 0; layer < m_routeLogs.size(); ++layer) {
        RouteLog& log = m_routeLogs[layer];
        if (log.pendingSlots == 0) continue;
        const auto* r = reinterpret_cast<const RouteSlot*>(log.buffer.data());
        ids.resize(size_t(log.pendingSlots));
        for (int s = 0; s < log.pendingSlots; ++s) ids[size_t(s)] = r[s].id;
        m_usage.record(int(layer), ids, m_plan ? &*m_plan : nullptr);
        log.pendingSlots = 0;
    }
}

void CudaBackend::dropGraphs() {
    for (size_t slot : m_graphs.invalidate()) {
        if (m_execs[slot]) cudaGraphExecDestroy(m_execs[slot]);
        m_execs[slot] = nullptr;
    }
}

void CudaBackend::ensure(DeviceBuffer& buf, uint64_t bytes) {
    if (buf.size() >= bytes) return;
    flush(); // binds the device
    dropGraphs(); // graphs may address the old buffer
    buf = DeviceBuffer();
    buf = DeviceBuffer(bytes);
}

std::pair<uint8_t*, const uint8_t*> CudaBackend::dynamic(uint64_t bytes) {
    bytes = (bytes + kAlign - 1) / kAlign * kAlign;
    if (m_dynUsed + bytes > m_dynHost.size()) flush();
    if (bytes > m_dynHost.size()) {
        dropGraphs();
        const uint64_t size = std::max(bytes, 2 * m_dynHost.size());
        m_dynHost = PinnedBuffer();
        m_dynHost = PinnedBuffer(size);
        m_dynDevice = DeviceBuffer();
        m_dynDevice = DeviceBuffer(size);
    }
    const uint64_t at = m_dynUsed;
    m_dynUsed += bytes;
    return {m_dynHost.data() + at, static_cast<const uint8_t*>(m_dynDevice.data()) + at};
}

const int* CudaBackend::position(int pos) {
    const auto it = m_positions.find(pos);
    if (it != m_positions.end()) return it->second;
    auto [host, device] = dynamic(sizeof(int));
    std::memcpy(host, &pos, sizeof(int));
    return m_positions[pos] = reinterpret_cast<const int*>(device);
}

const float* CudaBackend::ropeTable(const RopeParams& p, int pos0, int rows) {
    const std::vector<uint64_t> key{uint64_t(p.nRot),    u(p.freqBase),   u(p.freqScale),
                                    u(p.freqFactors),   u(p.extFactor),  u(p.attnFactor),
                                    u(p.betaFast),      u(p.betaSlow),   uint64_t(p.nCtxOrig),
                                    uint64_t(pos0),     uint64_t(rows)};
    const auto it = m_tables.find(key);
    if (it != m_tables.end()) return it->second;
    const int perRow = p.nRot / 2 * 2;
    auto [host, device] = dynamic(uint64_t(rows) * perRow * sizeof(float));
    float* table = reinterpret_cast<float*>(host);
    // Angles exactly as the CPU backend computes them (float products, libm cos/sin, YaRN).
    for (int r = 0; r < rows; ++r) ropeAngles(p, pos0 + r, table + size_t(r) * perRow);
    return m_tables[key] = reinterpret_cast<const float*>(device);
}

// ---- memory --------------------------------------------------------------------------------

Weight CudaBackend::upload(const GgufTensorInfo& tensor) {
    Weight w;
    w.name = tensor.name;
    w.type = tensor.type;
    w.nIn = tensor.ne[0];
    w.nOut = tensor.ne[1];
    w.nMat = tensor.ne[2] * tensor.ne[3];
    w.rowBytes = ggmlRowBytes(tensor.type, tensor.ne[0]);
    w.host = tensor.data; // embed() and the RoPE factors read the mapping
    bind();
    if (tensor.type != GgmlType::F32 && !matmulSupports(tensor.type))
        throw CudaError(std::string("CUDA: no kernel for weight type ") +
                        std::string(ggmlTypeTraits(tensor.type).name) + " (" + tensor.name +
                        "); use --device cpu");
    auto cwt = std::make_unique<CudaWeight>();
    cwt->type = w.type;
    cwt->nIn = w.nIn;
    cwt->rows = w.nOut * w.nMat;
    cwt->rowBytes = w.rowBytes;
    const PlacementWeight pw = classifyWeight(tensor);
    cwt->layer = pw.layer; // the MoE op counts expert use per layer
    if (m_plan && !m_plan->onGpu(tensor.name)) {
        if (pw.kind != WeightKind::ExpertStack || pw.nExpert <= 0)
            throw CudaError("CUDA: the placement keeps " + tensor.name +
                            " on the CPU, which only expert stacks may be");
        uploadPartialStack(tensor, pw, *cwt);
        m_weights.push_back(std::move(cwt));
        w.device = m_weights.back().get();
        return w;
    }
    const uint64_t bytes = cwt->rowBytes * uint64_t(cwt->rows);
    cwt->buffer = DeviceBuffer(bytes);
    cudaCheck(cudaMemcpy(cwt->buffer.data(), tensor.data, bytes, cudaMemcpyHostToDevice),
              "uploading a weight");
    m_weights.push_back(std::move(cwt));
    w.device = m_weights.back().get();
    return w;
}

void CudaBackend::release(const Weight& weight) {
    const auto it = std::find_if(m_weights.begin(), m_weights.end(),
                                 [&](const auto& w) { return w.get() == weight.device; });
    if (it == m_weights.end()) return;
    flush();      // noted ops may still read it
    dropGraphs(); // and graphs may address it
    m_weights.erase(it);
}

void CudaBackend::reserve(const BackendLimits& limits) {
    m_limits = limits;
    const uint64_t ffRows = uint64_t(std::max(limits.maxFfRows, limits.maxRows));
    const uint64_t ff = uint64_t(std::max(limits.maxFf, 1)) * sizeof(float);
    ensure(m_gate, ffRows * ff);
    ensure(m_up, ffRows * ff);
    ensure(m_down, ffRows * uint64_t(std::max(limits.nEmbd, limits.maxCols)) * sizeof(float));
    const uint64_t widest = uint64_t(std::max({limits.maxCols, limits.maxFf, limits.nEmbd}));
    ensure(m_actIn, uint64_t(limits.maxRows) * widest * sizeof(float));
    ensure(m_actHidden, ffRows * ff);
    ensure(m_route, ffRows * sizeof(RouteSlot) + sizeof(RouteSlot));
    // Staging for a full batch of embedded rows plus positions and RoPE tables.
    const uint64_t rows = uint64_t(limits.maxRows) * std::max(limits.maxCols, limits.nEmbd) * 4;
    if (rows + kMinDynamic > m_dynHost.size()) {
        dynamic(rows + kMinDynamic); // grows the staging
        flush();
    }
}

Act CudaBackend::allocate(int rows, int cols) {
    bind();
    m_allocations.emplace_back(uint64_t(rows) * cols * sizeof(float));
    return Act{m_allocations.back().data(), 0, rows, cols};
}

std::unique_ptr<KvCache> CudaBackend::createKvCache(int nLayer, int capacity, int kvDimK,
                                                    int kvDimV, GgmlType type) {
    return createRingKvCache(nLayer, capacity, {}, kvDimK, kvDimV, type);
}

std::unique_ptr<KvCache> CudaBackend::createRingKvCache(int nLayer, int capacity,
                                                        std::span<const int> layerSlots,
                                                        int kvDimK, int kvDimV, GgmlType type) {
    if (const std::string problem = kvCacheTypeProblem(type, kvDimK, kvDimV); !problem.empty())
        throw CudaError("CUDA: " + problem);
    bind();
    return std::make_unique<CudaKvCache>(nLayer, capacity, layerSlots, kvDimK, kvDimV, type);
}

// ---- ops -----------------------------------------------------------------------------------

void CudaBackend::embed(const Weight& table, std::span<const int32_t> ids, Act out) {
    // Rows dequantized on the host from the mapping into this list's staging; the list's first
    // copy brings them to the device, one device copy puts them in place.
    const uint64_t bytes = uint64_t(ids.size()) * out.cols * sizeof(float);
    auto [host, device] = dynamic(bytes);
    float* dst = reinterpret_cast<float*>(host);
    for (size_t r = 0; r < ids.size(); ++r)
        dequantizeRow(table.type,
                      static_cast<const uint8_t*>(table.host) + size_t(ids[r]) * table.rowBytes,
                      dst + r * size_t(out.cols), table.nIn);
    float* o = ptr(out);
    note({kEmbed, u(o), u(device), bytes}, [=](cudaStream_t s) {
        cudaMemcpyAsync(o, device, bytes, cudaMemcpyDeviceToDevice, s);
    });
}

void CudaBackend::rmsNorm(Act in, const Weight* weight, Act out, int group, float eps) {
    const float* x = ptr(in);
    const float* w = weight ? cw(*weight).floats() : nullptr;
    float* y = ptr(out);
    const int rows = in.rows, cols = in.cols;
    note({kRmsNorm, u(x), u(w), u(y), uint64_t(rows), uint64_t(cols), uint64_t(group), u(eps)},
         [=](cudaStream_t s) { launchRmsNorm(x, w, y, rows, cols, group, eps, s); });
}

const float* CudaBackend::matmulInput(GgmlType type, const float* x, int rows, int cols,
                                      int xStride, float* scratch, GgmlType* rounded) {
    const GgmlType vt = vecDotTypeOf(type);
    // F32 is never rounded into scratch, so F32 in *rounded means "nothing there yet".
    if (rounded && *rounded == vt && vt != GgmlType::F32) return scratch;
    if (!roundsActivations(type)) return x;
    note({kRound, uint64_t(type), u(x), uint64_t(rows), uint64_t(cols), uint64_t(xStride),
          u(scratch)},
         [=](cudaStream_t s) {
             launchRoundActivations(type, x, rows, cols, xStride, scratch, cols, s);
         });
    if (rounded) *rounded = vt;
    return scratch;
}

void CudaBackend::matmul(Act in, std::span<const MatmulJob> jobs) {
    GgmlType rounded = GgmlType::F32; // nothing in m_actIn yet
    for (const MatmulJob& j : jobs) {
        const CudaWeight& w = cw(*j.weight);
        const float* x = matmulInput(w.type, ptr(in), in.rows, in.cols, in.cols,
                                     m_actIn.floats(), &rounded);
        float* y = ptr(j.out);
        const int rows = in.rows, xStride = in.cols, yStride = j.out.cols;
        const int64_t nOut = j.weight->nOut * j.weight->nMat;
        const void* wp = w.buffer.data();
        const GgmlType type = w.type;
        const uint64_t rowBytes = w.rowBytes;
        const int64_t nIn = w.nIn;
        note({kMatmul, uint64_t(type), u(wp), u(x), uint64_t(rows), uint64_t(xStride), u(y),
              uint64_t(yStride)},
             [=](cudaStream_t s) {
                 launchMatmul(type, wp, rowBytes, nIn, 0, nOut, x, rows, xStride, y, yStride, s);
             });
        if (j.bias) {
            const float* b = cw(*j.bias).floats();
            const int cols = j.out.cols;
            note({kBias, u(y), u(b), uint64_t(rows), uint64_t(cols)},
                 [=](cudaStream_t s) { launchAddBias(y, cols, b, rows, cols, s); });
        }
    }
}

void CudaBackend::rope(Act x, const RopeParams& p, int pos0) {
    const float* table = ropeTable(p, pos0, x.rows);
    float* xp = ptr(x);
    const int rows = x.rows, cols = x.cols, nHead = p.nHead, headDim = p.headDim, nRot = p.nRot;
    const bool neox = p.neox;
    const int offset = p.offset;
    note({kRope, u(xp), u(table), uint64_t(rows), uint64_t(cols), uint64_t(nHead),
          uint64_t(headDim), uint64_t(nRot), uint64_t(neox), uint64_t(offset)},
         [=](cudaStream_t s) {
             launchRope(xp, rows, cols, nHead, headDim, nRot, neox, offset, table, s);
         });
}

void CudaBackend::storeKv(KvCache& cacheBase, int layer, Act k, Act v, int pos0) {
    auto& cache = static_cast<CudaKvCache&>(cacheBase);
    const bool half = cache.type() == GgmlType::F16, q8 = cache.type() == GgmlType::Q8_0;
    const int ring = cache.ring(layer);
    const int* pos = position(pos0);
    auto store = [&](Act a, void* dst) {
        const float* x = ptr(a);
        const int rows = a.rows, cols = a.cols;
        note({kStoreKv, u(x), uint64_t(rows), uint64_t(cols), u(dst),
              uint64_t(half) | uint64_t(q8) << 1, u(pos), uint64_t(ring)},
             [=](cudaStream_t s) {
                 if (q8)
                     launchStoreKvQ8(x, rows, cols, cols, dst, pos, ring, s);
                 else
                     launchStoreKv(x, rows, cols, cols, dst, half, pos, ring, s);
             });
    };
    store(k, cache.k(layer));
    if (!cache.sharedV()) store(v, cache.v(layer)); // else the values are the keys' latent part
}

void CudaBackend::attention(KvCache& cacheBase, int layer, Act q, Act out, int pos0,
                            const AttentionParams& p) {
    auto& cache = static_cast<CudaKvCache&>(cacheBase);
    if (p.headDimK > 1024) throw CudaError("CUDA: attention head size above 1024");
    AttentionShape s{q.rows,
                     p.nHead,
                     p.nHeadKv,
                     p.headDimK,
                     p.headDimV,
                     p.window,
                     cache.capacity(),
                     p.scale,
                     cache.type() == GgmlType::F16,
                     // Rows as storeKv wrote them (the layer's own widths); a shared latent
                     // cache reads V from the K rows.
                     p.nHeadKv * p.headDimK,
                     cache.sharedV() ? cache.kvDimK() : p.nHeadKv * p.headDimV,
                     cache.ring(layer),
                     p.sinks ? cw(*p.sinks).floats() : nullptr,
                     cache.type() == GgmlType::Q8_0};
    if (attentionUsesScores(s))
        ensure(m_scores, uint64_t(q.rows) * p.nHead * cache.capacity() * sizeof(float));
    const float* qp = ptr(q);
    float* o = ptr(out);
    float* scores = m_scores.floats();
    const void* kc = cache.k(layer);
    const void* vc = cache.v(layer);
    const int qStride = q.cols, oStride = out.cols;
    const int* pos = position(pos0);
    note({kAttention, u(qp), uint64_t(qStride), u(kc), u(vc), u(scores), u(o), uint64_t(oStride),
          uint64_t(s.rows), uint64_t(s.nHead), uint64_t(s.nHeadKv), uint64_t(s.headDimK),
          uint64_t(s.headDimV), uint64_t(s.window), uint64_t(s.maxCtx), u(s.scale),
          uint64_t(s.half) | uint64_t(s.q8) << 1, uint64_t(s.kvStrideK), uint64_t(s.kvStrideV),
          uint64_t(s.kept),
          u(s.sinks), u(pos)},
         [=](cudaStream_t st) {
             launchAttention(qp, qStride, kc, vc, scores, o, oStride, s, pos, st);
         });
}

void CudaBackend::ffn(Act x, const Weight& gate, const Weight& up, const Weight& down, Act out,
                      const Weight* scaleGate, bool accumulate, FfnActivation activation) {
    const int rows = x.rows, nFf = int(gate.nOut);
    if (scaleGate) ensure(m_gateLogit, uint64_t(rows) * sizeof(float));
    float* g = m_gate.floats();
    float* uu = m_up.floats();
    float* y = m_down.floats();
    GgmlType rounded = GgmlType::F32;
    auto mm = [&](const Weight& w, const float* in, int inCols, float* dst, int dstStride) {
        const CudaWeight& c = cw(w);
        const void* wp = c.buffer.data();
        const GgmlType type = c.type;
        const uint64_t rowBytes = c.rowBytes;
        const int64_t nIn = c.nIn, nOut = w.nOut;
        note({kMatmul, uint64_t(type), u(wp), u(in), uint64_t(rows), uint64_t(inCols), u(dst),
              uint64_t(dstStride)},
             [=](cudaStream_t s) {
                 launchMatmul(type, wp, rowBytes, nIn, 0, nOut, in, rows, inCols, dst, dstStride,
                              s);
             });
    };
    mm(gate, matmulInput(gate.type, ptr(x), rows, x.cols, x.cols, m_actIn.floats(), &rounded),
       x.cols, g, nFf);
    mm(up, matmulInput(up.type, ptr(x), rows, x.cols, x.cols, m_actIn.floats(), &rounded), x.cols,
       uu, nFf);
    const int mode = activation == FfnActivation::GeluFp16    ? 1
                     : activation == FfnActivation::SwigluOai ? 2
                                                              : 0;
    const int64_t n = int64_t(rows) * nFf;
    const auto* gelu = static_cast<const uint16_t*>(m_gelu.data());
    note({kSwiglu, u(g), u(uu), uint64_t(n), uint64_t(mode)},
         [=](cudaStream_t s) { launchSwiglu(g, uu, g, n, mode, gelu, s); });
    const float* h = matmulInput(down.type, g, rows, nFf, nFf, m_actHidden.floats(), nullptr);
    float* o = ptr(out);
    if (scaleGate) { // Qwen2-MoE's shared expert: its output times sigmoid(scaleGate · x)
        float* gl = m_gateLogit.floats();
        mm(*scaleGate, ptr(x), x.cols, gl, 1); // f32 activations, as the CPU's dot product
        mm(down, h, nFf, y, out.cols);
        const int cols = out.cols;
        note({kAdd + 100, u(y), u(gl), uint64_t(rows), uint64_t(cols), u(o), uint64_t(accumulate)},
             [=](cudaStream_t s) {
                 launchSigmoidGated(y, cols, gl, rows, cols, o, cols, accumulate, s);
             });
        return;
    }
    if (!accumulate) {
        mm(down, h, nFf, o, out.cols);
        return;
    }
    mm(down, h, nFf, y, out.cols);
    const int64_t total = int64_t(rows) * out.cols;
    note({kAdd, u(o), u(y), uint64_t(total)},
         [=](cudaStream_t s) { launchAdd(o, y, total, s); });
}

void CudaBackend::moe(Act x, Act routerLogits, const MoeWeights& experts, const MoeParams& p,
                      Act out) {
    const int rows = x.rows, k = p.nUsed, nSlots = rows * k;
    const int nFf = int(experts.gate->nOut), nEmbd = int(experts.down->nOut);
    if (p.nExpert > 256) throw CudaError("CUDA: MoE routing supports up to 256 experts");
    const auto floats = [](int64_t n) { return uint64_t(n) * sizeof(float); };
    // Scratch for every slot (an experts-used override may exceed what reserve() planned).
    ensure(m_route, uint64_t(nSlots) * sizeof(RouteSlot));
    ensure(m_gate, floats(int64_t(nSlots) * nFf));
    ensure(m_up, floats(int64_t(nSlots) * nFf));
    ensure(m_actHidden, floats(int64_t(nSlots) * nFf));
    ensure(m_down, floats(int64_t(nSlots) * nEmbd));
    ensure(m_actIn, floats(int64_t(rows) * x.cols));
    auto* route = static_cast<RouteSlot*>(m_route.data()); // the GPU experts' routes below
    // Routing, expert matmuls and the weighted sum all read the routes on the device.
    const TopKShape ts{rows,
                      routerLogits.cols,
                      p.nExpert,
                      k,
                      p.gating == MoeGating::Sigmoid           ? 1
                      : p.gating == MoeGating::SoftmaxOfChosen ? 2
                                                               : 0,
                      p.normalizeWeights,
                      p.weightsScale,
                      p.selectionBias ? cw(*p.selectionBias).floats() : nullptr};
    const float* logits = ptr(routerLogits);
    note({kTopK, u(logits), uint64_t(ts.rows), uint64_t(ts.stride), uint64_t(ts.nExpert),
          uint64_t(ts.nUsed), uint64_t(ts.gating), uint64_t(ts.normalize), u(ts.scale),
          u(ts.selectionBias), u(route)},
         [=](cudaStream_t s) { launchMoeTopK(logits, ts, route, s); });
    const CudaWeight& stack = cw(*experts.gate);
    if (m_plan && !stack.partial) logRoutes(stack.layer, route, nSlots);
    if (stack.partial) {
        if (experts.gateBias || experts.upBias || experts.downBias)
            throw CudaError("CUDA: experts with biases (gpt-oss) must all fit on the GPU; use "
                            "--device cpu or a GPU with more memory");
        // The GPU's stacks hold only resident experts: routes remapped to their slots, a CPU
        // expert's slot weighted 0 (its share comes from the CPU below).
        ensure(m_gpuRoute, uint64_t(nSlots) * sizeof(RouteSlot));
        auto* gpuRoute = static_cast<RouteSlot*>(m_gpuRoute.data());
        const int* slotOf = static_cast<const int*>(stack.slotOf.data());
        note({kTopK + 100, u(route), u(slotOf), uint64_t(nSlots), u(gpuRoute)},
             [=](cudaStream_t s) { launchRemapRoute(route, slotOf, nSlots, gpuRoute, s); });
        if (stack.gpuExperts == 0) { // nothing on the GPU: the CPU's share is all of it
            float* o = ptr(out);
            const uint64_t bytes = uint64_t(rows) * out.cols * sizeof(float);
            note({kMoeSum + 100, u(o), bytes},
                 [=](cudaStream_t s) { cudaMemsetAsync(o, 0, bytes, s); });
            addCpuExperts(x, experts, p, out, stack);
            return;
        }
        route = gpuRoute;
    }
    float* g = m_gate.floats();
    float* uu = m_up.floats();
    float* y = m_down.floats();
    auto expertMatmul = [&](const Weight& w, const float* in, int inStride, int slotDiv,
                            float* dst, int dstStride) {
        const CudaWeight& c = cw(w);
        const void* wp = c.buffer.data();
        const GgmlType type = c.type;
        const uint64_t rowBytes = c.rowBytes;
        const int64_t nIn = c.nIn, perExpert = c.partial ? c.rowsPerExpert : w.nOut;
        note({kMoeMatmul, uint64_t(type), u(wp), u(in), uint64_t(inStride), uint64_t(slotDiv),
              u(route), uint64_t(nSlots), u(dst), uint64_t(dstStride)},
             [=](cudaStream_t s) {
                 launchMoeMatmul(type, wp, rowBytes, nIn, perExpert, in, inStride, slotDiv, route,
                                 nSlots, dst, dstStride, s);
             });
    };
    auto addBias = [&](const Weight* bias, float* dst, int n) {
        if (!bias) return;
        const float* b = cw(*bias).floats();
        note({kMoeBias, u(dst), uint64_t(n), u(b), u(route), uint64_t(nSlots)},
             [=](cudaStream_t s) { launchMoeBias(dst, n, n, b, route, nSlots, s); });
    };
    GgmlType rounded = GgmlType::F32;
    expertMatmul(*experts.gate,
                 matmulInput(experts.gate->type, ptr(x), rows, x.cols, x.cols, m_actIn.floats(),
                             &rounded),
                 x.cols, k, g, nFf);
    expertMatmul(*experts.up,
                 matmulInput(experts.up->type, ptr(x), rows, x.cols, x.cols, m_actIn.floats(),
                             &rounded),
                 x.cols, k, uu, nFf);
    addBias(experts.gateBias, g, nFf);
    addBias(experts.upBias, uu, nFf);
    const int mode = p.activation == FfnActivation::GeluFp16    ? 1
                     : p.activation == FfnActivation::SwigluOai ? 2
                                                                : 0;
    const int64_t n = int64_t(nSlots) * nFf;
    const auto* gelu = static_cast<const uint16_t*>(m_gelu.data());
    note({kSwiglu, u(g), u(uu), uint64_t(n), uint64_t(mode)},
         [=](cudaStream_t s) { launchSwiglu(g, uu, g, n, mode, gelu, s); });
    const float* h =
        matmulInput(experts.down->type, g, nSlots, nFf, nFf, m_actHidden.floats(), nullptr);
    expertMatmul(*experts.down, h, nFf, 1, y, nEmbd);
    addBias(experts.downBias, y, nEmbd);
    // Weighted sum over each token's experts in choice order (as the CPU backend adds them).
    float* o = ptr(out);
    const int oStride = out.cols;
    note({kMoeSum, u(y), uint64_t(nEmbd), u(route), uint64_t(rows), uint64_t(k), u(o),
          uint64_t(oStride)},
         [=](cudaStream_t s) { launchMoeSum(y, nEmbd, route, rows, k, nEmbd, o, oStride, s); });
    if (stack.partial) addCpuExperts(x, experts, p, out, stack);
}

// ---- expert placement ------------------------------------------------------------------------

void CudaBackend::prepareUploads(std::span<const GgufTensorInfo> tensors, int cpuMoeLayers,
                                 uint64_t reservedBytes) {
    bind();
    size_t freeBytes = 0, totalBytes = 0;
    cudaCheck(cudaMemGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo");
    PlacementRequest request;
    request.weights = placementWeights(tensors);
    request.gpuFreeBytes = freeBytes;
    // The engine's KV cache and scratch, plus what this backend adds at run time (staging,
    // graphs, the tiled kernels' working set).
    request.reservedBytes = reservedBytes + (256ull << 20);
    if (cpuMoeLayers >= 0) request.cpuMoeLayers = cpuMoeLayers;
    ExpertPlacement plan = planExpertPlacement(request);
    if (!plan.ok()) throw CudaError("CUDA: " + plan.refusal());
    int nLayer = 0, nExpert = 0;
    for (const PlacementWeight& w : request.weights)
        if (w.kind == WeightKind::ExpertStack)
            nLayer = std::max(nLayer, w.layer + 1), nExpert = std::max(nExpert, w.nExpert);
    m_usage = ExpertUsage(nLayer, nExpert);
    if (plan.allOnGpu()) {
        m_plan.reset();
        return;
    }
    m_plan = std::move(plan);
    m_cpu = std::make_unique<CpuBackend>(m_threads);
}

void CudaBackend::uploadPartialStack(const GgufTensorInfo& tensor, const PlacementWeight& pw,
                                     CudaWeight& w) {
    w.partial = true;
    w.layer = pw.layer;
    w.nExpert = pw.nExpert;
    w.rowsPerExpert = w.rows / pw.nExpert;
    w.host = tensor.data;
    placeStackExperts(w);
    m_splitStacks.push_back(&w);
}

void CudaBackend::placeStackExperts(CudaWeight& w) {
    const uint64_t expertBytes = uint64_t(w.rowsPerExpert) * w.rowBytes;
    std::vector<int> slotOf(size_t(w.nExpert));
    w.gpuExperts = 0;
    for (int e = 0; e < w.nExpert; ++e) {
        slotOf[size_t(e)] = m_plan->gpuSlot(w.layer, e);
        w.gpuExperts += slotOf[size_t(e)] >= 0;
    }
    w.buffer = DeviceBuffer(); // the old experts go first: memory holds one copy at a time
    w.buffer = DeviceBuffer(expertBytes * uint64_t(w.gpuExperts));
    for (int e = 0; e < w.nExpert; ++e)
        if (slotOf[size_t(e)] >= 0)
            cudaCheck(cudaMemcpy(static_cast<uint8_t*>(w.buffer.data()) +
                                     uint64_t(slotOf[size_t(e)]) * expertBytes,
                                 w.host + uint64_t(e) * expertBytes, expertBytes,
                                 cudaMemcpyHostToDevice),
                      "uploading an expert");
    w.slotOf = DeviceBuffer(slotOf.size() * sizeof(int));
    cudaCheck(cudaMemcpy(w.slotOf.data(), slotOf.data(), w.slotOf.size(), cudaMemcpyHostToDevice),
              "uploading the expert slots");
}

void CudaBackend::betweenRequests() {
    if (!m_plan || m_splitStacks.empty()) return;
    bind();
    flush(); // the last list's routes are counted after it ran
    if (m_usage.routedSlots() == m_routedAtRebalance) return; // nothing new was routed
    m_routedAtRebalance = m_usage.routedSlots();
    ExpertPlacement next = rebalanceSplitLayers(*m_plan, m_usage);
    m_usage.decayBetweenRequests();
    std::vector<CudaWeight*> moved;
    for (CudaWeight* w : m_splitStacks)
        if (next.gpuExperts(w->layer) != m_plan->gpuExperts(w->layer)) moved.push_back(w);
    if (moved.empty()) return;
    dropGraphs(); // captured graphs address the old buffers
    m_plan = std::move(next);
    // Every moved stack gives its memory back before any is filled again: the bytes on the GPU
    // stay the same in total, not per layer.
    for (CudaWeight* w : moved) w->buffer = DeviceBuffer();
    for (CudaWeight* w : moved) placeStackExperts(*w);
}

void CudaBackend::reserveCpuExperts(int rows, int nEmbd, int nFf) {
    if (rows <= m_cpuLimits.maxRows && nEmbd <= m_cpuLimits.nEmbd && nFf <= m_cpuLimits.maxFf)
        return;
    BackendLimits l = m_limits;
    l.maxRows = l.maxFfRows = std::max({rows, m_cpuLimits.maxRows, 1});
    l.nEmbd = std::max({l.nEmbd, nEmbd, m_cpuLimits.nEmbd});
    l.maxFf = std::max({l.maxFf, nFf, m_cpuLimits.maxFf});
    l.maxCols = std::max({l.maxCols, l.nEmbd, l.maxFf});
    m_cpu->reserve(l);
    m_cpuLimits = l;
}

void CudaBackend::addCpuExperts(Act x, const MoeWeights& experts, const MoeParams& p, Act out,
                                const CudaWeight& gate) {
    const int rows = x.rows, k = p.nUsed, nSlots = rows * k, nEmbd = out.cols;
    const uint64_t xBytes = uint64_t(rows) * x.cols * sizeof(float);
    const uint64_t rBytes = uint64_t(nSlots) * sizeof(RouteSlot);
    const uint64_t oBytes = uint64_t(rows) * nEmbd * sizeof(float);
    if (m_moeHost.size() < xBytes + rBytes + oBytes) {
        flush();
        dropGraphs(); // graphs copy to and from the old buffer
        m_moeHost = PinnedBuffer();
        m_moeHost = PinnedBuffer(xBytes + rBytes + oBytes);
    }
    ensure(m_cpuShare, oBytes);
    // The rows and the router's choice come to the host once for the layer (a sync).
    uint8_t* hx = m_moeHost.data();
    auto* hr = reinterpret_cast<RouteSlot*>(hx + xBytes);
    auto* ho = reinterpret_cast<float*>(hx + xBytes + rBytes);
    const float* dx = ptr(x);
    const auto* dr = static_cast<const RouteSlot*>(m_route.data());
    note({kRead, u(dx), xBytes, u(hx)},
         [=](cudaStream_t s) { cudaMemcpyAsync(hx, dx, xBytes, cudaMemcpyDeviceToHost, s); });
    note({kRead, u(dr), rBytes, u(hr)},
         [=](cudaStream_t s) { cudaMemcpyAsync(hr, dr, rBytes, cudaMemcpyDeviceToHost, s); });
    flush();
    std::vector<int32_t> ids(static_cast<size_t>(nSlots));
    for (int s = 0; s < nSlots; ++s) ids[size_t(s)] = hr[s].id;
    m_usage.record(gate.layer, ids, &*m_plan);
    reserveCpuExperts(rows, x.cols, int(experts.gate->nOut)); // an expert serves <= rows rows
    // Each CPU expert once over the rows that chose it, on the CPU backend (its own rounding).
    std::vector<float> ySlots(size_t(nSlots) * nEmbd), xs, ys;
    for (int e = 0; e < gate.nExpert; ++e) {
        if (m_plan->expertOnGpu(gate.layer, e)) continue;
        std::vector<int> chose;
        for (int s = 0; s < nSlots; ++s)
            if (hr[s].id == e) chose.push_back(s);
        if (chose.empty()) continue;
        const int n = int(chose.size());
        xs.resize(size_t(n) * x.cols);
        ys.resize(size_t(n) * nEmbd);
        for (int i = 0; i < n; ++i)
            std::memcpy(&xs[size_t(i) * x.cols], hx + uint64_t(chose[size_t(i)] / k) * x.cols * 4,
                        size_t(x.cols) * sizeof(float));
        auto expert = [e](const Weight& stack) {
            Weight one = stack;
            one.nMat = 1;
            one.device = nullptr;
            one.host = static_cast<const uint8_t*>(stack.host) +
                       uint64_t(e) * uint64_t(stack.nOut) * stack.rowBytes;
            return one;
        };
        const Weight g = expert(*experts.gate), uw = expert(*experts.up), d = expert(*experts.down);
        m_cpu->ffn(Act{xs.data(), 0, n, x.cols}, g, uw, d, Act{ys.data(), 0, n, nEmbd}, nullptr,
                   false, p.activation);
        for (int i = 0; i < n; ++i)
            std::memcpy(&ySlots[size_t(chose[size_t(i)]) * nEmbd], &ys[size_t(i) * nEmbd],
                        size_t(nEmbd) * sizeof(float));
    }
    // The CPU experts' weighted sum per row in choice order, added to the GPU's on the device.
    for (int t = 0; t < rows; ++t)
        for (int c = 0; c < nEmbd; ++c) {
            float o = 0.0f;
            for (int j = 0; j < k; ++j) {
                const int s = t * k + j;
                if (!m_plan->expertOnGpu(gate.layer, hr[s].id))
                    o += ySlots[size_t(s) * nEmbd + c] * hr[s].weight;
            }
            ho[size_t(t) * nEmbd + c] = o;
        }
    float* share = m_cpuShare.floats();
    float* o = ptr(out);
    const int64_t n = int64_t(rows) * nEmbd;
    note({kEmbed + 100, u(share), oBytes, u(ho)}, [=](cudaStream_t s) {
        cudaMemcpyAsync(share, ho, oBytes, cudaMemcpyHostToDevice, s);
    });
    note({kAdd, u(o), u(share), uint64_t(n)}, [=](cudaStream_t s) { launchAdd(o, share, n, s); });
}

void CudaBackend::perHeadMatmul(Act in, int inStride, const Weight& w, Act out, int outStride) {
    // One matrix per head: the expert matmul with the head as the expert, from a routing
    // buffer of (head, 1) slots that never changes.
    const int heads = int(w.nMat), nSlots = in.rows * heads;
    if (m_headRouteSlots < nSlots || m_headRouteHeads != heads) {
        ensure(m_headRoute, uint64_t(nSlots) * sizeof(RouteSlot));
        flush();
        launchHeadRoute(static_cast<RouteSlot*>(m_headRoute.data()), nSlots, heads, m_stream);
        cudaCheck(cudaStreamSynchronize(m_stream), "filling the per-head routes");
        m_headRouteSlots = nSlots;
        m_headRouteHeads = heads;
    }
    const auto* route = static_cast<const RouteSlot*>(m_headRoute.data());
    const int nIn = int(w.nIn);
    ensure(m_actIn, uint64_t(nSlots) * nIn * sizeof(float));
    const float* x = matmulInput(w.type, ptr(in), nSlots, nIn, inStride, m_actIn.floats(), nullptr);
    const int xStride = x == ptr(in) ? inStride : nIn;
    const CudaWeight& c = cw(w);
    const void* wp = c.buffer.data();
    const GgmlType type = c.type;
    const uint64_t rowBytes = c.rowBytes;
    const int64_t perHead = w.nOut;
    float* y = ptr(out);
    note({kMoeMatmul, uint64_t(type), u(wp), u(x), uint64_t(xStride), 1, u(route),
          uint64_t(nSlots), u(y), uint64_t(outStride)},
         [=](cudaStream_t s) {
             launchMoeMatmul(type, wp, rowBytes, nIn, perHead, x, xStride, 1, route, nSlots, y,
                             outStride, s);
         });
}

void CudaBackend::absorbQuery(Act q, const Weight& kB, Act out, const MlaShape& s) {
    const int inStride = s.nope + s.rope, outStride = s.latent + s.rope;
    perHeadMatmul(q, inStride, kB, out, outStride);
    const float* rotated = ptr(q) + s.nope;
    float* kept = ptr(out) + s.latent;
    const int rows = q.rows * s.nHead, cols = s.rope;
    note({kCopyRows, u(rotated), uint64_t(inStride), u(kept), uint64_t(outStride), uint64_t(rows),
          uint64_t(cols)},
         [=](cudaStream_t st) { launchCopyRows(rotated, inStride, kept, outStride, rows, cols, st); });
}

void CudaBackend::expandValues(Act latent, const Weight& vB, Act out, const MlaShape& s) {
    perHeadMatmul(latent, s.latent, vB, out, s.value);
}

void CudaBackend::add(Act x, Act y) {
    float* xp = ptr(x);
    const float* yp = ptr(y);
    const int64_t n = int64_t(x.rows) * x.cols;
    note({kAdd, u(xp), u(yp), uint64_t(n)}, [=](cudaStream_t s) { launchAdd(xp, yp, n, s); });
}

void CudaBackend::scale(Act x, float f) {
    float* xp = ptr(x);
    const int64_t n = int64_t(x.rows) * x.cols;
    note({kScale, u(xp), u(f), uint64_t(n)}, [=](cudaStream_t s) { launchScale(xp, f, n, s); });
}

void CudaBackend::headMix(Act hidden, Act logits, const HeadWeights& head, float alpha,
                          Act projected, Act out) {
    const CudaWeight &a = cw(head.a), &b = cw(head.b), &bias = cw(head.bias);
    const int64_t rank = a.rows, nVocab = b.rows;
    if (a.type != GgmlType::F32 || b.type != GgmlType::F32 || bias.type != GgmlType::F32 ||
        b.nIn != rank || bias.nIn != nVocab)
        throw CudaError("CUDA: the diversity head's tensors do not fit together (A " +
                        std::to_string(rank) + " rows, B " + std::to_string(b.nIn) + " x " +
                        std::to_string(nVocab) + ", b " + std::to_string(bias.nIn) + ")");
    const float* h = ptr(hidden);
    float* t = ptr(projected);
    const float* z = ptr(logits);
    float* o = ptr(out);
    const int rows = hidden.rows, hStride = hidden.cols, tStride = projected.cols;
    const int zStride = logits.cols, oStride = out.cols;
    const void* ap = a.buffer.data();
    const uint64_t aRowBytes = a.rowBytes;
    const int64_t nIn = a.nIn;
    const float* bp = b.floats();
    const float* biasp = bias.floats();
    note({kMatmul, uint64_t(GgmlType::F32), u(ap), u(h), uint64_t(rows), uint64_t(hStride), u(t),
          uint64_t(tStride)},
         [=](cudaStream_t s) {
             launchMatmul(GgmlType::F32, ap, aRowBytes, nIn, 0, rank, h, rows, hStride, t,
                          tStride, s);
         });
    note({kHeadMix, u(bp), u(biasp), u(t), u(z), u(o), u(alpha), uint64_t(rows),
          uint64_t(nVocab)},
         [=](cudaStream_t s) {
             launchHeadMix(bp, biasp, t, tStride, z, zStride, alpha, o, oStride, rows,
                           int(nVocab), int(rank), s);
         });
}

void CudaBackend::read(Act a, int row, float* dst) {
    const uint64_t bytes = uint64_t(a.cols) * sizeof(float);
    if (m_readback.size() < bytes) {
        flush();
        dropGraphs(); // graphs copy into the old buffer
        m_readback = PinnedBuffer();
        m_readback = PinnedBuffer(bytes);
    }
    const float* src = ptr(a.view(row, 1));
    uint8_t* host = m_readback.data();
    note({kRead, u(src), bytes, u(host)}, [=](cudaStream_t s) {
        cudaMemcpyAsync(host, src, bytes, cudaMemcpyDeviceToHost, s);
    });
    flush();
    std::memcpy(dst, host, bytes);
}

} // namespace fabulist::inference::cuda
