#include "inference/backend/vulkan/vulkan_backend.h"
#include "inference/backend/kv_cache_type.h"

#include "inference/backend/vulkan/vulkan_features.h"
#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace fabulist::inference::vulkan {

namespace {

// Bytes of attention scores kept in scratch before attention streams its keys instead: 64 MiB
// (a 512-token prompt with 32 heads up to 1,024 positions of context), never more than one
// binding; FABULIST_VULKAN_ATTENTION_SCRATCH_MIB overrides it.
uint64_t attentionScratchLimit(const VulkanDevice& device) {
    if (const char* v = std::getenv("FABULIST_VULKAN_ATTENTION_SCRATCH_MIB"))
        return uint64_t(std::strtoull(v, nullptr, 10)) << 20;
    return std::min<uint64_t>(uint64_t(64) << 20, device.maxStorageRange() / 2);
}

class VulkanKvCache final : public KvCache {
public:
    // kvDimV 0: values are the first values of each key row (DeepSeek's latent, cached once).
    // layerSlots: positions each layer keeps (a sliding-window layer's ring; empty: all).
    VulkanKvCache(VulkanDevice& device, int nLayer, int capacity, std::span<const int> layerSlots,
                  int kvDimK, int kvDimV, GgmlType type)
        : m_type(type), m_capacity(capacity), m_kvDimK(kvDimK), m_kvDimV(kvDimV) {
        // One buffer per layer and side: no single allocation grows with the layer count.
        for (int l = 0; l < nLayer; ++l) {
            const int slots = layerSlots.empty() ? capacity : layerSlots[size_t(l)];
            m_slots.push_back(slots);
            m_k.push_back(std::make_unique<VulkanBuffer>(device, layerBytes(slots, kvDimK),
                                                         VulkanBuffer::Kind::DeviceLocal));
            m_bytes += m_k.back()->size();
            if (sharedV()) continue;
            m_v.push_back(std::make_unique<VulkanBuffer>(device, layerBytes(slots, kvDimV),
                                                         VulkanBuffer::Kind::DeviceLocal));
            m_bytes += m_v.back()->size();
        }
    }
    // Bytes of one layer side: Q8_0 keeps the int8 values of every slot, then the f16 scales
    // (34 bytes per 32 values, as the CPU's blocks).
    uint64_t layerBytes(int slots, int kvDim) const {
        if (m_type == GgmlType::Q8_0) return uint64_t(slots) * kvDim + uint64_t(slots) * kvDim / 16;
        return uint64_t(slots) * kvDim * (m_type == GgmlType::F16 ? 2 : 4);
    }
    // Where a Q8_0 layer's scales start.
    uint64_t scaleByteOffset(int layer, bool value) const {
        return uint64_t(m_slots[size_t(layer)]) * (value && !sharedV() ? m_kvDimV : m_kvDimK);
    }
    int positionsKept(int layer) const override { return m_slots[size_t(layer)]; }
    // The ring size the shaders map positions into, 0 for a layer that keeps every position.
    int ring(int layer) const {
        return m_slots[size_t(layer)] < m_capacity ? m_slots[size_t(layer)] : 0;
    }
    GgmlType type() const override { return m_type; }
    int capacity() const override { return m_capacity; }
    uint64_t bytes() const override { return m_bytes; }
    bool sharedV() const { return m_kvDimV == 0; }
    const VulkanBuffer& k(int layer) const { return *m_k[size_t(layer)]; }
    const VulkanBuffer& v(int layer) const { return sharedV() ? k(layer) : *m_v[size_t(layer)]; }
    int kvDimK() const { return m_kvDimK; }
    int kvDimV() const { return m_kvDimV; }

private:
    GgmlType m_type;
    int m_capacity, m_kvDimK, m_kvDimV;
    uint64_t m_bytes = 0;
    std::vector<std::unique_ptr<VulkanBuffer>> m_k, m_v;
    std::vector<int> m_slots;
};

} // namespace

VulkanBackend::VulkanBackend(const VulkanDeviceOptions& options)
    : m_device(std::make_unique<VulkanDevice>(options)),
      m_pipelines(std::make_unique<VulkanPipelines>(*m_device)),
      m_ops(std::make_unique<VulkanOps>(
          *m_device, *m_pipelines, options.profile || VulkanProfiler::enabledByEnvironment())),
      m_scoresLimit(attentionScratchLimit(*m_device)) {}

