#include "inference/backend/backend_choice.h"

#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/vulkan/vulkan_device.h"
#endif
#ifdef FABULIST_HAVE_CUDA
#include "inference/backend/cuda/cuda_device.h"
#endif

#include <algorithm>

namespace fabulist::inference {

namespace {

int rank(ComputeDevice::Kind kind) {
    switch (kind) {
    case ComputeDevice::Kind::Discrete:
        return 4;
    case ComputeDevice::Kind::Integrated:
        return 3;
    case ComputeDevice::Kind::Virtual:
        return 2;
    case ComputeDevice::Kind::Other:
        return 1;
    case ComputeDevice::Kind::Cpu:
        break;
    }
    return 0;
}

#ifdef FABULIST_HAVE_VULKAN
ComputeDevice::Kind kindOf(VkPhysicalDeviceType type) {
    switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return ComputeDevice::Kind::Discrete;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return ComputeDevice::Kind::Integrated;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return ComputeDevice::Kind::Virtual;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return ComputeDevice::Kind::Cpu;
    default:
        return ComputeDevice::Kind::Other;
    }
}
#endif

// The best device Vulkan would pick (the same order as VulkanDevice), or nullptr.
const ComputeDevice* bestVulkan(const DeviceList& list, bool allowCpu) {
    const ComputeDevice* best = nullptr;
    for (const ComputeDevice& d : list.devices) {
        if (d.backend != "vulkan" || (d.kind == ComputeDevice::Kind::Cpu && !allowCpu)) continue;
        if (!best || rank(d.kind) > rank(best->kind)) best = &d;
    }
    return best;
}

BackendChoice cpu(std::string reason) {
    return BackendChoice{"cpu", false, {}, std::move(reason), 0};
}

const ComputeDevice* cudaDevice(const DeviceList& list) {
    for (const ComputeDevice& d : list.devices)
        if (d.backend == "cuda") return &d;
    return nullptr;
}

// Auto's choice among Vulkan and the CPU; a CUDA reason joins the CPU's.
BackendChoice withoutCuda(const DeviceList& devices) {
    BackendChoice c;
    if (const ComputeDevice* gpu = bestVulkan(devices, false))
        c = BackendChoice{"vulkan", false, gpu->name, {}, gpu->memoryBytes};
    else if (const ComputeDevice* soft = bestVulkan(devices, true))
        c = cpu("only a software Vulkan device (" + soft->name + ")");
    else
        c = cpu("no GPU found");
    if (devices.cudaReason.empty()) return c;
    if (c.device == "cpu") c.reason += "; CUDA: " + devices.cudaReason;
    c.cudaNotice = "CUDA: " + devices.cudaReason + "; using " +
                   (c.device == "cpu" ? std::string("the CPU") : std::string("Vulkan"));
    return c;
}

} // namespace

DeviceList listComputeDevices() {
    DeviceList list;
#ifdef FABULIST_HAVE_VULKAN
    try {
        for (const vulkan::PhysicalDeviceSummary& d : vulkan::listPhysicalDevices())
            list.devices.push_back({"vulkan", d.name, kindOf(d.type), d.localMemoryBytes});
    } catch (const std::exception& e) {
        list.error = e.what();
    }
#else
    list.error = "this build has no Vulkan backend";
#endif
#ifdef FABULIST_HAVE_CUDA
    const cuda::CudaProbe& probe = cuda::probeCuda();
    if (probe.usable())
        list.devices.insert(list.devices.begin(), {"cuda", probe.name,
                                                   ComputeDevice::Kind::Discrete,
                                                   probe.memoryBytes});
#endif
    if (cudaBackendBuilt()) list.cudaReason = cudaUnavailableReason(); // a build without it is quiet
    return list;
}

bool cudaBackendBuilt() {
#ifdef FABULIST_HAVE_CUDA
    return true;
#else
    return false;
#endif
}

std::string cudaUnavailableReason() {
#ifdef FABULIST_HAVE_CUDA
    return cuda::probeCuda().reason;
#else
    return "not built (configured without the CUDA Toolkit's nvcc)";
#endif
}

BackendChoice chooseBackend(BackendPreference preference, const DeviceList& devices) {
    if (preference == BackendPreference::Cpu) return cpu("chosen in Model Settings");
    if (preference == BackendPreference::Vulkan) {
        const ComputeDevice* best = bestVulkan(devices, true);
        return BackendChoice{"vulkan", true, best ? best->name : std::string(), {},
                             best ? best->memoryBytes : 0};
    }
    // Auto and CUDA: a usable CUDA GPU first, else what Auto finds without it.
    if (const ComputeDevice* gpu = cudaDevice(devices))
        return BackendChoice{"cuda", false, gpu->name, {}, gpu->memoryBytes};
    return withoutCuda(devices);
}

const char* preferenceName(BackendPreference preference) {
    switch (preference) {
    case BackendPreference::Cpu:
        return "cpu";
    case BackendPreference::Vulkan:
        return "vulkan";
    case BackendPreference::Cuda:
        return "cuda";
    case BackendPreference::Auto:
        break;
    }
    return "auto";
}

BackendPreference preferenceFromName(const std::string& name) {
    if (name == "cpu") return BackendPreference::Cpu;
    if (name == "vulkan") return BackendPreference::Vulkan;
    if (name == "cuda") return BackendPreference::Cuda;
    return BackendPreference::Auto;
}

} // namespace fabulist::inference
