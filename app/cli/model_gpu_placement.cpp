#include "app/cli/model_gpu_placement.h"

#include "inference/backend/backend.h"
#include "inference/backend/backend_choice.h"
#include "inference/backend/expert_placement.h"
#include "inference/gguf/gguf_file.h"

#include <cstdio>

namespace fabulist::cli {

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

// The CUDA GPU's memory, after printing what the backend says of it; 0 (and the reason) when
// there is none.
uint64_t printCudaDevice() {
    const std::string reason = inference::cudaUnavailableReason();
    if (!reason.empty()) {
        std::printf("cuda device:    none: %s\n", reason.c_str());
        return 0;
    }
    for (const inference::ComputeDevice& d : inference::listComputeDevices().devices)
        if (d.backend == "cuda") {
            std::printf("cuda device:    %s, %.1f MiB\n", d.name.c_str(),
                        double(d.memoryBytes) / double(kMiB));
            return d.memoryBytes;
        }
    return 0;
}

} // namespace

int printCudaPlacement(const inference::GgufFile& file, const inference::MemoryEstimate& memory,
                       const GpuPlacementArgs& args) {
    const uint64_t deviceBytes = printCudaDevice();
    const uint64_t gpuBytes = args.gpuMemoryMiB ? *args.gpuMemoryMiB * kMiB : deviceBytes;
    if (gpuBytes == 0) {
        std::printf("placement:      unknown without a GPU; --gpu-memory MIB shows it for a GPU "
                    "of that size\n");
        return 1;
    }
    inference::PlacementRequest request;
    request.weights = inference::placementWeights(file.tensors());
    request.gpuFreeBytes = gpuBytes;
    // The session's cache and buffers, and what the CUDA backend adds at run time.
    request.reservedBytes = memory.kvCache + memory.scratch + inference::kCudaRuntimeReserveBytes;
    request.cpuMoeLayers = args.cpuMoeLayers;
    const inference::ExpertPlacement plan = inference::planExpertPlacement(request);
    std::printf("GPU memory:     %.1f MiB%s, %.1f MiB kept for the KV cache and buffers\n",
                double(gpuBytes) / double(kMiB),
                args.gpuMemoryMiB ? " (--gpu-memory)"
                                  : " (the device's total; a load plans with what is free then)",
                double(request.reservedBytes) / double(kMiB));
    for (const std::string& line : plan.describe()) std::printf("%s\n", line.c_str());
    return plan.ok() ? 0 : 1;
}

} // namespace fabulist::cli