DeviceDescription VulkanBackend::describeDevice() const {
    return describeFeatures(m_device->features(), glslcFeatures());
}

std::vector<OpTiming> VulkanBackend::profile() const {
    return m_ops->profiler() ? m_ops->profiler()->timings() : std::vector<OpTiming>{};
}

void VulkanBackend::resetProfile() {
    if (m_ops->profiler()) m_ops->profiler()->reset();
}

VulkanBackend::~VulkanBackend() {
    m_ops.reset(); // waits for the device before buffers go
}

Weight VulkanBackend::upload(const GgufTensorInfo& tensor) {
    Weight w;
    w.name = tensor.name;
    w.type = tensor.type;
    w.nIn = tensor.ne[0];
    w.nOut = tensor.ne[1];
    w.nMat = tensor.ne[2] * tensor.ne[3];
    w.rowBytes = ggmlRowBytes(tensor.type, tensor.ne[0]);
    w.host = tensor.data; // embed() and the RoPE factors read the mapping
    m_weights.push_back(std::make_unique<VulkanWeight>(
        m_ops->uploadWeight(tensor.type, w.nIn, w.nOut * w.nMat, tensor.data)));
    w.device = m_weights.back().get();
    return w;
}

void VulkanBackend::release(const Weight& weight) {
    const auto it = std::find_if(m_weights.begin(), m_weights.end(),
                                 [&](const auto& w) { return w.get() == weight.device; });
    if (it == m_weights.end()) return;
    m_ops->flush(); // noted ops may still read it; recordings that bound it never match again
    m_weights.erase(it);
}

void VulkanBackend::ensure(std::unique_ptr<VulkanBuffer>& buf, uint64_t bytes,
                           VulkanBuffer::Kind kind) {
    if (buf && buf->size() >= bytes) return;
    m_ops->flush();
    buf = std::make_unique<VulkanBuffer>(*m_device, bytes, kind);
}

void VulkanBackend::reserve(const BackendLimits& limits) {
    m_limits = limits;
    const uint64_t ffRows = uint64_t(std::max(limits.maxFfRows, limits.maxRows));
    const uint64_t ff = uint64_t(std::max(limits.maxFf, 1)) * sizeof(float);
    ensure(m_gate, ffRows * ff, VulkanBuffer::Kind::DeviceLocal);
    ensure(m_up, ffRows * ff, VulkanBuffer::Kind::DeviceLocal);
    ensure(m_down, ffRows * uint64_t(std::max(limits.nEmbd, limits.maxCols)) * sizeof(float),
           VulkanBuffer::Kind::DeviceLocal);
    const uint64_t widest = uint64_t(std::max({limits.maxCols, limits.maxFf, limits.nEmbd}));
    ensure(m_actIn, uint64_t(limits.maxRows) * widest * sizeof(float),
           VulkanBuffer::Kind::DeviceLocal);
    ensure(m_actHidden, ffRows * ff, VulkanBuffer::Kind::DeviceLocal);
    ensure(m_staging, uint64_t(limits.maxRows) * std::max(limits.maxCols, limits.nEmbd) * 4,
           VulkanBuffer::Kind::HostVisible);
    ensure(m_route, ffRows * 8 + 8, VulkanBuffer::Kind::DeviceLocal);
    m_embedRow.resize(size_t(std::max(limits.maxCols, limits.nEmbd)));
}

Act VulkanBackend::allocate(int rows, int cols) {
    m_allocations.push_back(std::make_unique<VulkanBuffer>(
        *m_device, uint64_t(rows) * cols * sizeof(float), VulkanBuffer::Kind::DeviceLocal));
    return Act{m_allocations.back().get(), 0, rows, cols};
}

std::unique_ptr<KvCache> VulkanBackend::createKvCache(int nLayer, int capacity, int kvDimK,
                                                      int kvDimV, GgmlType type) {
    return createRingKvCache(nLayer, capacity, {}, kvDimK, kvDimV, type);
}

std::unique_ptr<KvCache> VulkanBackend::createRingKvCache(int nLayer, int capacity,
                                                          std::span<const int> layerSlots,
                                                          int kvDimK, int kvDimV, GgmlType type) {
    if (const std::string problem = kvCacheTypeProblem(type, kvDimK, kvDimV); !problem.empty())
        throw VulkanError("Vulkan: " + problem);
    if (type == GgmlType::F16 && (kvDimK % 2 || kvDimV % 2))
        throw VulkanError("Vulkan: an F16 KV cache needs even K/V widths; use an F32 cache");
    return std::make_unique<VulkanKvCache>(*m_device, nLayer, capacity, layerSlots, kvDimK, kvDimV,
                                           type);
}

