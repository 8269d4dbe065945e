#pragma once
// Per-op device time from timestamp queries. VulkanOps writes one timestamp when a command
// buffer starts and one after each op it records (ops are serialised by barriers, so the gap
// between two stamps is the op's time on the device); after the submission completes, collect()
// reads the stamps and adds each gap to its op kind. Kinds are a small enum plus the weight or
// rounding type, so marking an op never allocates.
//
// Honours the device's limits: timestamps are masked to the queue family's timestampValidBits
// (a counter narrower than 64 bits wraps) and scaled by timestampPeriod (ns per tick). A queue
// family with timestampValidBits = 0 has no timestamps: the profiler then records nothing and
// says why (unsupportedReason()).
//
// Profiling is on when VulkanDeviceOptions::profile is set or FABULIST_VULKAN_PROFILE=1; the
// backend hands the totals out through Backend::profile().

#include "inference/backend/backend.h"
#include "inference/backend/vulkan/vulkan_device.h"
#include "inference/quant/ggml_type.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fabulist::inference::vulkan {

enum class OpKind : uint8_t {
    Matmul,    // + weight type
    MoeMatmul, // + weight type
    ActRound,  // + vec-dot type
    RmsNorm,
    Rope,
    StoreKv,
    Attention,
    MoeTopK,
    MoeSum,
    Swiglu,
    Softmax,
    Add,
    Axpy,
    HeadMix,
    Copy,
    Scale,
};

class VulkanProfiler {
public:
    explicit VulkanProfiler(VulkanDevice& device);
    ~VulkanProfiler();
    VulkanProfiler(const VulkanProfiler&) = delete;
    VulkanProfiler& operator=(const VulkanProfiler&) = delete;

    static bool enabledByEnvironment(); // FABULIST_VULKAN_PROFILE=1

    bool supported() const { return m_pool != VK_NULL_HANDLE; }
    const std::string& unsupportedReason() const { return m_reason; }
    double nsPerTick() const { return m_period; }
    uint32_t validBits() const { return m_validBits; }

    // Host side, while ops are noted (no-ops when unsupported): start() opens a submission's
    // stamps; note() ends an op of `kind` (type: the op's weight/rounding type, else F32;
    // countsAsOp false for the part of an op cut off by a submission) and returns the query to
    // stamp, or kNoQuery. full(): flush before the next op.
    static constexpr uint32_t kNoQuery = UINT32_MAX;
    void start();
    uint32_t note(OpKind kind, GgmlType type, bool countsAsOp);
    bool full() const;
    // Recording into a command buffer (replayed as often as it is submitted): the query reset
    // plus the first stamp, and the stamp of one noted op.
    void recordStart(VkCommandBuffer cmd) const;
    void recordStamp(VkCommandBuffer cmd, uint32_t query) const;
    // After the submission that holds the stamps has completed: adds them to the totals.
    void collect();

    std::vector<OpTiming> timings() const; // sorted by total time, largest first
    void reset();

private:
    struct Total {
        uint64_t ns = 0;
        int64_t count = 0;
    };
    using Totals = std::map<uint32_t, Total>;
    static std::vector<OpTiming> toTimings(const Totals& totals);
    static constexpr uint32_t kQueries = 4096;

    VulkanDevice& m_device;
    VkQueryPool m_pool = VK_NULL_HANDLE;
    std::string m_reason;
    double m_period = 1.0;
    uint32_t m_validBits = 0;
    uint32_t m_used = 0;            // stamps noted since start()
    std::vector<uint32_t> m_marks;  // per stamp after the first: kind key, bit 31 = counts
    std::vector<uint64_t> m_stamps; // read-back scratch
    Totals m_totals;
};

} // namespace fabulist::inference::vulkan
