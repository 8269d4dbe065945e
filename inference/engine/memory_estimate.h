#pragma once
// How much memory a model takes to run, before it is loaded: the mapped weights, the KV cache
// for the working context, the work buffers the forward pass allocates, and the tokenizer and
// process. Engine::load refuses a model that would not fit what the system has available, and
// `fabulist-cli info` prints the same numbers.

#include "inference/quant/ggml_type.h"

#include <cstdint>
#include <string>

namespace fabulist::inference {

class GgufFile;
struct ModelConfig;

// The working context when none is asked for: the model's trained context up to this many
// tokens (a KV cache for a 131,072-token trained context would take gigabytes it rarely uses).
inline constexpr int kDefaultWorkingContext = 4096;

struct MemoryEstimate {
    uint64_t weights = 0; // the model file's tensor data (memory-mapped, read while running)
    uint64_t kvCache = 0; // K and V for every position of the working context
    uint64_t scratch = 0; // activations, logits, quantized activations, attention rows
    uint64_t runtime = 0; // tokenizer tables, libraries, stacks
    int contextLength = 0;
    uint64_t total() const { return weights + kvCache + scratch + runtime; }
};

// For the CPU backend with `threads` threads (0 = physical cores) and prompt batches of
// batchSize tokens.
// ring: sliding-window layers keep only their window plus a batch (EngineOptions::
// slidingWindowRing on a backend with rings).
MemoryEstimate estimateMemory(const GgufFile& file, const ModelConfig& config, int contextLength,
                              GgmlType kvType, int batchSize, int threads, bool ring = false);

// What this process may still use: MemAvailable from /proc/meminfo, lowered by a cgroup v2
// memory limit and by RLIMIT_AS (ulimit -v) where those are set; 0 when unknown.
uint64_t availableMemoryBytes();

// "1.2 GiB" / "340 MiB".
std::string formatBytes(uint64_t bytes);

} // namespace fabulist::inference
