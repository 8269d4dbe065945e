#include "inference/backend/cpu/thread_pool.h"

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
// between polls (when the machine is oversubscribed a spinning thread would otherwise steal the
// timeslice of the very thread it waits for), and workers finally sleep on the atomic.
constexpr int kBusySpins = 4000;
constexpr int kYieldSpins = 20000;

} // namespace

ThreadPool::ThreadPool(int threads) : m_threadCount(threads < 1 ? 1 : threads) {
    m_workers.reserve(m_threadCount - 1);
    for (int i = 1; i < m_threadCount; ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
    m_stop.store(true);
    m_generation.fetch_add(1);
    m_generation.notify_all();
    for (auto& w : m_workers) w.join();
}

void ThreadPool::run(JobFn fn, void* context) {
    if (m_threadCount == 1) {
        fn(context, 0, 1);
        return;
    }
    m_fn = fn;
    m_context = context;
    m_pending.store(m_threadCount - 1, std::memory_order_relaxed);
    // seq_cst on both sides (here and in workerLoop) so that either we see the sleeper or it
    // sees the new generation.
    m_generation.fetch_add(1);
    if (m_sleepers.load() > 0) m_generation.notify_all();
    fn(context, 0, m_threadCount);
    while (m_pending.load(std::memory_order_acquire) != 0) cpuRelax();
}

void ThreadPool::workerLoop(int index) {
    uint32_t seen = 0;
    for (;;) {
        uint32_t gen = m_generation.load(std::memory_order_acquire);
        for (int spin = 0; gen == seen && spin < kBusySpins + kYieldSpins; ++spin) {
            if (spin < kBusySpins)
                cpuRelax();
            else
                std::this_thread::yield();
            gen = m_generation.load(std::memory_order_acquire);
        }
        if (gen == seen) {
            m_sleepers.fetch_add(1);
            // Re-check after announcing ourselves: run() may have bumped the generation before
            // it could see us as a sleeper.
            gen = m_generation.load();
            while (gen == seen) {
                m_generation.wait(seen, std::memory_order_acquire);
                gen = m_generation.load(std::memory_order_acquire);
            }
            m_sleepers.fetch_sub(1, std::memory_order_acq_rel);
        }
        seen = gen;
        if (m_stop.load(std::memory_order_acquire)) return;
        m_fn(m_context, index, m_threadCount);
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
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
