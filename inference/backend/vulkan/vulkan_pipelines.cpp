#include "inference/backend/vulkan/vulkan_pipelines.h"

#include "inference/backend/vulkan/vulkan_shaders.h"

#include <vector>

namespace fabulist::inference::vulkan {

VulkanPipelines::VulkanPipelines(VulkanDevice& device, bool forceSharedReduce)
    : m_device(device), m_forceShared(forceSharedReduce || !device.subgroupArithmetic()) {
    VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    vkCheck(vkCreatePipelineCache(device.device(), &ci, nullptr, &m_cache),
            "vkCreatePipelineCache");
}

VulkanPipelines::~VulkanPipelines() {
    VkDevice dev = m_device.device();
    for (auto& [key, p] : m_pipelines) {
        vkDestroyPipeline(dev, p.pipeline, nullptr);
        vkDestroyPipelineLayout(dev, p.layout, nullptr);
        vkDestroyDescriptorSetLayout(dev, p.setLayout, nullptr);
    }
    vkDestroyPipelineCache(dev, m_cache, nullptr);
}

const VulkanPipeline& VulkanPipelines::get(const std::string& shader, uint32_t bindings,
                                           uint32_t workgroup) {
    const std::string key = shader + "/" + std::to_string(workgroup);
    if (auto it = m_pipelines.find(key); it != m_pipelines.end()) return it->second;

    const SpirvShader* spirv = nullptr;
    if (m_forceShared) spirv = findShader(shader + ".shared");
    if (!spirv) spirv = findShader(shader);
    if (!spirv) throw VulkanError("Vulkan: shader '" + shader + "' is not built into this binary");

    VkDevice dev = m_device.device();
    VulkanPipeline p;
    p.bindings = bindings;
    p.workgroup = workgroup;
    std::vector<VkDescriptorSetLayoutBinding> b(bindings);
    for (uint32_t i = 0; i < bindings; ++i)
        b[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
    VkDescriptorSetLayoutCreateInfo dl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    dl.bindingCount = bindings;
    dl.pBindings = b.data();
    vkCheck(vkCreateDescriptorSetLayout(dev, &dl, nullptr, &p.setLayout),
            "vkCreateDescriptorSetLayout");
    VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushBytes};
    VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pl.setLayoutCount = 1;
    pl.pSetLayouts = &p.setLayout;
    pl.pushConstantRangeCount = 1;
    pl.pPushConstantRanges = &push;
    vkCheck(vkCreatePipelineLayout(dev, &pl, nullptr, &p.layout), "vkCreatePipelineLayout");

    VkShaderModuleCreateInfo sm{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    sm.codeSize = spirv->wordCount * sizeof(uint32_t);
    sm.pCode = spirv->words;
    VkShaderModule module;
    vkCheck(vkCreateShaderModule(dev, &sm, nullptr, &module), "vkCreateShaderModule");

    VkSpecializationMapEntry entry{0, 0, sizeof(uint32_t)};
    VkSpecializationInfo spec{1, &entry, sizeof(uint32_t), &workgroup};
    VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = module;
    ci.stage.pName = "main";
    ci.stage.pSpecializationInfo = &spec;
    ci.layout = p.layout;
    VkResult r = vkCreateComputePipelines(dev, m_cache, 1, &ci, nullptr, &p.pipeline);
    vkDestroyShaderModule(dev, module, nullptr);
    if (r != VK_SUCCESS) {
        vkDestroyPipelineLayout(dev, p.layout, nullptr);
        vkDestroyDescriptorSetLayout(dev, p.setLayout, nullptr);
        vkCheck(r, ("creating the compute pipeline for shader '" + shader + "'").c_str());
    }
    return m_pipelines.emplace(key, p).first->second;
}

} // namespace fabulist::inference::vulkan
