#pragma once
// The CUDA device the backend runs on, and why there is none. The probe goes through the runtime
// API (static cudart): without the NVIDIA driver cudaGetDeviceCount answers
// cudaErrorInsufficientDriver, without a GPU cudaErrorNoDevice; probeCuda() turns that into one
// line a writer can act on, which Auto's fallback and `fabulist-cli info --device cuda` show.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace fabulist::inference::cuda {

// A CUDA runtime call failed; what() names the call and the runtime's message.
class CudaError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct CudaProbe {
    int device = -1; // the GPU the backend uses (the one with most memory), -1 when none
    std::string name;
    uint64_t memoryBytes = 0;
    int major = 0, minor = 0; // compute capability
    int multiprocessors = 0;
    int driverVersion = 0, runtimeVersion = 0; // 13000 = 13.0
    std::string reason; // why CUDA cannot run ("no NVIDIA driver (...)"); empty when it can
    bool usable() const { return reason.empty(); }
};

// The probe, made once per process (the driver's answer does not change while it runs).
const CudaProbe& probeCuda();

// The fallback line: "CUDA: <reason>; using <fallback>".
std::string cudaFallbackLine(const std::string& reason, const std::string& fallback);

// Throws CudaError("CUDA: <what> failed: <runtime message>") unless `status` is 0 (cudaSuccess).
void cudaCheck(int status, const char* what);

} // namespace fabulist::inference::cuda
