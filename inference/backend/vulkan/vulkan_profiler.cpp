#include "inference/backend/vulkan/vulkan_profiler.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

namespace fabulist::inference::vulkan {

namespace {

constexpr uint32_t kCounts = 1u << 31;

uint32_t key(OpKind kind, GgmlType type) {
    return (uint32_t(kind) << 16) | uint32_t(type);
}

std::string kindName(uint32_t k) {
    const auto kind = OpKind((k >> 16) & 0xFF);
    const auto type = GgmlType(k & 0xFFFF);
    auto typed = [&](const char* op) {
        std::string name(ggmlTypeTraits(type).name);
        for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
        return std::string(op) + " " + name;
    };
    switch (kind) {
    case OpKind::Matmul:
        return typed("matmul");
    case OpKind::MoeMatmul:
        return typed("moe_matmul");
    case OpKind::ActRound:
        return typed("act_round");
    case OpKind::RmsNorm:
        return "rms_norm";
    case OpKind::Rope:
        return "rope";
    case OpKind::StoreKv:
        return "store_kv";
    case OpKind::Attention:
        return "attention";
    case OpKind::MoeTopK:
        return "moe_topk";
    case OpKind::MoeSum:
        return "moe_sum";
    case OpKind::Swiglu:
        return "swiglu";
    case OpKind::Softmax:
        return "softmax";
    case OpKind::Add:
        return "add";
    case OpKind::Axpy:
        return "axpy";
    case OpKind::HeadMix:
        return "head_mix";
    case OpKind::Copy:
        return "copy";
    case OpKind::Scale:
        return "scale";
    }
    return "op " + std::to_string(k);
}

} // namespace

bool VulkanProfiler::enabledByEnvironment() {
    const char* v = std::getenv("FABULIST_VULKAN_PROFILE");
    return v && std::strcmp(v, "1") == 0;
}

VulkanProfiler::VulkanProfiler(VulkanDevice& device) : m_device(device) {
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(device.physicalDevice(), &props);
    m_period = double(props.limits.timestampPeriod);
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(device.physicalDevice(), &n, nullptr);
    std::vector<VkQueueFamilyProperties> families(n);
    vkGetPhysicalDeviceQueueFamilyProperties(device.physicalDevice(), &n, families.data());
    m_validBits = device.queueFamily() < n ? families[device.queueFamily()].timestampValidBits : 0;
    if (m_validBits == 0) {
        m_reason = "the compute queue of " + device.name() + " has no timestamps";
    } else if (!(m_period > 0.0)) {
        m_reason = device.name() + " reports a timestamp period of 0";
    } else {
        VkQueryPoolCreateInfo ci{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
        ci.queryType = VK_QUERY_TYPE_TIMESTAMP;
        ci.queryCount = kQueries;
        vkCheck(vkCreateQueryPool(device.device(), &ci, nullptr, &m_pool), "vkCreateQueryPool");
        m_marks.resize(kQueries);
        m_stamps.resize(kQueries);
    }
}

VulkanProfiler::~VulkanProfiler() {
    if (m_pool) vkDestroyQueryPool(m_device.device(), m_pool, nullptr);
}

void VulkanProfiler::start() {
    if (m_pool) m_used = 1;
}

uint32_t VulkanProfiler::note(OpKind kind, GgmlType type, bool countsAsOp) {
    if (!m_pool || m_used == 0 || m_used >= kQueries) return kNoQuery;
    m_marks[m_used] = key(kind, type) | (countsAsOp ? kCounts : 0u);
    return m_used++;
}

void VulkanProfiler::recordStart(VkCommandBuffer cmd) const {
    if (!m_pool) return;
    vkCmdResetQueryPool(cmd, m_pool, 0, kQueries);
    vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, m_pool, 0);
}

void VulkanProfiler::recordStamp(VkCommandBuffer cmd, uint32_t query) const {
    // Written once everything recorded before it has finished: the end of the noted op.
    if (m_pool && query < kQueries)
        vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, m_pool, query);
}

bool VulkanProfiler::full() const {
    return m_pool && m_used + 2 > kQueries;
}

void VulkanProfiler::collect() {
    if (!m_pool || m_used < 2) {
        m_used = 0;
        return;
    }
    const VkResult r = vkGetQueryPoolResults(
        m_device.device(), m_pool, 0, m_used, size_t(m_used) * sizeof(uint64_t), m_stamps.data(),
        sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    const uint32_t used = m_used;
    m_used = 0;
    vkCheck(r, "reading timestamp queries");
    const uint64_t mask = m_validBits >= 64 ? ~uint64_t(0) : (uint64_t(1) << m_validBits) - 1;
    for (uint32_t i = 1; i < used; ++i) {
        // Masked difference: correct across one wrap of a narrow counter.
        const uint64_t ticks = (m_stamps[i] - m_stamps[i - 1]) & mask;
        Total& t = m_totals[m_marks[i] & ~kCounts];
        t.ns += uint64_t(double(ticks) * m_period + 0.5);
        t.count += (m_marks[i] & kCounts) ? 1 : 0;
    }
}

std::vector<OpTiming> VulkanProfiler::toTimings(const Totals& totals) {
    std::vector<OpTiming> out;
    double total = 0.0;
    for (const auto& [k, t] : totals) {
        out.push_back({kindName(k), double(t.ns) / 1e6, t.count, 0.0});
        total += out.back().totalMs;
    }
    for (auto& o : out) o.share = total > 0.0 ? o.totalMs / total : 0.0;
    std::sort(out.begin(), out.end(),
              [](const OpTiming& a, const OpTiming& b) { return a.totalMs > b.totalMs; });
    return out;
}

std::vector<OpTiming> VulkanProfiler::timings() const {
    return toTimings(m_totals);
}

void VulkanProfiler::reset() {
    m_totals.clear();
}

} // namespace fabulist::inference::vulkan