void VulkanBackend::embed(const Weight& table, std::span<const int32_t> ids, Act out) {
    // Rows are dequantized on the host from the mapping (a few rows per pass), then copied in
    // one recorded transfer. The staging buffer may still feed an earlier recorded copy.
    const uint64_t bytes = uint64_t(ids.size()) * out.cols * sizeof(float);
    m_ops->flush();
    ensure(m_staging, bytes, VulkanBuffer::Kind::HostVisible);
    auto* dst = static_cast<float*>(m_staging->mapped());
    for (size_t r = 0; r < ids.size(); ++r)
        dequantizeRow(table.type,
                      static_cast<const uint8_t*>(table.host) + size_t(ids[r]) * table.rowBytes,
                      dst + r * size_t(out.cols), table.nIn);
    m_ops->copy(*m_staging, 0, *dev(out).buffer, out.offset, bytes);
}

void VulkanBackend::rmsNorm(Act in, const Weight* weight, Act out, int group, float eps) {
    const DeviceF32 w{weight ? vw(*weight).buffer.get() : nullptr, 0};
    m_ops->rmsNorm(dev(in), weight ? &w : nullptr, dev(out), in.rows, in.cols, group, eps);
}

DeviceF32 VulkanBackend::matmulInput(GgmlType type, DeviceF32 x, int rows, int cols,
                                     VulkanBuffer& scratch, GgmlType* rounded) {
    const GgmlType vt = vecDotTypeOf(type);
    const DeviceF32 y{&scratch, 0};
    // F32 is never rounded into scratch, so F32 in *rounded means "nothing there yet".
    if (rounded && *rounded == vt && vt != GgmlType::F32) return y;
    if (!m_ops->roundActivations(type, x, rows, cols, cols, y, cols)) return x;
    if (rounded) *rounded = vt;
    return y;
}

void VulkanBackend::matmul(Act in, std::span<const MatmulJob> jobs) {
    GgmlType rounded = GgmlType::F32; // nothing in m_actIn yet
    for (const MatmulJob& j : jobs) {
        const DeviceF32 x =
            matmulInput(j.weight->type, dev(in), in.rows, in.cols, *m_actIn, &rounded);
        m_ops->matmul(vw(*j.weight), x, in.rows, in.cols, dev(j.out), j.out.cols);
        if (j.bias)
            for (int r = 0; r < in.rows; ++r)
                m_ops->axpy(dev(j.out.view(r, 1)), DeviceF32{vw(*j.bias).buffer.get(), 0},
                            j.out.cols, 1.0f, false);
    }
}

void VulkanBackend::rope(Act x, const RopeParams& params, int pos0) {
    m_ops->rope(dev(x), x.rows, x.cols, params, pos0);
}

void VulkanBackend::storeKv(KvCache& cacheBase, int layer, Act k, Act v, int pos0) {
    auto& cache = static_cast<VulkanKvCache&>(cacheBase);
    const GgmlType type = cache.type();
    const int ring = cache.ring(layer);
    m_ops->storeKv(dev(k), k.rows, k.cols, k.cols, cache.k(layer), 0, pos0, type, ring,
                   cache.scaleByteOffset(layer, false));
    if (cache.sharedV()) return; // the values are the keys' latent part
    m_ops->storeKv(dev(v), v.rows, v.cols, v.cols, cache.v(layer), 0, pos0, type, ring,
                   cache.scaleByteOffset(layer, true));
}

void VulkanBackend::attention(KvCache& cacheBase, int layer, Act q, Act out, int pos0,
                              const AttentionParams& p) {
    auto& cache = static_cast<VulkanKvCache&>(cacheBase);
    const int maxCtx = cache.capacity();
    const uint64_t scoreBytes = uint64_t(q.rows) * p.nHead * maxCtx * sizeof(float);
    const bool streamed = scoreBytes > m_scoresLimit;
    if (!streamed) ensure(m_scores, scoreBytes, VulkanBuffer::Kind::DeviceLocal);
    if (!m_scores) ensure(m_scores, 4, VulkanBuffer::Kind::DeviceLocal);
    VulkanOps::AttentionShape s{
        q.rows, p.nHead,  p.nHeadKv, p.headDimK, p.headDimV,
        pos0,   p.window, maxCtx,    p.scale,    cache.type(),
        p.sinks ? vw(*p.sinks).buffer.get() : nullptr,
        cache.sharedV() ? cache.kvDimK() : 0,
        cache.ring(layer),
        cache.scaleByteOffset(layer, false),
        cache.scaleByteOffset(layer, true),
        streamed};
    // K and V live in separate buffers; the op takes one cache buffer per side.
    m_ops->attention(dev(q), q.cols, cache.k(layer), cache.v(layer), DeviceF32{m_scores.get(), 0},
                     dev(out), out.cols, s);
}

