#include "inference/engine/memory_estimate.h"

#include "inference/gguf/gguf_file.h"
#include "inference/model/model_config.h"
#include "inference/quant/ggml_type.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <thread>

namespace fabulist::inference {

namespace {

// Libraries, stacks and the allocator's own overhead of a process that runs a model; measured
// as the peak RSS of `fabulist-cli generate` less everything else counted here: 15-18.5 MiB on
// Debian 12 and 20-24 MiB on Debian 13 (newer Qt and libc) with QtNetwork linked for remote
// engines (cli_limits_test on the five reference and default models).
constexpr uint64_t kProcessBytes = 18ull << 20;
// Per vocabulary entry and per merge: the token string, its map entries and lookup tables.
constexpr uint64_t kBytesPerToken = 100;
constexpr uint64_t kBytesPerMerge = 60;

uint64_t tensorDataBytes(const GgufFile& file) {
    uint64_t bytes = 0;
    for (const auto& t : file.tensors()) bytes += t.nbytes;
    return bytes;
}

// The buffers Model and the CPU backend allocate once for batches of `rows` tokens (see
// Model::Model and CpuBackend::reserve; F32 is the widest activation format).
uint64_t scratchBytes(const ModelConfig& c, int rows, int context, int threads) {
    const uint64_t r = uint64_t(rows);
    const uint64_t qDim = uint64_t(c.nHead) * c.headDimK, kDim = uint64_t(c.nHeadKv) * c.headDimK,
                   vDim = uint64_t(c.nHeadKv) * c.headDimV, oDim = uint64_t(c.nHead) * c.headDimV;
    const uint64_t nFf = uint64_t(std::max({c.nFf, c.nFfExpert, c.nFfShared, 1}));
    const uint64_t logitRows =
        std::max<uint64_t>(1, std::min<uint64_t>(r, (64ull << 20) / (uint64_t(c.nVocab) * 4)));
    const uint64_t maxCols = std::max({uint64_t(c.nEmbd), qDim, kDim, vDim, oDim});
    const uint64_t ffRows = r * uint64_t(std::max(1, c.nExpertUsed));
    uint64_t floats =
        r * (3 * uint64_t(c.nEmbd) + qDim + kDim + vDim + oDim + uint64_t(std::max(c.nExpert, 1))) +
        logitRows * uint64_t(c.nVocab);
    floats += ffRows * (nFf + uint64_t(c.nEmbd));            // expert hidden and outputs
    floats += uint64_t(threads) * uint64_t(context) * 3 / 2; // scores (f32) + probs (f16)
    const uint64_t quantized =
        3 * r * ggmlRowBytes(GgmlType::F32, int64_t(std::max(maxCols, nFf))) +
        ffRows * ggmlRowBytes(GgmlType::F32, int64_t(nFf));
    return floats * 4 + quantized + uint64_t(c.nVocab) * 4 * 4; // + session logits and mixes
}

uint64_t tokenizerBytes(const GgufFile& file) {
    uint64_t bytes = 0;
    if (file.has("tokenizer.ggml.tokens"))
        bytes += file.arrayLength("tokenizer.ggml.tokens") * kBytesPerToken;
    if (file.has("tokenizer.ggml.merges"))
        bytes += file.arrayLength("tokenizer.ggml.merges") * kBytesPerMerge;
    return bytes;
}

uint64_t memAvailable() {
    std::ifstream meminfo("/proc/meminfo");
    std::string line;
    while (std::getline(meminfo, line)) {
        if (line.rfind("MemAvailable:", 0) != 0) continue;
        std::istringstream in(line.substr(13));
        uint64_t kib = 0;
        in >> kib;
        return kib * 1024;
    }
    return 0;
}

// A cgroup v2 memory limit (containers, systemd slices) less what the group uses; 0 if none.
uint64_t cgroupRoom() {
    std::ifstream self("/proc/self/cgroup");
    std::string line;
    if (!std::getline(self, line) || line.rfind("0::", 0) != 0) return 0;
    const std::string dir = "/sys/fs/cgroup" + line.substr(3);
    std::ifstream maxFile(dir + "/memory.max"), currentFile(dir + "/memory.current");
    std::string max;
    uint64_t current = 0;
    if (!(maxFile >> max) || max == "max" || !(currentFile >> current)) return 0;
    const uint64_t limit = std::strtoull(max.c_str(), nullptr, 10);
    return limit > current ? limit - current : 1;
}

// RLIMIT_AS (ulimit -v): mappings beyond it fail, whatever the system has free.
uint64_t addressSpaceLimit() {
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
    return uint64_t(limit.rlim_cur);
}

} // namespace

MemoryEstimate estimateMemory(const GgufFile& file, const ModelConfig& c, int contextLength,
                              GgmlType kvType, int batchSize, int threads, bool ring) {
    MemoryEstimate e;
    e.contextLength = contextLength;
    const int nThreads =
        threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));

    e.weights = tensorDataBytes(file);
    e.kvCache = ggmlRowBytes(
        kvType,
        c.kvCacheValues(contextLength, std::max(1, std::min(batchSize, contextLength)), ring));
    e.scratch =
        scratchBytes(c, std::max(1, std::min(batchSize, contextLength)), contextLength, nThreads);
    e.runtime = kProcessBytes + tokenizerBytes(file);
    return e;
}

uint64_t availableMemoryBytes() {
    uint64_t available = memAvailable();
    for (const uint64_t limit : {cgroupRoom(), addressSpaceLimit()})
        if (limit > 0 && (available == 0 || limit < available)) available = limit;
    return available;
}

std::string formatBytes(uint64_t bytes) {
    char text[32];
    if (bytes >= (1ull << 30))
        std::snprintf(text, sizeof text, "%.1f GiB", double(bytes) / double(1ull << 30));
    else
        std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / double(1ull << 20));
    return text;
}

} // namespace fabulist::inference
