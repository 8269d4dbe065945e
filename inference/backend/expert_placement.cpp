#include "inference/backend/expert_placement.h"

#include "inference/gguf/gguf_file.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

namespace fabulist::inference {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string mib(uint64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / kMiB);
    return text;
}

// "blk.12.ffn_up_exps.weight" -> 12 and "ffn_up_exps.weight"; -1 and the name otherwise.
std::pair<int, std::string_view> splitBlock(std::string_view name) {
    if (!name.starts_with("blk.")) return {-1, name};
    const size_t dot = name.find('.', 4);
    if (dot == std::string_view::npos || dot == 4) return {-1, name};
    int layer = 0;
    for (char c : name.substr(4, dot - 4)) {
        if (c < '0' || c > '9') return {-1, name};
        layer = layer * 10 + (c - '0');
    }
    return {layer, name.substr(dot + 1)};
}

// One layer's experts as the plan sees them: bytes per expert summed over the layer's stacks.
struct LayerExperts {
    int nExpert = 0;
    uint64_t bytesPerExpert = 0;
};

std::vector<LayerExperts> expertLayers(const std::vector<PlacementWeight>& weights) {
    std::vector<LayerExperts> layers;
    for (const PlacementWeight& w : weights) {
        if (w.kind != WeightKind::ExpertStack || w.layer < 0 || w.nExpert <= 0) continue;
        if (size_t(w.layer) >= layers.size()) layers.resize(size_t(w.layer) + 1);
        LayerExperts& layer = layers[size_t(w.layer)];
        layer.nExpert = std::max(layer.nExpert, w.nExpert);
        layer.bytesPerExpert += w.bytes / uint64_t(w.nExpert);
    }
    return layers;
}

bool isExpertStack(const PlacementWeight& w) {
    return w.kind == WeightKind::ExpertStack && w.layer >= 0 && w.nExpert > 0;
}

std::string refusalText(uint64_t needed, uint64_t free, uint64_t reserved) {
    const uint64_t budget = free > reserved ? free - reserved : 0;
    return "the model's non-expert weights need " + mib(needed) + " of GPU memory but only " +
           mib(budget) + " is left (" + mib(free) + " free, " + mib(reserved) +
           " kept for the KV cache and scratch): " + mib(needed + reserved - free) +
           " missing; use --device vulkan or --device cpu, a shorter context, or a smaller "
           "quant of the model (e.g. Q4_K_M)";
}

// "0-3" or "7".
std::string layerRange(int first, int last) {
    return first == last ? std::to_string(first)
                         : std::to_string(first) + "-" + std::to_string(last);
}

} // namespace

const char* weightKindName(WeightKind kind) {
    switch (kind) {
    case WeightKind::Dense:
        return "dense";
    case WeightKind::Attention:
        return "attention";
    case WeightKind::Embedding:
        return "embedding";
    case WeightKind::Output:
        return "output";
    case WeightKind::ExpertStack:
        return "expert-stack";
    }
    return "dense";
}

PlacementWeight classifyWeight(const GgufTensorInfo& tensor) {
    PlacementWeight w;
    w.name = tensor.name;
    w.bytes = tensor.nbytes;
    const auto [layer, rest] = splitBlock(tensor.name);
    w.layer = layer;
    if (layer < 0) {
        if (rest.starts_with("token_embd"))
            w.kind = WeightKind::Embedding;
        else if (rest.starts_with("output"))
            w.kind = WeightKind::Output;
        return w;
    }
    if (rest.find("_exps.") != std::string_view::npos) {
        w.kind = WeightKind::ExpertStack;
        // Experts are the outermost dimension: ne[2] of a matrix stack, ne[1] of a bias stack.
        w.nExpert = int(tensor.nDims >= 3 ? tensor.ne[2] : tensor.ne[1]);
    } else if (rest.starts_with("attn_")) {
        w.kind = WeightKind::Attention;
    }
    return w;
}

std::vector<PlacementWeight> placementWeights(std::span<const GgufTensorInfo> tensors) {
    std::vector<PlacementWeight> weights;
    weights.reserve(tensors.size());
    for (const GgufTensorInfo& t : tensors) weights.push_back(classifyWeight(t));
    return weights;
}

ExpertUsage::ExpertUsage(int nLayer, int nExpert, double decayFactor)
    : m_nLayer(std::max(nLayer, 0)), m_nExpert(std::max(nExpert, 0)), m_decay(decayFactor),
      m_counts(size_t(m_nLayer) * size_t(m_nExpert), 0.0) {}

void ExpertUsage::record(int layer, std::span<const int32_t> expertIds,
                         const ExpertPlacement* plan) {
    if (layer < 0 || layer >= m_nLayer) return;
    for (int32_t id : expertIds) {
        if (id < 0 || id >= m_nExpert) continue;
        m_counts[size_t(layer) * size_t(m_nExpert) + size_t(id)] += 1.0;
        if (!plan) continue; // no plan in force: nothing to score a hit against
        ++m_routed;
        if (plan->expertOnGpu(layer, id)) ++m_hits;
    }
}