void VulkanBackend::ffn(Act x, const Weight& gate, const Weight& up, const Weight& down, Act out,
                        const Weight* scaleGate, bool accumulate, FfnActivation activation) {
    if (scaleGate)
        throw VulkanError("Vulkan: gated shared experts (Qwen2-MoE) are not supported yet; "
                          "use --device cpu");
    const int rows = x.rows, nFf = int(gate.nOut);
    const DeviceF32 g{m_gate.get(), 0}, u{m_up.get(), 0}, y{m_down.get(), 0};
    GgmlType rounded = GgmlType::F32;
    m_ops->matmul(vw(gate), matmulInput(gate.type, dev(x), rows, x.cols, *m_actIn, &rounded), rows,
                  x.cols, g, nFf);
    m_ops->matmul(vw(up), matmulInput(up.type, dev(x), rows, x.cols, *m_actIn, &rounded), rows,
                  x.cols, u, nFf);
    m_ops->swiglu(g, u, g, int64_t(rows) * nFf, activation);
    const DeviceF32 h = matmulInput(down.type, g, rows, nFf, *m_actHidden, nullptr);
    if (!accumulate) {
        m_ops->matmul(vw(down), h, rows, nFf, dev(out), out.cols);
        return;
    }
    m_ops->matmul(vw(down), h, rows, nFf, y, out.cols);
    m_ops->add(dev(out), y, int64_t(rows) * out.cols);
}

void VulkanBackend::moe(Act x, Act routerLogits, const MoeWeights& experts, const MoeParams& p,
                        Act out) {
    const int rows = x.rows, k = p.nUsed, nSlots = rows * k;
    const int nFf = int(experts.gate->nOut), nEmbd = int(experts.down->nOut);
    const int64_t nExpert = experts.gate->nMat;
    // Scratch for every slot (an experts-used override may exceed what reserve() planned).
    const auto floats = [](int64_t n) { return uint64_t(n) * sizeof(float); };
    ensure(m_route, uint64_t(nSlots) * 8, VulkanBuffer::Kind::DeviceLocal);
    ensure(m_gate, floats(int64_t(nSlots) * nFf), VulkanBuffer::Kind::DeviceLocal);
    ensure(m_up, floats(int64_t(nSlots) * nFf), VulkanBuffer::Kind::DeviceLocal);
    ensure(m_actHidden, floats(int64_t(nSlots) * nFf), VulkanBuffer::Kind::DeviceLocal);
    ensure(m_down, floats(int64_t(nSlots) * nEmbd), VulkanBuffer::Kind::DeviceLocal);
    ensure(m_actIn, floats(int64_t(rows) * x.cols), VulkanBuffer::Kind::DeviceLocal);
    // Routing, expert matmuls and the weighted sum all read the (id, weight) pairs from m_route
    // on the device: nothing comes back to the host until read().
    m_ops->moeTopK(dev(routerLogits), rows, routerLogits.cols, p,
                   p.selectionBias ? vw(*p.selectionBias).buffer.get() : nullptr, *m_route);
    // Per-expert biases (gpt-oss) go on each slot's output, by the expert the router chose.
    auto addBias = [&](const Weight* bias, DeviceF32 y, int n) {
        if (bias) m_ops->moeBias(y, n, n, *vw(*bias).buffer, *m_route, nSlots);
    };
    const DeviceF32 g{m_gate.get(), 0}, u{m_up.get(), 0}, y{m_down.get(), 0};
    // Inputs rounded like the CPU's activation quantization: x once per vec-dot type, the
    // hidden rows for the down projection.
    GgmlType rounded = GgmlType::F32;
    m_ops->moeMatmul(vw(*experts.gate), nExpert,
                     matmulInput(experts.gate->type, dev(x), rows, x.cols, *m_actIn, &rounded),
                     x.cols, k, *m_route, nSlots, g, nFf);
    m_ops->moeMatmul(vw(*experts.up), nExpert,
                     matmulInput(experts.up->type, dev(x), rows, x.cols, *m_actIn, &rounded),
                     x.cols, k, *m_route, nSlots, u, nFf);
    addBias(experts.gateBias, g, nFf);
    addBias(experts.upBias, u, nFf);
    m_ops->swiglu(g, u, g, int64_t(nSlots) * nFf, p.activation);
    const DeviceF32 h = matmulInput(experts.down->type, g, nSlots, nFf, *m_actHidden, nullptr);
    m_ops->moeMatmul(vw(*experts.down), nExpert, h, nFf, 1, *m_route, nSlots, y, nEmbd);
    addBias(experts.downBias, y, nEmbd);
    // Weighted sum over each token's experts in choice order (as the CPU backend adds them).
    m_ops->moeSum(y, nEmbd, *m_route, rows, k, nEmbd, dev(out), out.cols);
}

