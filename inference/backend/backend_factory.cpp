#include "inference/backend/backend.h"
#include "inference/backend/cpu/cpu_backend.h"
#include "inference/engine/engine.h"

namespace fabulist::inference {

std::unique_ptr<Backend> createBackend(const std::string& device, int threads) {
    if (device.empty() || device == "cpu") return std::make_unique<CpuBackend>(threads);
    throw EngineError("device '" + device +
                      "' is not available in this build (available: cpu); choose --device cpu");
}

} // namespace fabulist::inference