void ExpertUsage::decayBetweenRequests() {
    for (double& c : m_counts) c *= m_decay;
}

double ExpertUsage::count(int layer, int expert) const {
    if (layer < 0 || layer >= m_nLayer || expert < 0 || expert >= m_nExpert) return 0.0;
    return m_counts[size_t(layer) * size_t(m_nExpert) + size_t(expert)];
}

double ExpertUsage::totalCount() const {
    return std::accumulate(m_counts.begin(), m_counts.end(), 0.0);
}

double ExpertUsage::hitRate() const {
    return m_routed ? double(m_hits) / double(m_routed) : 0.0;
}

int ExpertPlacement::indexOf(std::string_view weightName) const {
    for (size_t i = 0; i < m_weights.size(); ++i)
        if (m_weights[i].name == weightName) return int(i);
    return -1;
}

bool ExpertPlacement::onGpu(std::string_view weightName) const {
    const int i = indexOf(weightName);
    if (i < 0 || !ok()) return false;
    const PlacementWeight& w = m_weights[size_t(i)];
    if (!isExpertStack(w)) return true;
    return gpuExpertCount(w.layer) == expertCount(w.layer);
}

bool ExpertPlacement::anyOnGpu(std::string_view weightName) const {
    const int i = indexOf(weightName);
    if (i < 0 || !ok()) return false;
    const PlacementWeight& w = m_weights[size_t(i)];
    return !isExpertStack(w) || gpuExpertCount(w.layer) > 0;
}

bool ExpertPlacement::expertOnGpu(int layer, int expert) const {
    if (layer < 0 || layer >= layerCount()) return false;
    const std::vector<bool>& bits = m_experts[size_t(layer)];
    return expert >= 0 && size_t(expert) < bits.size() && bits[size_t(expert)];
}

int ExpertPlacement::gpuSlot(int layer, int expert) const {
    if (!expertOnGpu(layer, expert)) return -1;
    const std::vector<bool>& bits = m_experts[size_t(layer)];
    return int(std::count(bits.begin(), bits.begin() + expert, true));
}

int ExpertPlacement::gpuExpertCount(int layer) const {
    if (layer < 0 || layer >= layerCount()) return 0;
    const std::vector<bool>& bits = m_experts[size_t(layer)];
    return int(std::count(bits.begin(), bits.end(), true));
}

int ExpertPlacement::expertCount(int layer) const {
    return layer < 0 || layer >= layerCount() ? 0 : int(m_experts[size_t(layer)].size());
}

const std::vector<bool>& ExpertPlacement::gpuExperts(int layer) const {
    static const std::vector<bool> none;
    return layer < 0 || layer >= layerCount() ? none : m_experts[size_t(layer)];
}

std::vector<std::string> ExpertPlacement::describe() const {
    std::vector<std::string> lines;
    if (!ok()) return {"placement: " + m_refusal};
    lines.push_back("placement: " + mib(m_gpuBytes) + " of weights on the GPU, " + mib(m_cpuBytes) +
                    " on the CPU (budget " + mib(m_budget) + ")");
    int total = 0, onGpu = 0;
    for (int l = 0; l < layerCount(); ++l) total += expertCount(l), onGpu += gpuExpertCount(l);
    if (total == 0) return lines;
    if (m_cpuMoeLayers >= 0)
        lines.push_back("override: experts of the first " + std::to_string(m_cpuMoeLayers) +
                        " layers stay on the CPU (--cpu-moe)");
    lines.push_back("experts on the GPU: " + std::to_string(onGpu) + " of " +
                    std::to_string(total));
    // Runs of layers with the same count, e.g. "0-11: 0/128, 12: 40/128, 13-47: 128/128".
    std::string runs;
    for (int l = 0; l < layerCount();) {
        if (expertCount(l) == 0) {
            ++l;
            continue;
        }
        int last = l;
        while (last + 1 < layerCount() && expertCount(last + 1) == expertCount(l) &&
               gpuExpertCount(last + 1) == gpuExpertCount(l))
            ++last;
        if (!runs.empty()) runs += ", ";
        runs += layerRange(l, last) + ": " + std::to_string(gpuExpertCount(l)) + "/" +
                std::to_string(expertCount(l));
        l = last + 1;
    }
    lines.push_back("experts on the GPU per layer: " + runs);
    char share[96];
    std::snprintf(share, sizeof share, "expected share of expert evaluations on the GPU: %.1f %%",
                  100.0 * m_gpuShare);
    lines.push_back(share);
    return lines;
}

