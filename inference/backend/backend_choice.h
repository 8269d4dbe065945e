#pragma once
// Which backend runs a model: the writer's preference (Auto, CPU, Vulkan, CUDA) against the
// devices this machine has. Auto takes CUDA (when built), then a Vulkan GPU, discrete before
// integrated, then the CPU; a Vulkan implementation on the CPU (lavapipe, llvmpipe) is slower
// than the CPU backend, so Auto never takes it, while an explicit Vulkan choice may.
#include <cstdint>
#include <string>
#include <vector>

namespace fabulist::inference {

enum class BackendPreference { Auto, Cpu, Vulkan, Cuda };

// A device a GPU backend could use, as its driver names it.
struct ComputeDevice {
    enum class Kind { Discrete, Integrated, Virtual, Other, Cpu };
    std::string backend; // "vulkan"
    std::string name;    // "NVIDIA GeForce RTX 4070", "llvmpipe (LLVM 15.0.6, 256 bits)"
    Kind kind = Kind::Other;
    uint64_t memoryBytes = 0; // device-local memory (VRAM); 0 when unknown
};

struct DeviceList {
    std::vector<ComputeDevice> devices;
    std::string error; // why the devices could not be listed (no driver); empty otherwise
};

// The Vulkan devices (none in a build without Vulkan), without opening any.
DeviceList listComputeDevices();
bool cudaBackendBuilt();

struct BackendChoice {
    std::string device;          // EngineOptions::device: "cpu" or "vulkan"
    bool allowCpuDevice = false; // EngineOptions::allowCpuDevice
    std::string deviceName;      // the GPU Vulkan will pick (empty for the CPU)
    std::string reason;          // why the CPU runs it ("no GPU found"); empty when a GPU does
    uint64_t deviceMemory = 0;   // that GPU's memory (0 for the CPU)
};

BackendChoice chooseBackend(BackendPreference preference, const DeviceList& devices);

const char* preferenceName(BackendPreference preference);      // "auto", "cpu", "vulkan", "cuda"
BackendPreference preferenceFromName(const std::string& name); // unknown: Auto

} // namespace fabulist::inference
