#pragma once
// Will a model fit this machine, and how fast would it write? Memory needed (the engine's own
// accounting, estimateMemory) against the RAM the system has, and the expected decode speed:
// decoding streams every active weight once per token, so it runs at
//     tokens/s = efficiency x read bandwidth / bytes read per token
// with the bandwidth measured once on this machine (memory_bandwidth.h). For a catalog entry
// (not downloaded) the same from the catalog's numbers.

#include "inference/quant/ggml_type.h"

#include <cstdint>
#include <string>

namespace fabulist::inference {

class GgufFile;
struct ModelConfig;

// The CPU backend's decode reaches this fraction of the measured read bandwidth (the roofline)
// on models far larger than the caches: 0.51 in the README's granite-1b-a400m Q4_K_M bench (60.7
// GB/s machine state) and 0.50 here again at 24.9 GB/s (tests/bench/fit-estimate.sh compares
// the estimate with `bench`). Dequantizing and the per-token work (norms, attention, routing, thread hand-offs)
// take the rest.
inline constexpr double kCpuDecodeEfficiency = 0.5;

// What running a model takes, from its file or from a catalog's numbers.
struct ModelFootprint {
    uint64_t memoryBytes = 0;   // weights + KV cache at the context + buffers + runtime
    uint64_t bytesPerToken = 0; // weights one decode step reads (active experts only)
    uint64_t kvBytesPerToken = 0;
    int contextLength = 0;
};

struct MachineMemory {
    uint64_t total = 0;     // MemTotal
    uint64_t available = 0; // availableMemoryBytes(): MemAvailable, cgroup and ulimit -v
    std::string gpuName;    // the GPU the Auto backend would run on (empty: the CPU)
    uint64_t gpuBytes = 0;  // its memory (VRAM)
};
// This machine's RAM, and the GPU Auto would choose (backend_choice.h) with its memory.
MachineMemory machineMemory();

struct FitEstimate {
    uint64_t needed = 0;
    uint64_t available = 0;
    uint64_t total = 0;
    bool fits = false;
    double bandwidthGbPerSecond = 0.0;
    double tokensPerSecond = 0.0; // 0 when the bandwidth is unknown
    std::string gpuName;          // as MachineMemory; the whole model must fit its memory
    uint64_t gpuBytes = 0;
    bool fitsGpu = false;
};

// `depth`: tokens already in the context when decoding (each decode step also reads their K/V).
FitEstimate estimateFit(const ModelFootprint& footprint, const MachineMemory& memory,
                        double bandwidthGbPerSecond, int depth = 0);

// Weight bytes one decode step reads: every matrix but the embedding table (one row; the
// whole of a tied one, which is also the output), and `expertsUsed` of the experts (0: the
// file's expert_used_count).
uint64_t activeWeightBytesPerToken(const GgufFile& file, int nExpert, int expertsUsed);

// From a model file, with the working context `contextLength` (estimateMemory's numbers).
ModelFootprint footprintOfFile(const GgufFile& file, const ModelConfig& config, int contextLength,
                               GgmlType kvType = GgmlType::F16, int threads = 0);

// From a catalog's numbers: weights read per token in proportion to the active parameters.
ModelFootprint footprintFromNumbers(uint64_t fileBytes, double parameters, double activeParameters,
                                    uint64_t kvBytesPerToken, int contextLength);

// "fits: 14.2 GiB of 22.1 GiB" / "too big: 40.3 GiB, 22.1 GiB free" / "needs 1.2 GiB", and
// with a GPU "; GPU: fits its 12.0 GiB" / "; GPU: too big for its 8.0 GiB (runs on the CPU)".
std::string describeFit(const FitEstimate& fit);

} // namespace fabulist::inference