void VulkanBackend::perHeadMatmul(Act in, int inStride, const Weight& w, Act out,
                                  int outStride) {
    // One matrix per head: the expert matmul with the head as the expert, from a routing
    // buffer of (head, 1) pairs that never changes.
    const int heads = int(w.nMat), nSlots = in.rows * heads;
    if (!m_headRoute || m_headRoute->size() < uint64_t(nSlots) * 8) {
        m_ops->flush(); // a smaller table may still be bound by noted ops
        m_headRoute = std::make_unique<VulkanBuffer>(*m_device, uint64_t(nSlots) * 8,
                                                     VulkanBuffer::Kind::HostVisible);
        auto* r = static_cast<uint32_t*>(m_headRoute->mapped());
        const float one = 1.0f;
        for (int s = 0; s < nSlots; ++s) {
            r[2 * s] = uint32_t(s % heads);
            std::memcpy(&r[2 * s + 1], &one, 4);
        }
    }
    const int nIn = int(w.nIn);
    ensure(m_actIn, uint64_t(nSlots) * nIn * sizeof(float), VulkanBuffer::Kind::DeviceLocal);
    const DeviceF32 rounded{m_actIn.get(), 0};
    const bool round =
        m_ops->roundActivations(w.type, dev(in), nSlots, nIn, inStride, rounded, nIn);
    m_ops->moeMatmul(vw(w), heads, round ? rounded : dev(in), round ? nIn : inStride, 1,
                     *m_headRoute, nSlots, dev(out), outStride);
}

void VulkanBackend::absorbQuery(Act q, const Weight& kB, Act out, const MlaShape& s) {
    const int inStride = s.nope + s.rope, outStride = s.latent + s.rope;
    perHeadMatmul(q, inStride, kB, out, outStride);
    DeviceF32 rotated = dev(q), kept = dev(out);
    rotated.offset += uint64_t(s.nope) * sizeof(float);
    kept.offset += uint64_t(s.latent) * sizeof(float);
    m_ops->copyRows(rotated, inStride, kept, outStride, q.rows * s.nHead, s.rope);
}

void VulkanBackend::expandValues(Act latent, const Weight& vB, Act out, const MlaShape& s) {
    perHeadMatmul(latent, s.latent, vB, out, s.value);
}

void VulkanBackend::add(Act x, Act y) {
    m_ops->add(dev(x), dev(y), int64_t(x.rows) * x.cols);
}

void VulkanBackend::scale(Act x, float s) {
    m_ops->scale(dev(x), s, int64_t(x.rows) * x.cols);
}

void VulkanBackend::headMix(Act hidden, Act logits, const HeadWeights& head, float alpha,
                            Act projected, Act out) {
    m_ops->headMix(vw(head.a), vw(head.b), vw(head.bias), dev(hidden), hidden.cols, dev(logits),
                   logits.cols, alpha, dev(projected), projected.cols, dev(out), out.cols,
                   hidden.rows);
}

void VulkanBackend::read(Act a, int row, float* dst) {
    // The copy joins the pending ops in one submission (barriers order it after them, and after
    // an embed copy that read the same staging bytes).
    const uint64_t bytes = uint64_t(a.cols) * sizeof(float);
    ensure(m_staging, bytes, VulkanBuffer::Kind::HostVisible);
    m_ops->copy(*dev(a).buffer, a.view(row, 1).offset, *m_staging, 0, bytes);
    m_ops->flush();
    std::memcpy(dst, m_staging->mapped(), bytes);
}

} // namespace fabulist::inference::vulkan
