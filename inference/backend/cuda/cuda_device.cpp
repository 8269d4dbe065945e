#include "inference/backend/cuda/cuda_device.h"

#include <cuda_runtime_api.h>
#include <dlfcn.h>

namespace fabulist::inference::cuda {

namespace {

// The oldest GPUs CUDA 13 compiles for (Turing); the fat binary has nothing older.
constexpr int kMinMajor = 7, kMinMinor = 5;

std::string versionText(int v) {
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
}

bool driverLibraryPresent() {
    void* lib = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!lib) return false;
    dlclose(lib);
    return true;
}

std::string noDeviceReason(cudaError_t status, const CudaProbe& p) {
    if (status == cudaErrorInsufficientDriver) {
        if (!driverLibraryPresent())
            return "no NVIDIA driver (libcuda.so.1 not found); install the NVIDIA driver to use "
                   "an NVIDIA GPU";
        return "the NVIDIA driver (CUDA " + versionText(p.driverVersion) +
               ") is older than this build's CUDA " + versionText(p.runtimeVersion) +
               "; update the NVIDIA driver";
    }
    if (status == cudaErrorNoDevice)
        return "no NVIDIA GPU found (the driver is installed but lists no device)";
    return std::string("the CUDA runtime cannot start (") + cudaGetErrorString(status) + ")";
}

CudaProbe probe() {
    CudaProbe p;
    cudaDriverGetVersion(&p.driverVersion);
    cudaRuntimeGetVersion(&p.runtimeVersion);
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess || count == 0) {
        p.reason = noDeviceReason(status == cudaSuccess ? cudaErrorNoDevice : status, p);
        return p;
    }
    std::string tooOld;
    for (int d = 0; d < count; ++d) {
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) continue;
        if (prop.major < kMinMajor || (prop.major == kMinMajor && prop.minor < kMinMinor)) {
            tooOld = std::string(prop.name) + " has compute capability " +
                     std::to_string(prop.major) + "." + std::to_string(prop.minor) +
                     "; this build needs 7.5 (Turing) or newer";
            continue;
        }
        if (p.device >= 0 && uint64_t(prop.totalGlobalMem) <= p.memoryBytes) continue;
        p.device = d;
        p.name = prop.name;
        p.memoryBytes = prop.totalGlobalMem;
        p.major = prop.major;
        p.minor = prop.minor;
        p.multiprocessors = prop.multiProcessorCount;
    }
    if (p.device < 0) p.reason = tooOld.empty() ? "no usable NVIDIA GPU found" : tooOld;
    return p;
}

} // namespace

const CudaProbe& probeCuda() {
    static const CudaProbe probed = probe();
    return probed;
}

std::string cudaFallbackLine(const std::string& reason, const std::string& fallback) {
    return "CUDA: " + reason + "; using " + fallback;
}

void cudaCheck(int status, const char* what) {
    if (status == cudaSuccess) return;
    throw CudaError(std::string("CUDA: ") + what + " failed: " +
                    cudaGetErrorString(cudaError_t(status)));
}

} // namespace fabulist::inference::cuda
