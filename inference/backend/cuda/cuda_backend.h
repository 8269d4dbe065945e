#pragma once
// The Backend interface on an NVIDIA GPU through the CUDA runtime. Weights are uploaded once to
// device memory; activations (Act::data is a device pointer) and the KV cache live on the device.
// Ops are deferred: each notes a launch and the words that describe it; read() (the only sync)
// runs the list on one stream, eagerly, or as a CUDA graph once the same list has been seen
// before (GraphBookkeeping): a decode step of a given shape is captured once and replayed.
// Values that change between steps (token rows, positions, RoPE angles) are written by the host
// into pinned memory and reach the device through the list's first copy, so a graph replays
// them as they are at launch time (Vulkan's m_dynamic does the same).
//
// Numerics follow the Vulkan backend's shaders, which match the CPU reference (see
// cuda_ops.h): activations rounded to the weight's vec-dot type before each matmul
// (launchRoundActivations), RoPE angles from ropeAngles on the host, an F16 KV cache rounding
// K, V, the query and the probabilities to f16.

#include "inference/backend/backend.h"
#include "inference/backend/expert_placement.h"
#include "inference/backend/cuda/cuda_buffer.h"
#include "inference/backend/cuda/cuda_device.h"
#include "inference/backend/cuda/cuda_matmul.h"
#include "inference/backend/cuda/graph_bookkeeping.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace fabulist::inference {
class CpuBackend;
}

namespace fabulist::inference::cuda {

struct CudaWeight {
    DeviceBuffer buffer;
    GgmlType type = GgmlType::F32;
    int64_t nIn = 0, rows = 0; // rows of all matrices of the stack
    uint64_t rowBytes = 0;
    // An expert stack the placement split: only the GPU-resident experts are in `buffer` (in
    // expert order); slotOf maps an expert id to its index there, -1 for a CPU expert.
    bool partial = false;
    int layer = -1, nExpert = 0, gpuExperts = 0;
    int64_t rowsPerExpert = 0;
    DeviceBuffer slotOf;
    const uint8_t* host = nullptr; // a split stack's bytes in the mapping (experts move)
    const float* floats() const { return buffer.floats(); }
};

class CudaBackend final : public Backend {
public:
    // Throws CudaError naming why when no usable device exists (probeCuda's reason).
    explicit CudaBackend(int threads = 0);
    ~CudaBackend() override;

    std::string name() const override { return "cuda"; }
    int threads() const override { return m_threads; }
    DeviceDescription describeDevice() const override;
    const GraphBookkeeping& graphs() const { return m_graphs; }

    // Plans which weights live on the GPU before the first upload (ExpertPlacement from the free
    // device memory less reservedBytes; cpuMoeLayers >= 0 keeps the experts of layers [0, N) on
    // the CPU). An expert stack the plan splits is uploaded without its CPU experts, which then
    // run on a CpuBackend in the same forward pass. Throws CudaError when even the non-expert
    // weights do not fit.
    void prepareUploads(std::span<const GgufTensorInfo> tensors, int cpuMoeLayers,
                        uint64_t reservedBytes) override;
    // A split model: the most used experts of the split layers onto the GPU, in the bytes those
    // layers hold there (rebalanceSplitLayers); usage counts then decay.
    void betweenRequests() override;
    const ExpertPlacement* placement() const { return m_plan ? &*m_plan : nullptr; }
    const ExpertUsage& usage() const { return m_usage; }

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
    using Launch = std::function<void(cudaStream_t)>;
    void bind() const; // makes this backend's GPU the calling thread's current device
    // Defers a launch described by `words` (op code, pointers, sizes).
    void note(std::initializer_list<uint64_t> words, Launch launch);
    // Runs the deferred list (eagerly, capturing, or replaying a graph) and waits for it.
    void flush();
    cudaError_t runList(cudaStream_t stream);
    void dropGraphs();
    // Makes `buf` hold at least `bytes` (running the list first: it may use the old buffer).
    void ensure(DeviceBuffer& buf, uint64_t bytes);
    // `bytes` of pinned staging for this list; the device sees them at the returned device
    // address once the list runs (its first copy).
    std::pair<uint8_t*, const uint8_t*> dynamic(uint64_t bytes);
    const int* position(int pos);
    const float* ropeTable(const RopeParams& params, int pos0, int rows);
    // The input a matmul of weight type `type` reads: x rounded into `scratch` as the CPU rounds
    // activations, or x itself for f32 activations. *rounded caches what scratch holds.
    const float* matmulInput(GgmlType type, const float* x, int rows, int cols, int xStride,
                             float* scratch, GgmlType* rounded);
    void perHeadMatmul(Act in, int inStride, const Weight& w, Act out, int outStride);
    // Uploads the GPU-resident experts of a stack the plan splits.
    void uploadPartialStack(const GgufTensorInfo& tensor, const PlacementWeight& pw, CudaWeight& w);
    // (Re)fills a split stack's device buffer and expert slots from the mapping by m_plan.
    void placeStackExperts(CudaWeight& w);
    // out += the CPU-resident experts' share of a MoE layer (routes copied to the host once).
    void addCpuExperts(Act x, const MoeWeights& experts, const MoeParams& params, Act out,
                       const CudaWeight& gate);

