#pragma once
// One Vulkan device with one compute queue: instance creation, device selection, memory type
// lookup and blocking one-shot submissions (uploads, read-backs).
//
// Selection prefers a discrete GPU, then an integrated one, then any other GPU-like device. A CPU
// implementation (Mesa's lavapipe) is only used when asked for (options.allowCpu or the
// environment variable FABULIST_VULKAN_ALLOW_CPU=1): it is slower than the CPU backend, but it is
// a real Vulkan device, which is what the tests run on when no GPU exists.

#include "inference/backend/vulkan/vulkan_features.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>
#include <vulkan/vulkan.h>

namespace fabulist::inference::vulkan {

// Anything that makes the Vulkan backend unusable (no device, out of device memory, a failed
// Vulkan call); the message says what happened and that the CPU backend remains available.
class VulkanError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws VulkanError naming the call and the VkResult when r is not VK_SUCCESS.
void vkCheck(VkResult r, const char* what);

struct VulkanDeviceOptions {
    bool allowCpu = false; // also allowed by FABULIST_VULKAN_ALLOW_CPU=1
    bool profile = false;  // per-op timestamp profile; also FABULIST_VULKAN_PROFILE=1
};

class VulkanDevice {
public:
    explicit VulkanDevice(const VulkanDeviceOptions& options = {});
    ~VulkanDevice();
    VulkanDevice(const VulkanDevice&) = delete;
    VulkanDevice& operator=(const VulkanDevice&) = delete;

    VkDevice device() const { return m_device; }
    VkPhysicalDevice physicalDevice() const { return m_physical; }
    VkQueue queue() const { return m_queue; }
    uint32_t queueFamily() const { return m_queueFamily; }
    const std::string& name() const { return m_name; }
    bool isCpu() const { return m_isCpu; }

    // Optional features and subgroup properties, probed at selection (vulkan_features.h). Only
    // recorded: no shader uses fp16/int8 arithmetic, 8/16-bit storage, integer dot product or
    // cooperative matrices yet, so none of them is enabled on the logical device.
    const VulkanFeatures& features() const { return m_features; }
    // The apiVersion the instance was created with (the probe's cap on core versions).
    static constexpr uint32_t kInstanceVersion = VK_API_VERSION_1_3;

    uint32_t subgroupSize() const { return m_subgroupSize; }
    // Whether compute shaders may use subgroup arithmetic (subgroupAdd/Max).
    bool subgroupArithmetic() const { return m_subgroupArithmetic; }
    // Largest range one storage-buffer binding may cover, and the alignment of binding offsets.
    uint64_t maxStorageRange() const { return m_maxStorageRange; }
    uint64_t storageAlignment() const { return m_storageAlignment; }
    uint32_t maxWorkgroupCountX() const { return m_maxGroupsX; }
    // Tests lower the binding range to exercise the split paths with small tensors.
    void limitStorageRangeForTesting(uint64_t bytes) { m_maxStorageRange = bytes; }

    // A memory type index with all of `want` among `typeBits`; UINT32_MAX when none.
    uint32_t findMemoryType(uint32_t typeBits, VkMemoryPropertyFlags want) const;

    // A command buffer for a one-shot submission, and its blocking submit (waits for the fence).
    VkCommandBuffer beginOneShot();
    void submitAndWait(VkCommandBuffer cmd);

private:
    void release();

    VkInstance m_instance = VK_NULL_HANDLE;
    VkPhysicalDevice m_physical = VK_NULL_HANDLE;
    VkDevice m_device = VK_NULL_HANDLE;
    VkQueue m_queue = VK_NULL_HANDLE;
    uint32_t m_queueFamily = 0;
    VkCommandPool m_pool = VK_NULL_HANDLE;
    VkFence m_fence = VK_NULL_HANDLE;
    VkPhysicalDeviceMemoryProperties m_memory{};
    VulkanFeatures m_features;
    std::string m_name;
    bool m_isCpu = false;
    uint32_t m_subgroupSize = 1;
    bool m_subgroupArithmetic = false;
    uint64_t m_maxStorageRange = 0;
    uint64_t m_storageAlignment = 1;
    uint32_t m_maxGroupsX = 65535;
};

// A physical device as the loader lists it, without opening it.
struct PhysicalDeviceSummary {
    std::string name;
    VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
    uint64_t localMemoryBytes = 0; // its largest device-local heap (a GPU's VRAM)
};
// The devices the backend could run on (Vulkan 1.1 with a compute queue), CPU implementations
// included; throws VulkanError when no Vulkan driver loads.
std::vector<PhysicalDeviceSummary> listPhysicalDevices();

} // namespace fabulist::inference::vulkan
