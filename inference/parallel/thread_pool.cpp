#include "inference/parallel/thread_pool.h"

#include <fstream>
#include <set>
#include <string>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace fabulist::inference {

namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}

// Waiting strategy (workers between jobs, the caller for stragglers): busy-spin briefly (the gap
// between two ops of a forward pass is microseconds), then keep polling but yield the core
// between polls (on an oversubscribed machine a spinning thread would otherwise steal the
// timeslice of the very thread it waits for), and workers finally sleep on the atomic.
constexpr int kBusySpins = 1000;
constexpr int kYieldSpins = 20000;

constexpr int kChunkBits = 20;
constexpr uint64_t kChunkMask = (uint64_t(1) << kChunkBits) - 1;

inline uint32_t generationOf(uint64_t s) {
    return uint32_t(s >> (2 * kChunkBits));
}
inline uint32_t countOf(uint64_t s) {
    return uint32_t((s >> kChunkBits) & kChunkMask);
}
inline uint32_t nextOf(uint64_t s) {
    return uint32_t(s & kChunkMask);
}

} // namespace

ThreadPool::ThreadPool(int threads) : m_threadCount(threads < 1 ? 1 : threads) {
    m_workers.reserve(size_t(m_threadCount - 1));
    for (int i = 1; i < m_threadCount; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    m_stop.store(true);
    m_wake.fetch_add(1);
    m_wake.notify_all();
    for (auto& w : m_workers) w.join();
}

void ThreadPool::claimChunks(uint32_t generation, int thread) {
    uint64_t s = m_state.load(std::memory_order_acquire);
    for (;;) {
        if (generationOf(s) != generation || nextOf(s) >= countOf(s)) return;
        // A successful claim pins the job: the caller cannot publish the next one before this
        // chunk is done, so m_fn and m_context are this job's.
        if (m_state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
            m_fn(m_context, int(nextOf(s)), int(countOf(s)), thread);
            m_done.fetch_add(1, std::memory_order_acq_rel);
            s = m_state.load(std::memory_order_acquire);
        }
    }
}

void ThreadPool::run(JobFn fn, void* context, int chunks) {
    if (chunks <= 0) return;
    if (m_threadCount == 1 || chunks == 1) {
        for (int c = 0; c < chunks; ++c) fn(context, c, chunks, 0);
        return;
    }
    m_fn = fn;
    m_context = context;
    m_done.store(0, std::memory_order_relaxed);
    const uint32_t generation = ++m_runs & 0xffffff;
    m_state.store((uint64_t(generation) << (2 * kChunkBits)) | (uint64_t(chunks) << kChunkBits));
    // seq_cst here and in workerLoop: either we see the sleeper or it sees the new job.
    m_wake.fetch_add(1);
    if (m_sleepers.load() > 0) m_wake.notify_all();
    claimChunks(generation, 0);
    for (int spin = 0; m_done.load(std::memory_order_acquire) != chunks; ++spin) {
        if (spin < kBusySpins)
            cpuRelax();
        else
            std::this_thread::yield();
    }
}

void ThreadPool::workerLoop(int index) {
    uint32_t seen = 0;
    for (;;) {
        uint32_t wake = m_wake.load(std::memory_order_acquire);
        for (int spin = 0; wake == seen && spin < kBusySpins + kYieldSpins; ++spin) {
            if (spin < kBusySpins)
                cpuRelax();
            else
                std::this_thread::yield();
            wake = m_wake.load(std::memory_order_acquire);
        }
        if (wake == seen) {
            m_sleepers.fetch_add(1);
            wake = m_wake.load();
            while (wake == seen) {
                m_wake.wait(seen);
                wake = m_wake.load();
            }
            m_sleepers.fetch_sub(1);
        }
        seen = wake;
        if (m_stop.load(std::memory_order_acquire)) return;
        claimChunks(generationOf(m_state.load(std::memory_order_acquire)), index);
    }
}

void ThreadPool::waitUntil(const std::atomic<int>& counter, int target) {
    for (int spin = 0; counter.load(std::memory_order_acquire) < target; ++spin) {
        if (spin < kBusySpins)
            cpuRelax();
        else
            std::this_thread::yield();
    }
}

int ThreadPool::physicalCores() {
    std::set<std::pair<std::string, std::string>> cores;
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    for (long cpu = 0; cpu < cpus; ++cpu) {
        const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        std::ifstream pkg(base + "physical_package_id"), core(base + "core_id");
        std::string p, c;
        if (!(pkg >> p) || !(core >> c)) continue;
        cores.insert({p, c});
    }
    if (!cores.empty()) return static_cast<int>(cores.size());
    return cpus > 0 ? static_cast<int>(cpus) : 1;
}

} // namespace fabulist::inference
