#pragma once
// Which weights of a model live on the GPU when the whole model does not fit in its memory
// (llama.cpp's --n-cpu-moe, decided from the free memory). Everything that is not an expert goes
// first; then experts at the granularity of (layer, expert): whole layers from the last one down
// (so at most one layer is split and the CPU experts sit in the first layers, as with
// --n-cpu-moe), or, given usage counts, the most used experts across all layers first. A weight
// the plan puts on the CPU stays in host memory and its experts run on the CPU backend in the
// same forward pass. Pure logic: no device, no CUDA, no Qt.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

struct GgufTensorInfo;

enum class WeightKind { Dense, Attention, Embedding, Output, ExpertStack };

const char* weightKindName(WeightKind kind); // "dense", "attention", ...

// One tensor as the plan sees it. An expert stack holds nExpert experts of bytes / nExpert each;
// the stacks of one layer (gate, up, down and their biases) share that layer's expert bitmap.
struct PlacementWeight {
    std::string name;
    uint64_t bytes = 0;
    int layer = -1; // blk.<layer>; -1 outside the blocks (embedding, output, output norm)
    WeightKind kind = WeightKind::Dense;
    int nExpert = 0; // ExpertStack only
};

// A GGUF tensor list classified by llama.cpp's tensor names (blk.N.ffn_*_exps.* are expert
// stacks; attn_* attention; token_embd embedding; output*, output_norm output; the rest dense).
PlacementWeight classifyWeight(const GgufTensorInfo& tensor);
std::vector<PlacementWeight> placementWeights(std::span<const GgufTensorInfo> tensors);

class ExpertPlacement;

// How often each (layer, expert) was routed to, from the routing ids of the forward passes.
// Counts decay between requests (decayBetweenRequests: counts *= factor), so a re-plan follows
// what the writer does now. Also keeps the hit rate: the share of routed slots whose expert was
// GPU-resident under the plan in force when they were routed.
class ExpertUsage {
public:
    ExpertUsage() = default;
    ExpertUsage(int nLayer, int nExpert, double decayFactor = 0.5);

    int layerCount() const { return m_nLayer; }
    int expertCount() const { return m_nExpert; }
    // One MoE layer's routed ids (nTokens * nUsed slots); `plan` (may be null) scores the hits.
    void record(int layer, std::span<const int32_t> expertIds, const ExpertPlacement* plan);
    void decayBetweenRequests();
    double count(int layer, int expert) const;
    double totalCount() const;
    bool empty() const { return totalCount() <= 0.0; }

    uint64_t routedSlots() const { return m_routed; }
    uint64_t gpuSlots() const { return m_hits; }
    double hitRate() const; // gpuSlots / routedSlots; 0 before any slot

private:
    int m_nLayer = 0, m_nExpert = 0;
    double m_decay = 0.5;
    std::vector<double> m_counts; // [layer * nExpert + expert]
    uint64_t m_routed = 0, m_hits = 0;
};

// Device memory the CUDA backend keeps beyond the engine's KV cache and scratch (staging,
// graphs, the tiled kernels' working set); `info --device cuda` plans with it too.
constexpr uint64_t kCudaRuntimeReserveBytes = 256ull << 20;

struct PlacementRequest {
    std::vector<PlacementWeight> weights;
    uint64_t gpuFreeBytes = 0;
    uint64_t reservedBytes = 0;         // KV cache, activations, scratch: kept free for the backend
    std::optional<int> cpuMoeLayers;    // experts of layers [0, N) stay on the CPU (--cpu-moe N)
    const ExpertUsage* usage = nullptr; // most used experts first when set and not empty
};

// The plan: for every weight GPU or CPU, for every MoE layer which experts are GPU-resident.
class ExpertPlacement {
public:
    bool ok() const { return m_refusal.empty(); }
    // Why nothing runs on this GPU: how many MiB the non-expert weights miss and what to do.
    const std::string& refusal() const { return m_refusal; }

    // A whole weight on the GPU; an expert stack counts as on the GPU when all its experts are.
    bool onGpu(std::string_view weightName) const;
    // Any part of the weight on the GPU (an expert stack with at least one GPU expert).
    bool anyOnGpu(std::string_view weightName) const;
    bool expertOnGpu(int layer, int expert) const;
    // The expert's index among its layer's GPU-resident experts (-1 when on the CPU): where it
    // sits in a device stack holding only the resident experts, in expert order.
    int gpuSlot(int layer, int expert) const;
    int gpuExpertCount(int layer) const;
    int expertCount(int layer) const;                     // 0 for a layer without experts
    const std::vector<bool>& gpuExperts(int layer) const; // bitmap (empty: no experts)
    int layerCount() const { return int(m_experts.size()); }
    bool allOnGpu() const { return m_cpuBytes == 0; }

    uint64_t gpuBytes() const { return m_gpuBytes; }
    uint64_t cpuBytes() const { return m_cpuBytes; }
    uint64_t budgetBytes() const { return m_budget; } // free memory minus the reserve
    // Expected share of expert evaluations the GPU serves: from the usage counts when the plan
    // had them, else with every expert of a layer equally likely.
    double expectedGpuShare() const { return m_gpuShare; }
    int cpuMoeLayers() const { return m_cpuMoeLayers; } // the override in force; -1: automatic

    // Lines for `fabulist-cli info`: totals, then the experts on the GPU per layer.
    std::vector<std::string> describe() const;

private:
    friend ExpertPlacement planExpertPlacement(const PlacementRequest& request);

// Between requests: the experts of the layers not wholly on the GPU chosen again by use, the most
// used of them across those layers first, within the bytes they hold on the GPU now (so nothing
// else moves and the memory stays the same); layers wholly on the GPU and those the --cpu-moe
// override keeps on the CPU stay as they are. Without counts, the plan itself.
ExpertPlacement rebalanceSplitLayers(const ExpertPlacement& plan, const ExpertUsage& usage);
    friend ExpertPlacement rebalanceSplitLayers(const ExpertPlacement& plan,
                                                const ExpertUsage& usage);
    void countBytes(const ExpertUsage* usage); // m_gpuBytes, m_cpuBytes, m_gpuShare
    std::vector<PlacementWeight> m_weights;
    std::vector<std::vector<bool>> m_experts; // [layer][expert]
    uint64_t m_gpuBytes = 0, m_cpuBytes = 0, m_budget = 0;
    double m_gpuShare = 1.0;
    int m_cpuMoeLayers = -1;
    std::string m_refusal;
    int indexOf(std::string_view weightName) const;
};

ExpertPlacement planExpertPlacement(const PlacementRequest& request);

// Between requests: the experts of the layers not wholly on the GPU chosen again by use, the most
// used of them across those layers first, within the bytes they hold on the GPU now (so nothing
// else moves and the memory stays the same); layers wholly on the GPU and those the --cpu-moe
// override keeps on the CPU stay as they are. Without counts, the plan itself.
ExpertPlacement rebalanceSplitLayers(const ExpertPlacement& plan, const ExpertUsage& usage);

} // namespace fabulist::inference
