#include "inference/engine/memory_bandwidth.h"

#include "inference/parallel/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace fabulist::inference {

namespace {

constexpr const char* kCacheFile = "memory-bandwidth.txt";

// Eight independent accumulators: the loop is bound by loads, not by the add latency.
uint64_t sumWords(const uint64_t* p, size_t n) {
    uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t k = 0; k < 8; ++k) a[k] += p[i + k];
    for (; i < n; ++i) a[0] += p[i];
    uint64_t s = 0;
    for (uint64_t v : a) s += v;
    return s;
}

std::string envOrEmpty(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

// "cpu=...", "threads=2", "gb_per_s=60.7": one key per line, so a CPU name may hold anything.
BandwidthMeasurement readCache(const std::string& path) {
    BandwidthMeasurement m;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "cpu") m.cpu = value;
        if (key == "threads") m.threads = std::atoi(value.c_str());
        if (key == "gb_per_s") m.gbPerSecond = std::strtod(value.c_str(), nullptr);
    }
    return m;
}

void writeCache(const std::string& dir, const BandwidthMeasurement& m) {
    std::error_code ignored;
    std::filesystem::create_directories(dir, ignored);
    std::ofstream out(dir + "/" + kCacheFile, std::ios::trunc);
    out.precision(17); // the value read back is the value measured
    out << "cpu=" << m.cpu << "\nthreads=" << m.threads << "\ngb_per_s=" << m.gbPerSecond << "\n";
}

} // namespace

double measureReadBandwidth(int threads, int mib, int repetitions) {
    threads = std::max(1, threads);
    const size_t words = size_t(std::max(16, mib)) * 1024 * 1024 / sizeof(uint64_t);
    std::unique_ptr<uint64_t[]> buffer(new uint64_t[words]);
    for (size_t i = 0; i < words; ++i) buffer[i] = i * 0x9E3779B97F4A7C15ull; // every page
    double best = 0.0;
    volatile uint64_t sink = 0;
    for (int r = 0; r < std::max(1, repetitions); ++r) {
        std::vector<uint64_t> partial(size_t(threads), 0);
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&, t] {
                const size_t begin = words * size_t(t) / size_t(threads);
                const size_t end = words * size_t(t + 1) / size_t(threads);
                partial[size_t(t)] = sumWords(buffer.get() + begin, end - begin);
            });
        for (auto& th : pool) th.join();
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (uint64_t p : partial) sink = sink + p;
        best = std::max(best, double(words * sizeof(uint64_t)) / s / 1e9);
    }
    return best;
}

std::string cpuModelName() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const size_t colon = line.find(':');
        if (colon == std::string::npos) break;
        const size_t start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? std::string() : line.substr(start);
    }
    return {};
}

std::string defaultCacheDir() {
    const std::string xdg = envOrEmpty("XDG_CACHE_HOME");
    if (!xdg.empty()) return xdg + "/fabulist";
    const std::string home = envOrEmpty("HOME");
    return home.empty() ? std::string() : home + "/.cache/fabulist";
}

BandwidthMeasurement cachedReadBandwidth(const std::string& cacheDir, int threads) {
    if (threads <= 0) threads = ThreadPool::physicalCores();
    const std::string cpu = cpuModelName();
    if (!cacheDir.empty()) {
        BandwidthMeasurement cached = readCache(cacheDir + "/" + kCacheFile);
        if (cached.cpu == cpu && cached.threads == threads && cached.gbPerSecond > 0.0) {
            cached.fromCache = true;
            return cached;
        }
    }
    BandwidthMeasurement m{cpu, threads, measureReadBandwidth(threads), false};
    if (!cacheDir.empty()) writeCache(cacheDir, m);
    return m;
}

} // namespace fabulist::inference