namespace {

struct Candidate {
    int layer, expert;
    double count;
};

// The order experts claim the GPU: most used first (when counted), else by layer from the last
// one down, so whole layers go together and at most one layer is split.
void sortByClaim(std::vector<Candidate>& list) {
    std::stable_sort(list.begin(), list.end(), [](const Candidate& a, const Candidate& b) {
        if (a.count != b.count) return a.count > b.count;
        if (a.layer != b.layer) return a.layer > b.layer;
        return a.expert < b.expert;
    });
}

std::vector<Candidate> candidates(const std::vector<LayerExperts>& layers, int firstLayer,
                                  const ExpertUsage* usage) {
    std::vector<Candidate> list;
    for (int l = std::max(firstLayer, 0); l < int(layers.size()); ++l)
        for (int e = 0; e < layers[size_t(l)].nExpert; ++e)
            list.push_back({l, e, usage ? usage->count(l, e) : 0.0});
    sortByClaim(list);
    return list;
}

double expectedShare(const std::vector<std::vector<bool>>& experts, const ExpertUsage* usage) {
    double served = 0.0, all = 0.0;
    for (size_t l = 0; l < experts.size(); ++l) {
        const std::vector<bool>& bits = experts[l];
        if (bits.empty()) continue;
        for (size_t e = 0; e < bits.size(); ++e) {
            // Uniform routing weighs every layer alike: each expert is 1/nExpert of its layer.
            const double w = usage ? usage->count(int(l), int(e)) : 1.0 / double(bits.size());
            all += w;
            if (bits[e]) served += w;
        }
    }
    return all > 0.0 ? served / all : 1.0;
}

} // namespace

ExpertPlacement planExpertPlacement(const PlacementRequest& request) {
    ExpertPlacement plan;
    plan.m_weights = request.weights;
    plan.m_budget = request.gpuFreeBytes > request.reservedBytes
                        ? request.gpuFreeBytes - request.reservedBytes
                        : 0;
    plan.m_cpuMoeLayers = request.cpuMoeLayers ? std::max(*request.cpuMoeLayers, 0) : -1;
    const std::vector<LayerExperts> layers = expertLayers(request.weights);
    plan.m_experts.resize(layers.size());
    for (size_t l = 0; l < layers.size(); ++l)
        plan.m_experts[l].assign(size_t(layers[l].nExpert), false);

    uint64_t dense = 0, total = 0;
    for (const PlacementWeight& w : request.weights) {
        total += w.bytes;
        if (!isExpertStack(w)) dense += w.bytes;
    }
    if (dense > plan.m_budget) {
        plan.m_refusal = refusalText(dense, request.gpuFreeBytes, request.reservedBytes);
        plan.m_cpuBytes = total;
        plan.m_gpuShare = 0.0;
        return plan;
    }

    const ExpertUsage* usage = request.usage && !request.usage->empty() ? request.usage : nullptr;
    uint64_t left = plan.m_budget - dense;
    for (const Candidate& c : candidates(layers, std::max(plan.m_cpuMoeLayers, 0), usage)) {
        const uint64_t cost = layers[size_t(c.layer)].bytesPerExpert;
        if (cost > left) continue; // a cheaper expert of another layer may still fit
        left -= cost;
        plan.m_experts[size_t(c.layer)][size_t(c.expert)] = true;
    }

    plan.countBytes(usage);
    return plan;
}

void ExpertPlacement::countBytes(const ExpertUsage* usage) {
    // Bytes per weight: a stack's share is its bytes times the fraction of resident experts.
    m_gpuBytes = m_cpuBytes = 0;
    for (const PlacementWeight& w : m_weights) {
        uint64_t gpu = w.bytes;
        if (isExpertStack(w)) gpu = w.bytes / uint64_t(w.nExpert) * uint64_t(gpuExpertCount(w.layer));
        m_gpuBytes += gpu;
        m_cpuBytes += w.bytes - gpu;
    }
    m_gpuShare = expectedShare(m_experts, usage);
}

ExpertPlacement rebalanceSplitLayers(const ExpertPlacement& plan, const ExpertUsage& usage) {
    if (!plan.ok() || usage.empty()) return plan;
    const std::vector<LayerExperts> layers = expertLayers(plan.m_weights);
    ExpertPlacement next = plan;
    uint64_t left = 0; // the bytes the open layers' experts hold on the GPU now
    std::vector<Candidate> list;
    for (int l = std::max(plan.m_cpuMoeLayers, 0); l < int(layers.size()); ++l) {
        const int n = plan.expertCount(l);
        if (n == 0 || plan.gpuExpertCount(l) == n) continue; // whole layers stay
        left += layers[size_t(l)].bytesPerExpert * uint64_t(plan.gpuExpertCount(l));
        next.m_experts[size_t(l)].assign(size_t(n), false);
        for (int e = 0; e < n; ++e) list.push_back({l, e, usage.count(l, e)});
    }
    sortByClaim(list);
    for (const Candidate& c : list) {
        const uint64_t cost = layers[size_t(c.layer)].bytesPerExpert;
        if (cost > left) continue;
        left -= cost;
        next.m_experts[size_t(c.layer)][size_t(c.expert)] = true;
    }
    next.countBytes(&usage);
    return next;
}

} // namespace fabulist::inference
