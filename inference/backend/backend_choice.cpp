#include "inference/backend/backend_choice.h"

#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/vulkan/vulkan_device.h"
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
    return BackendChoice{"cpu", false, {}, std::move(reason)};
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
    return list;
}

bool cudaBackendBuilt() {
    return false; // no CUDA backend exists yet (backend/cuda/)
}

BackendChoice chooseBackend(BackendPreference preference, const DeviceList& devices) {
    if (preference == BackendPreference::Cpu) return cpu("chosen in Model Settings");
    if (preference == BackendPreference::Vulkan) {
        const ComputeDevice* best = bestVulkan(devices, true);
        return BackendChoice{"vulkan", true, best ? best->name : std::string(), {},
                             best ? best->memoryBytes : 0};
    }
    // Auto, and CUDA while no CUDA backend is built.
    if (const ComputeDevice* gpu = bestVulkan(devices, false))
        return BackendChoice{"vulkan", false, gpu->name, {}, gpu->memoryBytes};
    if (const ComputeDevice* soft = bestVulkan(devices, true))
        return cpu("only a software Vulkan device (" + soft->name + ")");
    return cpu("no GPU found");
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
