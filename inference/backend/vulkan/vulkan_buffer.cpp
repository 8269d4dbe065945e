#include "inference/backend/vulkan/vulkan_buffer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

namespace fabulist::inference::vulkan {

namespace {
constexpr uint64_t kStagingChunk = uint64_t(16) << 20;
std::atomic<uint64_t> g_nextSerial{1};
} // namespace

VulkanBuffer::VulkanBuffer(VulkanDevice& device, uint64_t size, Kind kind)
    : m_device(device), m_size((std::max<uint64_t>(size, 4) + 3) & ~uint64_t(3)), m_kind(kind),
      m_serial(g_nextSerial.fetch_add(1, std::memory_order_relaxed)) {
    VkDevice dev = device.device();
    VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bci.size = m_size;
    bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                VK_BUFFER_USAGE_TRANSFER_DST_BIT;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    vkCheck(vkCreateBuffer(dev, &bci, nullptr, &m_buffer), "vkCreateBuffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(dev, m_buffer, &req);
    uint32_t type = UINT32_MAX;
    if (kind == Kind::DeviceLocal) {
        type = device.findMemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    } else {
        type = device.findMemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                                             VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    }
    if (type == UINT32_MAX) type = device.findMemoryType(req.memoryTypeBits, 0);
    VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = type;
    VkResult r = vkAllocateMemory(dev, &mai, nullptr, &m_memory);
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(dev, m_buffer, nullptr);
        vkCheck(
            r, ("allocating " + std::to_string(m_size >> 20) + " MiB on " + device.name()).c_str());
    }
    vkBindBufferMemory(dev, m_buffer, m_memory, 0);
    if (kind == Kind::HostVisible) {
        r = vkMapMemory(dev, m_memory, 0, VK_WHOLE_SIZE, 0, &m_mapped);
        if (r != VK_SUCCESS) {
            vkDestroyBuffer(dev, m_buffer, nullptr);
            vkFreeMemory(dev, m_memory, nullptr);
            vkCheck(r, "vkMapMemory");
        }
    }
}

VulkanBuffer::~VulkanBuffer() {
    VkDevice dev = m_device.device();
    vkDestroyBuffer(dev, m_buffer, nullptr);
    vkFreeMemory(dev, m_memory, nullptr); // unmaps too
}

void VulkanBuffer::upload(uint64_t offset, const void* src, uint64_t bytes) {
    if (offset + bytes > m_size) throw VulkanError("Vulkan: upload past the end of a buffer");
    if (m_mapped) {
        std::memcpy(static_cast<char*>(m_mapped) + offset, src, bytes);
        return;
    }
    VulkanBuffer staging(m_device, std::min(bytes, kStagingChunk), Kind::HostVisible);
    for (uint64_t done = 0; done < bytes;) {
        const uint64_t n = std::min(bytes - done, kStagingChunk);
        std::memcpy(staging.mapped(), static_cast<const char*>(src) + done, n);
        VkCommandBuffer cmd = m_device.beginOneShot();
        VkBufferCopy region{0, offset + done, n};
        vkCmdCopyBuffer(cmd, staging.handle(), m_buffer, 1, &region);
        m_device.submitAndWait(cmd);
        done += n;
    }
}

void VulkanBuffer::download(uint64_t offset, void* dst, uint64_t bytes) {
    if (offset + bytes > m_size) throw VulkanError("Vulkan: download past the end of a buffer");
    if (m_mapped) {
        std::memcpy(dst, static_cast<const char*>(m_mapped) + offset, bytes);
        return;
    }
    VulkanBuffer staging(m_device, std::min(bytes, kStagingChunk), Kind::HostVisible);
    for (uint64_t done = 0; done < bytes;) {
        const uint64_t n = std::min(bytes - done, kStagingChunk);
        VkCommandBuffer cmd = m_device.beginOneShot();
        VkBufferCopy region{offset + done, 0, n};
        vkCmdCopyBuffer(cmd, m_buffer, staging.handle(), 1, &region);
        m_device.submitAndWait(cmd);
        std::memcpy(static_cast<char*>(dst) + done, staging.mapped(), n);
        done += n;
    }
}

} // namespace fabulist::inference::vulkan