    static float* ptr(Act a) {
        return reinterpret_cast<float*>(static_cast<uint8_t*>(a.data) + a.offset);
    }
    static const CudaWeight& cw(const Weight& w) { return *static_cast<const CudaWeight*>(w.device); }

    int m_threads;
    CudaProbe m_probe;
    cudaStream_t m_stream = nullptr;
    std::vector<std::unique_ptr<CudaWeight>> m_weights;
    std::vector<DeviceBuffer> m_allocations;
    BackendLimits m_limits;

    std::vector<Launch> m_pending;
    std::vector<uint64_t> m_words;
    GraphBookkeeping m_graphs;
    std::vector<cudaGraphExec_t> m_execs;

    PinnedBuffer m_dynHost;
    DeviceBuffer m_dynDevice;
    uint64_t m_dynUsed = 0;
    std::map<int, const int*> m_positions;               // this list's position slots
    std::map<std::vector<uint64_t>, const float*> m_tables; // this list's RoPE tables
    PinnedBuffer m_readback;

    DeviceBuffer m_gate, m_up, m_down, m_actIn, m_actHidden, m_scores, m_route, m_headRoute;
    DeviceBuffer m_gateLogit; // the shared expert's gate logit per row
    int m_headRouteSlots = 0, m_headRouteHeads = 0;
    DeviceBuffer m_gelu;

    std::optional<ExpertPlacement> m_plan; // none: every weight on the GPU
    std::vector<CudaWeight*> m_splitStacks;  // the stacks whose experts betweenRequests() moves
    uint64_t m_routedAtRebalance = 0;       // m_usage.routedSlots() at the last rebalance
    ExpertUsage m_usage;
    std::unique_ptr<CpuBackend> m_cpu; // runs the CPU-resident experts
    BackendLimits m_cpuLimits{0, 0, 0, 0, 0, 0}; // what m_cpu was reserved for
    void reserveCpuExperts(int rows, int nEmbd, int nFf);
    DeviceBuffer m_gpuRoute, m_cpuShare;
    PinnedBuffer m_moeHost; // x rows, routes and the CPU experts' sum of a split MoE layer
    // Routes of the GPU-only MoE layers, copied to the host inside the list (no extra sync) and
    // counted in m_usage after it ran; one buffer per layer.
    struct RouteLog {
        PinnedBuffer buffer;
        int pendingSlots = 0; // copied by the list now pending; 0: none
    };
    std::vector<RouteLog> m_routeLogs;
    void logRoutes(int layer, const RouteSlot* route, int nSlots);
    void countLoggedRoutes();
};

} // namespace fabulist::inference::cuda
