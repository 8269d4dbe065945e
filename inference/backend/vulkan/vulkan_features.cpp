#include "inference/backend/vulkan/vulkan_features.h"

#include <algorithm>
#include <cstring>

#ifndef FABULIST_GLSLC_INTEGER_DOT
#define FABULIST_GLSLC_INTEGER_DOT 0
#endif
#ifndef FABULIST_GLSLC_COOPMAT
#define FABULIST_GLSLC_COOPMAT 0
#endif

namespace fabulist::inference::vulkan {

namespace {

bool hasExtension(const std::vector<VkExtensionProperties>& list, const char* name) {
    for (const auto& e : list)
        if (std::strcmp(e.extensionName, name) == 0) return true;
    return false;
}

// Prepends `s` to a pNext chain whose head is `*head`.
template <class T> void chain(void** head, T& s) {
    s.pNext = *head;
    *head = &s;
}

const char* typeName(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
        return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
        return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
        return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
        return "CPU";
    default:
        return "other";
    }
}

std::string version(uint32_t v) {
    return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
           "." + std::to_string(VK_API_VERSION_PATCH(v));
}

std::string stages(VkShaderStageFlags s) {
    if (s == 0) return "none";
    std::string out;
    auto add = [&](VkShaderStageFlags bit, const char* name) {
        if (!(s & bit)) return;
        if (!out.empty()) out += ",";
        out += name;
    };
    add(VK_SHADER_STAGE_COMPUTE_BIT, "compute");
    add(VK_SHADER_STAGE_VERTEX_BIT, "vertex");
    add(VK_SHADER_STAGE_FRAGMENT_BIT, "fragment");
    add(VK_SHADER_STAGE_ALL_GRAPHICS & ~(VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT),
        "other graphics");
    if (out.empty()) out = "other";
    return out;
}

} // namespace

