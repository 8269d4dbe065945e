#pragma once
// Compute pipelines created on first use from the embedded SPIR-V, keyed by shader and
// workgroup size (specialization constant 0 = WG). Every pipeline has `bindings` storage
// buffers in set 0 and up to 128 bytes of push constants. Shaders with a reduction come in a
// subgroup and a shared-memory variant; the shared one is used when the device lacks subgroup
// arithmetic, or always when forceSharedReduce (tests check both on one device).

#include "inference/backend/vulkan/vulkan_device.h"

#include <map>
#include <string>

namespace fabulist::inference::vulkan {

struct VulkanPipeline {
    VkPipeline pipeline = VK_NULL_HANDLE;
    VkPipelineLayout layout = VK_NULL_HANDLE;
    VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
    uint32_t bindings = 0;
    uint32_t workgroup = 0;
};

class VulkanPipelines {
public:
    static constexpr uint32_t kPushBytes = 128;

    VulkanPipelines(VulkanDevice& device, bool forceSharedReduce = false);
    ~VulkanPipelines();
    VulkanPipelines(const VulkanPipelines&) = delete;
    VulkanPipelines& operator=(const VulkanPipelines&) = delete;

    // Throws VulkanError when the shader is not embedded or the driver refuses it.
    const VulkanPipeline& get(const std::string& shader, uint32_t bindings, uint32_t workgroup);
    bool usesSubgroups() const { return !m_forceShared; }

private:
    VulkanDevice& m_device;
    bool m_forceShared;
    VkPipelineCache m_cache = VK_NULL_HANDLE;
    std::map<std::string, VulkanPipeline> m_pipelines;
};

} // namespace fabulist::inference::vulkan
