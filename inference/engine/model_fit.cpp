#include "inference/engine/model_fit.h"

#include "inference/backend/backend_choice.h"
#include "inference/engine/memory_estimate.h"
#include "inference/gguf/gguf_file.h"
#include "inference/model/model_config.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace fabulist::inference {

namespace {

// A catalog entry's buffers, tokenizer and process, before its file is here to count them:
// what estimateMemory gives the reference and synth models at a 512-token batch, rounded up.
constexpr uint64_t kCatalogOverheadBytes = 256ull << 20;

uint64_t memTotal() {
    std::ifstream meminfo("/proc/meminfo");
    std::string line;
    while (std::getline(meminfo, line)) {
        if (line.rfind("MemTotal:", 0) != 0) continue;
        std::istringstream in(line.substr(9));
        uint64_t kib = 0;
        in >> kib;
        return kib * 1024;
    }
    return 0;
}

} // namespace

MachineMemory machineMemory() {
    MachineMemory m{memTotal(), availableMemoryBytes(), {}, 0};
    const BackendChoice gpu = chooseBackend(BackendPreference::Auto, listComputeDevices());
    if (gpu.device != "cpu") m.gpuName = gpu.deviceName, m.gpuBytes = gpu.deviceMemory;
    return m;
}

FitEstimate estimateFit(const ModelFootprint& f, const MachineMemory& memory,
                        double bandwidthGbPerSecond, int depth) {
    FitEstimate e;
    e.needed = f.memoryBytes;
    e.available = memory.available;
    e.total = memory.total;
    e.fits = memory.available == 0 || f.memoryBytes <= memory.available;
    e.bandwidthGbPerSecond = bandwidthGbPerSecond;
    e.gpuName = memory.gpuName;
    e.gpuBytes = memory.gpuBytes;
    e.fitsGpu = memory.gpuBytes > 0 && f.memoryBytes <= memory.gpuBytes;
    const double bytes = double(f.bytesPerToken) + double(f.kvBytesPerToken) * double(depth);
    if (bandwidthGbPerSecond > 0.0 && bytes > 0.0)
        e.tokensPerSecond = kCpuDecodeEfficiency * bandwidthGbPerSecond * 1e9 / bytes;
    return e;
}

uint64_t activeWeightBytesPerToken(const GgufFile& file, int nExpert, int expertsUsed) {
    const bool tied = file.findTensor("output.weight") == nullptr;
    uint64_t bytes = 0;
    for (const auto& t : file.tensors()) {
        if (nExpert > 0 && t.name.find("_exps.") != std::string::npos)
            bytes += t.nbytes / uint64_t(nExpert) * uint64_t(expertsUsed);
        else if (t.name == "token_embd.weight" && !tied && t.ne[1] > 0)
            bytes += t.nbytes / uint64_t(t.ne[1]); // one row is looked up
        else
            bytes += t.nbytes;
    }
    return bytes;
}

ModelFootprint footprintOfFile(const GgufFile& file, const ModelConfig& config, int contextLength,
                               GgmlType kvType, int threads) {
    const MemoryEstimate m = estimateMemory(file, config, contextLength, kvType, 512, threads,
                                            true); // the CPU keeps sliding windows in rings
    ModelFootprint f;
    f.memoryBytes = m.total();
    f.bytesPerToken = activeWeightBytesPerToken(file, config.nExpert, config.nExpertUsed);
    f.kvBytesPerToken = ggmlRowBytes(kvType, config.kvValuesPerToken());
    f.contextLength = contextLength;
    return f;
}

ModelFootprint footprintFromNumbers(uint64_t fileBytes, double parameters, double activeParameters,
                                    uint64_t kvBytesPerToken, int contextLength) {
    ModelFootprint f;
    f.kvBytesPerToken = kvBytesPerToken;
    f.contextLength = contextLength;
    f.memoryBytes = fileBytes + kvBytesPerToken * uint64_t(contextLength) + kCatalogOverheadBytes;
    const double share = parameters > 0.0 ? std::min(1.0, activeParameters / parameters) : 1.0;
    f.bytesPerToken = uint64_t(double(fileBytes) * share);
    return f;
}

std::string describeFit(const FitEstimate& fit) {
    const std::string needed = formatBytes(fit.needed), available = formatBytes(fit.available);
    std::string gpu;
    if (fit.gpuBytes > 0)
        gpu = fit.fitsGpu ? "; GPU: fits its " + formatBytes(fit.gpuBytes)
                          : "; GPU: too big for its " + formatBytes(fit.gpuBytes) +
                                " (runs on the CPU)";
    if (fit.available == 0) return "needs " + needed + gpu;
    if (fit.fits) return "fits: " + needed + " of " + available + gpu;
    return "too big: " + needed + ", " + available + " free" + gpu;
}

} // namespace fabulist::inference
