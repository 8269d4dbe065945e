#include "inference/backend/backend.h"
#include "inference/backend/cpu/cpu_backend.h"
#include "inference/engine/engine.h"

#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/vulkan/vulkan_backend.h"
#endif

namespace fabulist::inference {

std::unique_ptr<Backend> createBackend(const std::string& device, int threads) {
    if (device.empty() || device == "cpu") return std::make_unique<CpuBackend>(threads);
    if (device == "vulkan") {
#ifdef FABULIST_HAVE_VULKAN
        try {
            return std::make_unique<vulkan::VulkanBackend>();
        } catch (const vulkan::VulkanError& e) {
            throw EngineError(e.what());
        }
#else
        throw EngineError("this build has no Vulkan backend (configured without Vulkan "
                          "headers/glslc); choose --device cpu");
#endif
    }
    throw EngineError("device '" + device +
                      "' is not available in this build (available: cpu); choose --device cpu");
}

} // namespace fabulist::inference
