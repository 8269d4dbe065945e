#pragma once
// The Backend interface on a Vulkan device. Weights are uploaded once to device memory; every
// activation (Act::data is a VulkanBuffer*) and the KV cache live on the device; the ops are
// collected into one submission (VulkanOps) that runs when read() needs a result on the host,
// or when too many ops are pending; its command buffer is recorded once per distinct op list
// and reused (every decode step of a given shape replays one recording). MoE routing (softmax
// top-k) runs on the device and writes (expert id, weight) pairs to a device buffer that the expert
// matmul shaders index with: no host round trip per layer.
//
// Numerics follow the CPU backend (the reference) where it matters for parity: RoPE angles are
// computed on the host with the same float arithmetic, an F16 KV cache rounds K, V, the query
// and the attention probabilities to f16 exactly as the CPU does. Matmul shaders read f32
// and get the CPU's rounding to the weight's vec-dot type (f16, Q8_0, Q8_K values) from a
// separate act_round op, so the f32 dot products see the CPU's (and llama.cpp's) numbers.

#include "inference/backend/backend.h"
#include "inference/backend/vulkan/vulkan_buffer.h"
#include "inference/backend/vulkan/vulkan_device.h"
#include "inference/backend/vulkan/vulkan_ops.h"
#include "inference/backend/vulkan/vulkan_pipelines.h"

#include <memory>
#include <vector>

namespace fabulist::inference::vulkan {

class VulkanBackend final : public Backend {
public:
    // Throws VulkanError when no usable device exists (the message says so).
    explicit VulkanBackend(const VulkanDeviceOptions& options = {});
    ~VulkanBackend() override;

    std::string name() const override { return "vulkan"; }
    int threads() const override { return 1; }
    const VulkanDevice& device() const { return *m_device; }
    VulkanDevice& device() { return *m_device; } // tests lower its binding range
    const VulkanOps& ops() const { return *m_ops; }
    // The selected device and its feature probe, with what the configure-time glslc compiles.
    DeviceDescription describeDevice() const override;
    // Device time per op kind since the last reset (empty unless profiling is on: options.profile
    // or FABULIST_VULKAN_PROFILE=1). Ops count once they have been submitted (read() submits).
    std::vector<OpTiming> profile() const override;
    void resetProfile() override;

    Weight upload(const GgufTensorInfo& tensor) override;
    void release(const Weight& weight) override;
    void reserve(const BackendLimits& limits) override;
    Act allocate(int rows, int cols) override;
    std::unique_ptr<KvCache> createKvCache(int nLayer, int capacity, int kvDimK, int kvDimV,
                                           GgmlType type) override;
    std::unique_ptr<KvCache> createRingKvCache(int nLayer, int capacity,
                                               std::span<const int> layerSlots, int kvDimK,
                                               int kvDimV, GgmlType type) override;

    void embed(const Weight& table, std::span<const int32_t> ids, Act out) override;
    void rmsNorm(Act in, const Weight* weight, Act out, int group, float eps) override;
    void matmul(Act in, std::span<const MatmulJob> jobs) override;
    void rope(Act x, const RopeParams& params, int pos0) override;
    void storeKv(KvCache& cache, int layer, Act k, Act v, int pos0) override;
    void attention(KvCache& cache, int layer, Act q, Act out, int pos0,
                   const AttentionParams& params) override;
    void ffn(Act x, const Weight& gate, const Weight& up, const Weight& down, Act out,
             const Weight* scaleGate, bool accumulate,
             FfnActivation activation = FfnActivation::Silu) override;
    void moe(Act x, Act routerLogits, const MoeWeights& experts, const MoeParams& params,
             Act out) override;
    void add(Act x, Act y) override;
    bool hasScaleOp() const override { return true; }
    bool hasExtendedOps() const override { return true; }
    void scale(Act x, float s) override;
    void absorbQuery(Act q, const Weight& kB, Act out, const MlaShape& shape) override;
    void expandValues(Act latent, const Weight& vB, Act out, const MlaShape& shape) override;
    void headMix(Act hidden, Act logits, const HeadWeights& head, float alpha, Act projected,
                 Act out) override;
    void read(Act a, int row, float* dst) override;

private:
    static DeviceF32 dev(Act a) {
        return DeviceF32{static_cast<const VulkanBuffer*>(a.data), a.offset};
    }
    static const VulkanWeight& vw(const Weight& w) {
        return *static_cast<const VulkanWeight*>(w.device);
    }
    // Makes `buf` hold at least `bytes` (flushing first: recorded ops may still use the old one).
    void ensure(std::unique_ptr<VulkanBuffer>& buf, uint64_t bytes, VulkanBuffer::Kind kind);
    // out[r][h] = w[h] · in[r][h][0, w.nIn) for every row r and head h (w stacks one matrix
    // per head); strides in floats between heads.
    void perHeadMatmul(Act in, int inStride, const Weight& w, Act out, int outStride);

    std::unique_ptr<VulkanDevice> m_device;
    std::unique_ptr<VulkanPipelines> m_pipelines;
    std::unique_ptr<VulkanOps> m_ops;
    std::vector<std::unique_ptr<VulkanWeight>> m_weights;
    std::vector<std::unique_ptr<VulkanBuffer>> m_allocations;
    BackendLimits m_limits;
    // `x` as the matmul with weight type `type` should read it: rounded into `scratch` like the
    // CPU's activation quantization, or x itself for f32 activations. `*rounded` caches the
    // vec-dot type already in scratch (Q/K/V share one rounding).
    DeviceF32 matmulInput(GgmlType type, DeviceF32 x, int rows, int cols, VulkanBuffer& scratch,
                          GgmlType* rounded);

    std::unique_ptr<VulkanBuffer> m_gate, m_up, m_down; // FFN scratch, one row per slot
    std::unique_ptr<VulkanBuffer> m_actIn, m_actHidden; // rounded matmul inputs
    std::unique_ptr<VulkanBuffer> m_scores;             // attention scores
    // Attention whose scores would take more than this streams its keys instead (no scratch):
    // a long prompt deep in a text. FABULIST_VULKAN_ATTENTION_SCRATCH_MIB overrides it (0: always
    // stream; both paths give the same bits).
    uint64_t m_scoresLimit = 0;
    std::unique_ptr<VulkanBuffer> m_staging;            // embed rows, read-back (host-visible)
    std::unique_ptr<VulkanBuffer> m_route;              // MoE (id, weight) pairs per slot
    std::unique_ptr<VulkanBuffer> m_headRoute;          // (head, 1) pairs: per-head matmuls
    std::vector<float> m_embedRow;
};

} // namespace fabulist::inference::vulkan
