#pragma once
// Persistent worker threads for the CPU backend. The calling thread is worker 0 and takes part
// in every job. Between jobs the workers spin for a while (decode issues hundreds of small jobs
// per token, and waking a sleeping thread costs more than the job), then sleep on an atomic
// wait. Dispatching a job allocates nothing: the job is a function pointer plus a context
// pointer to a caller-owned object.

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace fabulist::inference {

class ThreadPool {
public:
    using JobFn = void (*)(void* context, int thread, int threadCount);

    explicit ThreadPool(int threads); // threads >= 1, counting the caller
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threadCount() const { return m_threadCount; }

    // Runs fn(context, t, n) on every thread t in [0, n) and returns when all are done.
    void run(JobFn fn, void* context);

    // Convenience: f(thread, threadCount) on every thread; f lives on the caller's stack.
    template <class F> void run(F& f) {
        run([](void* c, int t, int n) { (*static_cast<F*>(c))(t, n); }, &f);
    }

    // Number of physical cores (distinct core ids in /sys topology), falling back to the
    // number of logical CPUs.
    static int physicalCores();

private:
    void workerLoop(int index);

    int m_threadCount;
    std::vector<std::thread> m_workers;
    JobFn m_fn = nullptr;
    void* m_context = nullptr;
    alignas(64) std::atomic<uint32_t> m_generation{0};
    alignas(64) std::atomic<int> m_pending{0};
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
