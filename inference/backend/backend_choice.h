#pragma once
// Which backend runs a model: the writer's preference (Auto, CPU, Vulkan, CUDA) against the
// devices this machine has. Auto takes a CUDA GPU (when built and one is usable), then a Vulkan GPU, discrete before
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
    std::string backend; // "vulkan" or "cuda"
    std::string name;    // "NVIDIA GeForce RTX 4070", "llvmpipe (LLVM 15.0.6, 256 bits)"
    Kind kind = Kind::Other;
    uint64_t memoryBytes = 0; // device-local memory (VRAM); 0 when unknown
};

struct DeviceList {
    std::vector<ComputeDevice> devices;
    std::string error; // why the devices could not be listed (no driver); empty otherwise
    // Why no "cuda" device is listed in a build with CUDA ("no NVIDIA driver (...)"); empty when
    // one is, in a build without CUDA, or in a hand-made list.
    std::string cudaReason;
};

// The CUDA GPU (when usable) and the Vulkan devices (none in a build without Vulkan), without
// opening any.
DeviceList listComputeDevices();
bool cudaBackendBuilt();
// Why the CUDA backend cannot run here: "not built" in a build without it, else the device
// probe's reason ("no NVIDIA driver (libcuda.so.1 not found); ..."); empty when it can run.
std::string cudaUnavailableReason();

struct BackendChoice {
    std::string device;          // EngineOptions::device: "cpu", "vulkan" or "cuda"
    bool allowCpuDevice = false; // EngineOptions::allowCpuDevice
    std::string deviceName;      // the GPU Vulkan will pick (empty for the CPU)
    std::string reason;          // why the CPU runs it ("no GPU found"); empty when a GPU does
    uint64_t deviceMemory = 0;   // that GPU's memory (0 for the CPU)
    // One line when CUDA was wanted (Auto or CUDA) but cannot run: "CUDA: <why>; using Vulkan".
    std::string cudaNotice = {};
};

BackendChoice chooseBackend(BackendPreference preference, const DeviceList& devices);

const char* preferenceName(BackendPreference preference);      // "auto", "cpu", "vulkan", "cuda"
BackendPreference preferenceFromName(const std::string& name); // unknown: Auto

} // namespace fabulist::inference
