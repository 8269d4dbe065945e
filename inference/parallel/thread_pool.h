#pragma once
// Persistent worker threads (the CPU backend's, the head trainer's). The calling thread takes
// part in every job. A job is split into chunks that threads claim one at a time from a shared
// atomic word; the caller returns when every chunk is done. Claiming (rather than giving each
// thread a fixed share) keeps a busy machine from stalling us: a worker that is descheduled simply
// claims nothing and the others do its share. Between jobs the workers spin for a while (decode
// issues hundreds of small jobs per token), then yield, then sleep on an atomic wait. Dispatching a
// job allocates nothing: it is a function pointer plus a pointer to a caller-owned object.

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace fabulist::inference {

class ThreadPool {
public:
    // fn(context, chunk, chunkCount, thread): thread in [0, threadCount) identifies per-thread
    // scratch; two chunks never run on the same thread at the same time.
    using JobFn = void (*)(void* context, int chunk, int chunkCount, int thread);

    explicit ThreadPool(int threads); // threads >= 1, counting the caller
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threadCount() const { return m_threadCount; }

    // Runs fn for every chunk in [0, chunks) and returns when all are done. chunks <= 2^20.
    void run(JobFn fn, void* context, int chunks);

    // Convenience: f(chunk, chunkCount, thread); f lives on the caller's stack. The default
    // chunk count gives every thread two chunks.
    template <class F> void run(F& f, int chunks = 0) {
        run([](void* c, int chunk, int n, int t) { (*static_cast<F*>(c))(chunk, n, t); }, &f,
            chunks > 0 ? chunks : 2 * m_threadCount);
    }

    // Inside a job: waits until counter >= target (spin briefly, then yield the core, as the
    // pool's own waits do). For jobs with phases: every item of a phase is claimed and counted
    // when done, and threads wait for the count before claiming from the next phase.
    static void waitUntil(const std::atomic<int>& counter, int target);

    // Number of physical cores (distinct core ids in /sys topology), falling back to the
    // number of logical CPUs.
    static int physicalCores();

private:
    void workerLoop(int index);
    void claimChunks(uint32_t generation, int thread);

    int m_threadCount;
    std::vector<std::thread> m_workers;
    JobFn m_fn = nullptr;
    void* m_context = nullptr;
    uint32_t m_runs = 0;
    // generation (24 bits) | chunk count (20 bits) | next unclaimed chunk (20 bits): one word so
    // that a claim can never mix up two jobs.
    alignas(64) std::atomic<uint64_t> m_state{0};
    alignas(64) std::atomic<uint32_t> m_wake{0}; // bumped per job; workers wait on it
    alignas(64) std::atomic<int> m_done{0};
    alignas(64) std::atomic<int> m_sleepers{0};
    std::atomic<bool> m_stop{false};
};

// Splits [0, n) into `parts` nearly equal contiguous ranges; returns range `part`.
inline void splitRange(int64_t n, int part, int parts, int64_t& begin, int64_t& end) {
    const int64_t base = n / parts, extra = n % parts;
    begin = part * base + (part < extra ? part : extra);
    end = begin + base + (part < extra ? 1 : 0);
}

} // namespace fabulist::inference
