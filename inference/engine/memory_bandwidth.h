#pragma once
// This machine's main-memory read bandwidth: the ceiling of decoding, which streams every active
// weight once per token. Measured once (a fraction of a second) and cached with the CPU's model
// name and the thread count, so a new machine or another thread count measures again.

#include <string>

namespace fabulist::inference {

struct BandwidthMeasurement {
    std::string cpu; // /proc/cpuinfo "model name" ("" when unknown)
    int threads = 0;
    double gbPerSecond = 0.0; // best of the repetitions (10^9 bytes per second)
    bool fromCache = false;
};

// Sums `mib` MiB with `threads` threads `repetitions` times (after touching every page) and
// returns the best rate, as tests/bench/memory_bandwidth.cpp does.
double measureReadBandwidth(int threads, int mib = 512, int repetitions = 8);

// The CPU's model name from /proc/cpuinfo; empty when it is not there.
std::string cpuModelName();

// $XDG_CACHE_HOME/fabulist, else $HOME/.cache/fabulist (empty when neither is set).
std::string defaultCacheDir();

// The bandwidth cached in `cacheDir`/memory-bandwidth.txt when it was measured on this CPU
// with `threads` threads; otherwise measures it and writes the cache (a cache that cannot be
// written only costs a measurement next time). threads 0 = the engine's default (cores).
BandwidthMeasurement cachedReadBandwidth(const std::string& cacheDir, int threads = 0);

} // namespace fabulist::inference
