// fabulist-membw: measures main-memory read bandwidth with N threads (default 2), the ceiling
// for matrix-vector decoding, which streams every active weight once per token. Not a test:
// it prints GB/s so that decode speed can be expressed as a fraction of this roofline.
//
// usage: fabulist-membw [THREADS] [MIB] [REPETITIONS]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

namespace {

// Sums 64-bit words with 8 independent accumulators so the loop is bound by loads, not by
// the add latency; the compiler vectorizes it.
uint64_t sumWords(const uint64_t* p, size_t n) {
    uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k) a[k] += p[i + size_t(k)];
    for (; i < n; ++i) a[0] += p[i];
    uint64_t s = 0;
    for (uint64_t v : a) s += v;
    return s;
}

} // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2;
    const size_t mib = argc > 2 ? size_t(std::max(64, std::atoi(argv[2]))) : 1024;
    const int reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 10;
    const size_t words = mib * 1024 * 1024 / sizeof(uint64_t);
    std::unique_ptr<uint64_t[]> buffer(new uint64_t[words]);
    // Touch every page (and give the words distinct values) before timing.
    for (size_t i = 0; i < words; ++i) buffer[i] = i * 0x9E3779B97F4A7C15ull;

    std::vector<double> rates;
    volatile uint64_t sink = 0;
    for (int r = 0; r < reps; ++r) {
        std::vector<uint64_t> partial(size_t(threads), 0);
        auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                size_t begin = words * size_t(t) / size_t(threads);
                size_t end = words * size_t(t + 1) / size_t(threads);
                partial[size_t(t)] = sumWords(buffer.get() + begin, end - begin);
            });
        for (auto& th : pool) th.join();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (uint64_t p : partial) sink = sink + p;
        rates.push_back(double(words * sizeof(uint64_t)) / s / 1e9);
    }
    std::sort(rates.begin(), rates.end());
    std::printf("{\"threads\": %d, \"buffer_mib\": %zu, \"repetitions\": %d, "
                "\"read_gb_per_s_best\": %.2f, \"read_gb_per_s_median\": %.2f}\n",
                threads, mib, reps, rates.back(), rates[rates.size() / 2]);
    return sink == 42 ? 1 : 0;
}
