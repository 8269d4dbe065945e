#include "inference/backend/vulkan/vulkan_device.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace fabulist::inference::vulkan {

namespace {

constexpr const char* kFallback = "; the engine falls back to the CPU (--device cpu)";

bool envAllowsCpu() {
    const char* v = std::getenv("FABULIST_VULKAN_ALLOW_CPU");
    return v && std::strcmp(v, "1") == 0;
}

int typeRank(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return 2;
    case VK_PHYSICAL_DEVICE_TYPE_OTHER:
        return 1;
    default:
        return 0; // CPU
    }
}

// Index of a queue family with compute, or -1.
int computeFamily(VkPhysicalDevice pd) {
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
    std::vector<VkQueueFamilyProperties> families(n);
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, families.data());
    for (uint32_t i = 0; i < n; ++i)
        if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return int(i);
    return -1;
}

} // namespace

void vkCheck(VkResult r, const char* what) {
    if (r == VK_SUCCESS) return;
    std::string reason = "error " + std::to_string(int(r));
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY) reason = "out of device memory";
    if (r == VK_ERROR_OUT_OF_HOST_MEMORY) reason = "out of host memory";
    if (r == VK_ERROR_DEVICE_LOST) reason = "device lost";
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER) reason = "no compatible Vulkan driver";
    throw VulkanError(std::string("Vulkan: ") + what + " failed (" + reason + ")" + kFallback);
}

