#include "inference/backend/backend.h"
#include "inference/backend/cpu/cpu_backend.h"
#include "inference/engine_error.h"

#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/vulkan/vulkan_backend.h"
#endif
#ifdef FABULIST_HAVE_CUDA
#include "inference/backend/cuda/cuda_backend.h"
#endif
#include "inference/backend/backend_choice.h"

namespace fabulist::inference {

namespace {
#if defined(FABULIST_HAVE_VULKAN) && defined(FABULIST_HAVE_CUDA)
constexpr const char* kDevices = "cpu, vulkan, cuda";
#elif defined(FABULIST_HAVE_VULKAN)
constexpr const char* kDevices = "cpu, vulkan";
#elif defined(FABULIST_HAVE_CUDA)
constexpr const char* kDevices = "cpu, cuda";
#else
constexpr const char* kDevices = "cpu";
#endif
} // namespace

namespace {
[[noreturn]] void noSequences(const Backend& backend) {
    throw EngineError("the " + backend.name() +
                      " backend decodes one sequence at a time (decodesSequences() is false)");
}
} // namespace

void Backend::scale(Act, float) {
    throw EngineError("the " + name() + " backend has no scale op: this model runs on the CPU");
}
void Backend::absorbQuery(Act, const Weight&, Act, const MlaShape&) {
    throw EngineError("the " + name() +
                      " backend has no latent attention: this model runs on "
                      "the CPU");
}
void Backend::expandValues(Act, const Weight&, Act, const MlaShape&) {
    throw EngineError("the " + name() +
                      " backend has no latent attention: this model runs on "
                      "the CPU");
}
void Backend::ropeAt(Act, const RopeParams&, std::span<const int>) {
    noSequences(*this);
}
void Backend::storeKvAt(KvCache&, int, Act, Act, std::span<const int>) {
    noSequences(*this);
}
void Backend::attentionSequences(KvCache&, int, KvCache&, int, Act, Act,
                                 std::span<const SequenceStep>, const AttentionParams&) {
    noSequences(*this);
}

std::unique_ptr<Backend> createBackend(const std::string& device, int threads, bool profile,
                                       bool allowCpuDevice) {
    if (device.empty() || device == "cpu") return std::make_unique<CpuBackend>(threads);
    if (device == "vulkan") {
#ifdef FABULIST_HAVE_VULKAN
        try {
            vulkan::VulkanDeviceOptions options;
            options.profile = profile;
            options.allowCpu = allowCpuDevice;
            return std::make_unique<vulkan::VulkanBackend>(options);
        } catch (const vulkan::VulkanError& e) {
            throw EngineError(e.what());
        }
#else
        (void)profile;
        (void)allowCpuDevice;
        throw EngineError("this build has no Vulkan backend (configured without Vulkan "
                          "headers/glslc); choose --device cpu");
#endif
    }
    if (device == "cuda") {
#ifdef FABULIST_HAVE_CUDA
        try {
            return std::make_unique<cuda::CudaBackend>(threads);
        } catch (const cuda::CudaError& e) {
            throw EngineError(std::string(e.what()) + "; choose --device vulkan or --device cpu");
        }
#else
        throw EngineError("CUDA: " + cudaUnavailableReason() + "; choose --device cpu" +
                          (std::string(kDevices).find("vulkan") != std::string::npos
                               ? " or --device vulkan"
                               : ""));
#endif
    }
    throw EngineError("device '" + device + "' is not available in this build (available: " +
                      kDevices + "); choose one of those");
}

DeviceDescription describeDevice(const std::string& device) {
    return createBackend(device, 0)->describeDevice(); // 0: the threads a model would get
}

} // namespace fabulist::inference
