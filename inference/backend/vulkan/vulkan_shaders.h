#pragma once
// The compute shaders of shaders/*.comp as SPIR-V, compiled by glslc at build time and embedded
// by cmake/FabulistEmbedSpirv.cmake (the generated source defines embeddedShaders()). Shaders
// with a workgroup reduction also exist as "<name>.shared", built without subgroup operations.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fabulist::inference::vulkan {

struct SpirvShader {
    const char* name; // file stem, e.g. "matmul_q8_0" or "rms_norm.shared"
    const uint32_t* words;
    size_t wordCount;
};

std::span<const SpirvShader> embeddedShaders();

inline const SpirvShader* findShader(std::string_view name) {
    for (const SpirvShader& s : embeddedShaders())
        if (name == s.name) return &s;
    return nullptr;
}

} // namespace fabulist::inference::vulkan
