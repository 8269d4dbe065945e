#pragma once
// `info MODEL --device cuda`: where the CUDA backend puts the model's weights (expert placement,
// inference/backend/expert_placement.h), for the CUDA GPU here or, with --gpu-memory MIB, for a
// GPU of that size (so the plan can be seen and tested on a machine without one).

#include "inference/engine/memory_estimate.h"

#include <cstdint>
#include <optional>

namespace fabulist::inference {
class GgufFile;
}

namespace fabulist::cli {

struct GpuPlacementArgs {
    std::optional<uint64_t> gpuMemoryMiB; // --gpu-memory
    std::optional<int> cpuMoeLayers;      // --cpu-moe
};

// Prints the CUDA device (or why there is none) and the placement; returns the exit status:
// 0 when a plan was printed and holds, 1 when it is refused or no GPU size is known.
int printCudaPlacement(const inference::GgufFile& file, const inference::MemoryEstimate& memory,
                       const GpuPlacementArgs& args);

} // namespace fabulist::cli
