#pragma once
// A VkBuffer with its own memory. DeviceLocal buffers hold weights, the KV cache and
// activations; HostVisible ones (coherent, persistently mapped) are staging and small per-call
// tables. upload()/download() go through a staging buffer in bounded chunks, so a weight of any
// size is copied once without a host copy of its own size.

#include "inference/backend/vulkan/vulkan_device.h"

#include <cstddef>
#include <cstdint>

namespace fabulist::inference::vulkan {

class VulkanBuffer {
public:
    enum class Kind { DeviceLocal, HostVisible };
    // size is rounded up to 4 bytes (shaders read 32-bit words).
    VulkanBuffer(VulkanDevice& device, uint64_t size, Kind kind);
    ~VulkanBuffer();
    VulkanBuffer(const VulkanBuffer&) = delete;
    VulkanBuffer& operator=(const VulkanBuffer&) = delete;

    VkBuffer handle() const { return m_buffer; }
    uint64_t size() const { return m_size; }
    Kind kind() const { return m_kind; }
    void* mapped() const { return m_mapped; } // HostVisible only
    // Unique per buffer in the process (handles may be reused after a buffer is destroyed):
    // recorded command buffers are matched by it.
    uint64_t serial() const { return m_serial; }

    void upload(uint64_t offset, const void* src, uint64_t bytes);
    void download(uint64_t offset, void* dst, uint64_t bytes);

private:
    VulkanDevice& m_device;
    VkBuffer m_buffer = VK_NULL_HANDLE;
    VkDeviceMemory m_memory = VK_NULL_HANDLE;
    uint64_t m_size = 0;
    Kind m_kind;
    void* m_mapped = nullptr;
    uint64_t m_serial;
};

} // namespace fabulist::inference::vulkan
