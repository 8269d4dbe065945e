#pragma once
// What a Vulkan device offers beyond the Vulkan 1.1 core the backend needs, probed once at device
// selection, and what the glslc used at configure time could compile. The shaders use none of
// the optional features yet (no fp16/int8 arithmetic, no integer dot product, no cooperative
// matrix, no required subgroup size): the probe records them so that `fabulist-cli info --device
// vulkan` can say what a machine has, and so that shader variants using them can be chosen later.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>
#include <vulkan/vulkan.h>

namespace fabulist::inference::vulkan {

struct VulkanFeatures {
    std::string deviceName;
    VkPhysicalDeviceType deviceType = VK_PHYSICAL_DEVICE_TYPE_OTHER;
    uint32_t apiVersion = 0;       // what the device reports
    uint32_t effectiveVersion = 0; // min(device, instance): the core structs the probe may chain

    // Vulkan 1.1 subgroup properties.
    uint32_t subgroupSize = 0;
    bool subgroupInCompute = false; // supportedStages has the compute stage
    bool subgroupArithmetic = false;
    bool subgroupShuffle = false;

    // VkPhysicalDeviceShaderFloat16Int8Features (1.2 core or VK_KHR_shader_float16_int8).
    bool shaderFloat16 = false;
    bool shaderInt8 = false;
    // VkPhysicalDevice16BitStorageFeatures (1.1 core), VkPhysicalDevice8BitStorageFeatures (1.2
    // core or VK_KHR_8bit_storage).
    bool storageBuffer16BitAccess = false;
    bool storageBuffer8BitAccess = false;

    // Integer dot product (1.3 core or VK_KHR_shader_integer_dot_product); the accelerated
    // properties are only read when the extension or 1.3 is there, and stay false otherwise.
    bool integerDotProduct = false;
    bool integerDot8BitUnsignedAccelerated = false;
    bool integerDot8BitSignedAccelerated = false;
    bool integerDot8BitMixedSignednessAccelerated = false;
    bool integerDot4x8BitPackedUnsignedAccelerated = false;
    bool integerDot4x8BitPackedSignedAccelerated = false;
    bool integerDot4x8BitPackedMixedSignednessAccelerated = false;

    // Subgroup size control (1.3 core or VK_EXT_subgroup_size_control); sizes are 0 when the
    // device reports neither.
    bool subgroupSizeControlReported = false; // the version or extension is there
    bool subgroupSizeControl = false;         // the feature flags
    bool computeFullSubgroups = false;
    uint32_t minSubgroupSize = 0;
    uint32_t maxSubgroupSize = 0;
    VkShaderStageFlags requiredSubgroupSizeStages = 0;

    // VK_KHR_cooperative_matrix is in the device's extension list (not queried further: the
    // headers of Debian 12 predate it).
    bool cooperativeMatrix = false;
};

// Reads the properties, extension list and feature chains of `device`. `instanceVersion` is the
// apiVersion the instance was created with: structs promoted to a core version are chained only
// when both the instance and the device reach that version, extension structs only when the
// device lists the extension.
VulkanFeatures probeVulkanFeatures(VkPhysicalDevice device, uint32_t instanceVersion);

// What the configure-time glslc probe (cmake/FabulistVulkan.cmake) found.
struct GlslcFeatures {
    bool integerDotProduct = false; // GL_EXT_integer_dot_product
    bool cooperativeMatrix = false; // GL_KHR_cooperative_matrix
};
GlslcFeatures glslcFeatures();

// "name" / "value" lines for reports (device, type, API version, subgroup sizes, each feature
// yes/no, then the two glslc results).
std::vector<std::pair<std::string, std::string>> describeFeatures(const VulkanFeatures& features,
                                                                  const GlslcFeatures& glslc);

} // namespace fabulist::inference::vulkan