VulkanFeatures probeVulkanFeatures(VkPhysicalDevice device, uint32_t instanceVersion) {
    VulkanFeatures f;
    VkPhysicalDeviceProperties base;
    vkGetPhysicalDeviceProperties(device, &base);
    f.deviceName = base.deviceName;
    f.deviceType = base.deviceType;
    f.apiVersion = base.apiVersion;
    // Patch levels do not gate structs; compare major.minor only.
    const uint32_t version = std::min(VK_MAKE_API_VERSION(0, VK_API_VERSION_MAJOR(base.apiVersion),
                                                          VK_API_VERSION_MINOR(base.apiVersion), 0),
                                      instanceVersion);
    f.effectiveVersion = version;
    const bool v12 = version >= VK_API_VERSION_1_2;
    const bool v13 = version >= VK_API_VERSION_1_3;

    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(device, nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> extensions(n);
    if (n) vkEnumerateDeviceExtensionProperties(device, nullptr, &n, extensions.data());
    extensions.resize(n);
    const bool haveFloat16Int8 = v12 || hasExtension(extensions, "VK_KHR_shader_float16_int8");
    const bool have8BitStorage = v12 || hasExtension(extensions, "VK_KHR_8bit_storage");
    const bool haveIntegerDot =
        v13 || hasExtension(extensions, "VK_KHR_shader_integer_dot_product");
    f.subgroupSizeControlReported = v13 || hasExtension(extensions, "VK_EXT_subgroup_size_control");
    f.cooperativeMatrix = hasExtension(extensions, "VK_KHR_cooperative_matrix");

    // Features: 16-bit storage is 1.1 core (the backend's minimum), the rest as available.
    VkPhysicalDevice16BitStorageFeatures storage16{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    VkPhysicalDevice8BitStorageFeatures storage8{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES};
    VkPhysicalDeviceShaderFloat16Int8Features float16Int8{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    VkPhysicalDeviceShaderIntegerDotProductFeatures integerDot{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES};
    VkPhysicalDeviceSubgroupSizeControlFeatures sizeControl{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
    VkPhysicalDeviceFeatures2 features2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    chain(&features2.pNext, storage16);
    if (have8BitStorage) chain(&features2.pNext, storage8);
    if (haveFloat16Int8) chain(&features2.pNext, float16Int8);
    if (haveIntegerDot) chain(&features2.pNext, integerDot);
    if (f.subgroupSizeControlReported) chain(&features2.pNext, sizeControl);
    vkGetPhysicalDeviceFeatures2(device, &features2);
    f.storageBuffer16BitAccess = storage16.storageBuffer16BitAccess;
    f.storageBuffer8BitAccess = have8BitStorage && storage8.storageBuffer8BitAccess;
    f.shaderFloat16 = haveFloat16Int8 && float16Int8.shaderFloat16;
    f.shaderInt8 = haveFloat16Int8 && float16Int8.shaderInt8;
    f.integerDotProduct = haveIntegerDot && integerDot.shaderIntegerDotProduct;
    f.subgroupSizeControl = f.subgroupSizeControlReported && sizeControl.subgroupSizeControl;
    f.computeFullSubgroups = f.subgroupSizeControlReported && sizeControl.computeFullSubgroups;

    // Properties.
    VkPhysicalDeviceSubgroupProperties subgroup{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceShaderIntegerDotProductProperties integerDotProps{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES};
    VkPhysicalDeviceSubgroupSizeControlProperties sizeControlProps{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
    VkPhysicalDeviceProperties2 props2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    chain(&props2.pNext, subgroup);
    if (haveIntegerDot) chain(&props2.pNext, integerDotProps);
    if (f.subgroupSizeControlReported) chain(&props2.pNext, sizeControlProps);
    vkGetPhysicalDeviceProperties2(device, &props2);
    f.subgroupSize = subgroup.subgroupSize;
    f.subgroupInCompute = subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT;
    const VkSubgroupFeatureFlags basic = VK_SUBGROUP_FEATURE_BASIC_BIT;
    f.subgroupArithmetic = f.subgroupInCompute && (subgroup.supportedOperations &
                                                   (basic | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT)) ==
                                                      (basic | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    f.subgroupShuffle = f.subgroupInCompute && (subgroup.supportedOperations &
                                                (basic | VK_SUBGROUP_FEATURE_SHUFFLE_BIT)) ==
                                                   (basic | VK_SUBGROUP_FEATURE_SHUFFLE_BIT);
    // The accelerated properties describe how the feature's instructions run; without the
    // feature no shader may use them, so they are reported false.
    if (f.integerDotProduct) {
        const auto& p = integerDotProps;
        f.integerDot8BitUnsignedAccelerated = p.integerDotProduct8BitUnsignedAccelerated;
        f.integerDot8BitSignedAccelerated = p.integerDotProduct8BitSignedAccelerated;
        f.integerDot8BitMixedSignednessAccelerated =
            p.integerDotProduct8BitMixedSignednessAccelerated;
        f.integerDot4x8BitPackedUnsignedAccelerated =
            p.integerDotProduct4x8BitPackedUnsignedAccelerated;
        f.integerDot4x8BitPackedSignedAccelerated =
            p.integerDotProduct4x8BitPackedSignedAccelerated;
        f.integerDot4x8BitPackedMixedSignednessAccelerated =
            p.integerDotProduct4x8BitPackedMixedSignednessAccelerated;
    }
    if (f.subgroupSizeControlReported) {
        f.minSubgroupSize = sizeControlProps.minSubgroupSize;
        f.maxSubgroupSize = sizeControlProps.maxSubgroupSize;
        f.requiredSubgroupSizeStages = sizeControlProps.requiredSubgroupSizeStages;
    }
    return f;
}

GlslcFeatures glslcFeatures() {
    GlslcFeatures g;
    g.integerDotProduct = FABULIST_GLSLC_INTEGER_DOT != 0;
    g.cooperativeMatrix = FABULIST_GLSLC_COOPMAT != 0;
    return g;
}

std::vector<std::pair<std::string, std::string>> describeFeatures(const VulkanFeatures& f,
                                                                  const GlslcFeatures& glslc) {
    auto yes = [](bool b) { return std::string(b ? "yes" : "no"); };
    std::vector<std::pair<std::string, std::string>> out;
    out.emplace_back("device", f.deviceName);
    out.emplace_back("type", typeName(f.deviceType));
    out.emplace_back("api version", version(f.apiVersion));
    out.emplace_back("subgroup size", std::to_string(f.subgroupSize));
    out.emplace_back("subgroup size min/max", f.subgroupSizeControlReported
                                                  ? std::to_string(f.minSubgroupSize) + "/" +
                                                        std::to_string(f.maxSubgroupSize)
                                                  : std::string("not reported"));
    out.emplace_back("subgroup arithmetic", yes(f.subgroupArithmetic));
    out.emplace_back("subgroup shuffle", yes(f.subgroupShuffle));
    out.emplace_back("subgroup size control", yes(f.subgroupSizeControl));
    out.emplace_back("compute full subgroups", yes(f.computeFullSubgroups));
    out.emplace_back("required subgroup size stages", stages(f.requiredSubgroupSizeStages));
    out.emplace_back("shaderFloat16", yes(f.shaderFloat16));
    out.emplace_back("shaderInt8", yes(f.shaderInt8));
    out.emplace_back("storageBuffer16BitAccess", yes(f.storageBuffer16BitAccess));
    out.emplace_back("storageBuffer8BitAccess", yes(f.storageBuffer8BitAccess));
    out.emplace_back("integer dot product", yes(f.integerDotProduct));
    out.emplace_back("int dot 8-bit accelerated (unsigned/signed/mixed)",
                     yes(f.integerDot8BitUnsignedAccelerated) + "/" +
                         yes(f.integerDot8BitSignedAccelerated) + "/" +
                         yes(f.integerDot8BitMixedSignednessAccelerated));
    out.emplace_back("int dot 4x8-bit packed accelerated (unsigned/signed/mixed)",
                     yes(f.integerDot4x8BitPackedUnsignedAccelerated) + "/" +
                         yes(f.integerDot4x8BitPackedSignedAccelerated) + "/" +
                         yes(f.integerDot4x8BitPackedMixedSignednessAccelerated));
    out.emplace_back("cooperative matrix (VK_KHR_cooperative_matrix)", yes(f.cooperativeMatrix));
    out.emplace_back("glslc GL_EXT_integer_dot_product", yes(glslc.integerDotProduct));
    out.emplace_back("glslc GL_KHR_cooperative_matrix", yes(glslc.cooperativeMatrix));
    return out;
}

} // namespace fabulist::inference::vulkan