VulkanDevice::VulkanDevice(const VulkanDeviceOptions& options) {
    const bool allowCpu = options.allowCpu || envAllowsCpu();
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "Fabulist";
    // The backend needs 1.1 (subgroup operations are core there; devices below it are skipped).
    // The instance asks for 1.3 so that the feature probe may chain the 1.2/1.3 core structs of
    // devices that have them; a 1.1+ loader accepts any apiVersion.
    app.apiVersion = kInstanceVersion;
    VkInstanceCreateInfo ici{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ici.pApplicationInfo = &app;
    if (vkCreateInstance(&ici, nullptr, &m_instance) != VK_SUCCESS)
        throw VulkanError(std::string("no Vulkan device found (no Vulkan 1.1 driver could be "
                                      "loaded)") +
                          kFallback);

    try {
        uint32_t n = 0;
        vkEnumeratePhysicalDevices(m_instance, &n, nullptr);
        std::vector<VkPhysicalDevice> devices(n);
        if (n) vkEnumeratePhysicalDevices(m_instance, &n, devices.data());
        int best = -1, bestRank = -1;
        std::string cpuOnly;
        for (uint32_t i = 0; i < n; ++i) {
            VkPhysicalDeviceProperties props;
            vkGetPhysicalDeviceProperties(devices[i], &props);
            if (props.apiVersion < VK_API_VERSION_1_1 || computeFamily(devices[i]) < 0) continue;
            const int rank = typeRank(props.deviceType);
            if (rank == 0 && !allowCpu) {
                cpuOnly = props.deviceName;
                continue;
            }
            if (rank > bestRank) best = int(i), bestRank = rank;
        }
        if (best < 0) {
            std::string msg = "no Vulkan device found";
            if (!cpuOnly.empty())
                msg += " (only the CPU implementation '" + cpuOnly +
                       "', used only with FABULIST_VULKAN_ALLOW_CPU=1)";
            throw VulkanError(msg + kFallback);
        }
        m_physical = devices[size_t(best)];
        m_queueFamily = uint32_t(computeFamily(m_physical));

        m_features = probeVulkanFeatures(m_physical, kInstanceVersion);
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(m_physical, &props);
        m_name = props.deviceName;
        m_isCpu = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
        m_subgroupSize = m_features.subgroupSize;
        m_subgroupArithmetic = m_features.subgroupArithmetic;
        m_maxStorageRange = props.limits.maxStorageBufferRange;
        m_storageAlignment = props.limits.minStorageBufferOffsetAlignment;
        m_maxGroupsX = props.limits.maxComputeWorkGroupCount[0];
        vkGetPhysicalDeviceMemoryProperties(m_physical, &m_memory);

        const float priority = 1.0f;
        VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
        qci.queueFamilyIndex = m_queueFamily;
        qci.queueCount = 1;
        qci.pQueuePriorities = &priority;
        VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
        dci.queueCreateInfoCount = 1;
        dci.pQueueCreateInfos = &qci;
        vkCheck(vkCreateDevice(m_physical, &dci, nullptr, &m_device), "vkCreateDevice");
        vkGetDeviceQueue(m_device, m_queueFamily, 0, &m_queue);

        VkCommandPoolCreateInfo pci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
        pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
        pci.queueFamilyIndex = m_queueFamily;
        vkCheck(vkCreateCommandPool(m_device, &pci, nullptr, &m_pool), "vkCreateCommandPool");
        VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        vkCheck(vkCreateFence(m_device, &fci, nullptr, &m_fence), "vkCreateFence");
    } catch (...) {
        release(); // a throwing constructor runs no destructor
        throw;
    }
}

VulkanDevice::~VulkanDevice() {
    release();
}

void VulkanDevice::release() {
    if (m_device) {
        vkDeviceWaitIdle(m_device);
        if (m_fence) vkDestroyFence(m_device, m_fence, nullptr);
        if (m_pool) vkDestroyCommandPool(m_device, m_pool, nullptr);
        vkDestroyDevice(m_device, nullptr);
    }
    if (m_instance) vkDestroyInstance(m_instance, nullptr);
    m_fence = VK_NULL_HANDLE;
    m_pool = VK_NULL_HANDLE;
    m_device = VK_NULL_HANDLE;
    m_instance = VK_NULL_HANDLE;
}

std::vector<PhysicalDeviceSummary> listPhysicalDevices() {
    VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
    app.pApplicationName = "Fabulist";
    app.apiVersion = VulkanDevice::kInstanceVersion;
    VkInstanceCreateInfo ici{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
    ici.pApplicationInfo = &app;
    VkInstance instance = VK_NULL_HANDLE;
    if (vkCreateInstance(&ici, nullptr, &instance) != VK_SUCCESS)
        throw VulkanError("no Vulkan driver could be loaded");
    uint32_t n = 0;
    vkEnumeratePhysicalDevices(instance, &n, nullptr);
    std::vector<VkPhysicalDevice> devices(n);
    if (n) vkEnumeratePhysicalDevices(instance, &n, devices.data());
    std::vector<PhysicalDeviceSummary> out;
    for (VkPhysicalDevice pd : devices) {
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties(pd, &props);
        if (props.apiVersion < VK_API_VERSION_1_1 || computeFamily(pd) < 0) continue;
        VkPhysicalDeviceMemoryProperties memory;
        vkGetPhysicalDeviceMemoryProperties(pd, &memory);
        uint64_t local = 0;
        for (uint32_t h = 0; h < memory.memoryHeapCount; ++h)
            if (memory.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
                local = std::max<uint64_t>(local, memory.memoryHeaps[h].size);
        out.push_back({props.deviceName, props.deviceType, local});
    }
    vkDestroyInstance(instance, nullptr);
    return out;
}

uint32_t VulkanDevice::findMemoryType(uint32_t typeBits, VkMemoryPropertyFlags want) const {
    for (uint32_t i = 0; i < m_memory.memoryTypeCount; ++i)
        if ((typeBits & (1u << i)) && (m_memory.memoryTypes[i].propertyFlags & want) == want)
            return i;
    return UINT32_MAX;
}

VkCommandBuffer VulkanDevice::beginOneShot() {
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = m_pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkCommandBuffer cmd;
    vkCheck(vkAllocateCommandBuffers(m_device, &ai, &cmd), "vkAllocateCommandBuffers");
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    vkCheck(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
    return cmd;
}

void VulkanDevice::submitAndWait(VkCommandBuffer cmd) {
    vkCheck(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    VkResult r = vkQueueSubmit(m_queue, 1, &si, m_fence);
    if (r == VK_SUCCESS) r = vkWaitForFences(m_device, 1, &m_fence, VK_TRUE, UINT64_MAX);
    vkResetFences(m_device, 1, &m_fence);
    vkFreeCommandBuffers(m_device, m_pool, 1, &cmd);
    vkCheck(r, "vkQueueSubmit");
}

} // namespace fabulist::inference::vulkan
