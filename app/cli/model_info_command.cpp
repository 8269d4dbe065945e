// `fabulist-cli info MODEL`: what the model is and what running it costs, from the file alone.
// `--device NAME` adds what that backend says of its device (Vulkan: the feature probe and what
// the configure-time glslc could compile); without a model it prints only that.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_file_summary.h"
#include "app/cli/model_gpu_placement.h"
#include "inference/backend/backend.h"
#include "inference/engine/memory_estimate.h"
#include "inference/gguf/gguf_file.h"
#include "inference/model/model_config.h"

#include <algorithm>
#include <cstdio>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage = "info MODEL [-c CONTEXT] [-t THREADS] [--kv-type f16|f32|q8_0] "
                               "[--device DEVICE] [--gpu-memory MIB] [--cpu-moe N] [--json]   (or: "
                               "info --device DEVICE)";

std::string mib(uint64_t bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
    return buf;
}

std::string count(int64_t n) {
    char buf[64];
    if (n >= 1000000000)
        std::snprintf(buf, sizeof buf, "%.3f B", double(n) / 1e9);
    else if (n >= 1000000)
        std::snprintf(buf, sizeof buf, "%.2f M", double(n) / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
    return buf;
}

// Prints what the backend says of its device; returns the exit status.
int printDevice(const std::string& device) {
    inference::DeviceDescription lines;
    try {
        lines = inference::describeDevice(device);
    } catch (const std::exception& e) {
        return runtimeFailure("info", e.what()); // says why and what exists instead
    }
    std::printf("%s device:\n", device.c_str());
    for (const auto& [name, value] : lines)
        std::printf("  %-60s %s\n", (name + ":").c_str(), value.c_str());
    return 0;
}

int printMemoryJson(const inference::MemoryEstimate& m, int64_t trained) {
    std::printf("{\"context\": %d, \"trained_context\": %lld, \"memory_bytes\": {\"total\": "
                "%llu, \"weights\": %llu, \"kv_cache\": %llu, \"buffers\": %llu, "
                "\"runtime\": %llu}}\n",
                m.contextLength, (long long)trained, (unsigned long long)m.total(),
                (unsigned long long)m.weights, (unsigned long long)m.kvCache,
                (unsigned long long)m.scratch, (unsigned long long)m.runtime);
    return 0;
}

} // namespace

int runInfoCommand(const std::vector<std::string>& argv) {
    std::string path;
    int64_t context = 0;
    inference::GgmlType kvType = inference::GgmlType::F16;
    std::string device;
    bool json = false;
    int threads = 0;
    GpuPlacementArgs placement;
    try {
        ModelArgs args(argv,
                       {{{"-m", "--model"}},
                        {{"-c", "--ctx-size"}},
                        {{"-t", "--threads"}},
                        {{"--kv-type"}},
                        {{"--device"}},
                        {{"--gpu-memory"}},
                        {{"--cpu-moe"}},
                        {{"--json"}, false}},
                       1);
        device = args.string("--device");
        if (args.has("--device") && device.empty()) throw UsageError("--device needs a name");
        if (!device.empty() && args.positionals().empty() && !args.has("-m"))
            return printDevice(device);
        path = modelPathOrDefault(args.positionals().empty() ? args.string("-m")
                                                             : args.positionals()[0]);
        requireModelFile(path);
        context = args.integer("-c", 0, 0, 1 << 22);
        threads = static_cast<int>(args.integer("-t", 0, 0, 1024));
        json = args.has("--json");
        if (args.has("--gpu-memory"))
            placement.gpuMemoryMiB = uint64_t(args.integer("--gpu-memory", 0, 1, 1 << 30));
        if (args.has("--cpu-moe"))
            placement.cpuMoeLayers = int(args.integer("--cpu-moe", 0, 0, 1 << 16));
        if ((placement.gpuMemoryMiB || placement.cpuMoeLayers) && device != "cuda")
            throw UsageError("--gpu-memory and --cpu-moe need --device cuda");
        std::string kv = args.string("--kv-type", "f16");
        if (kv == "f32")
            kvType = inference::GgmlType::F32;
        else if (kv == "q8_0")
            kvType = inference::GgmlType::Q8_0;
        else if (kv != "f16")
            throw UsageError("--kv-type must be f16, f32 or q8_0, got '" + kv + "'");
    } catch (const UsageError& e) {
        return usageFailure("info", kUsage, e.what());
    }
    std::unique_ptr<inference::GgufFile> file;
    try {
        file = inference::GgufFile::open(path);
    } catch (const std::exception& e) {
        return runtimeFailure("info", e.what()); // the reader names the file and the fix
    }
    const ModelFileSummary s = summarizeModelFile(*file);
    if (context == 0)
        context = std::min<int64_t>(s.contextLength, inference::kDefaultWorkingContext);
    inference::MemoryEstimate memory;
    inference::ModelConfig config;
    try {
        config = inference::ModelConfig::fromGguf(*file);
        memory = inference::estimateMemory(
            *file, config, int(context), kvType, 512, threads,
            device.empty() || device == "cpu"); // the CPU keeps sliding-window layers in rings
    } catch (const std::exception& e) {
        return runtimeFailure("info", e.what());
    }
    if (json) return printMemoryJson(memory, s.contextLength);

    std::printf("file:           %s (%s)\n", path.c_str(), mib(s.fileBytes).c_str());
    std::printf("architecture:   %s%s%s\n", s.architecture.c_str(),
                s.name.empty() ? "" : "  name: ", s.name.c_str());
    std::printf("layers:         %lld, n_embd %lld, heads %lld (kv %lld, head size %lld)\n",
                (long long)s.nLayer, (long long)s.nEmbd, (long long)s.nHead, (long long)s.nHeadKv,
                (long long)s.headDimK);
    if (s.nExpert > 0)
        std::printf("experts:        %lld, %lld used per token, expert FFN %lld\n",
                    (long long)s.nExpert, (long long)s.nExpertUsed, (long long)s.nFf);
    else
        std::printf("ffn:            %lld\n", (long long)s.nFf);
    std::printf("parameters:     %s total, %s active per token\n", count(s.parameters).c_str(),
                count(s.activeParameters).c_str());
    std::printf("tensor types:  ");
    for (const auto& [name, cb] : s.typeCountsAndBytes)
        std::printf(" %s x%lld (%s)", name.c_str(), (long long)cb.first, mib(cb.second).c_str());
    std::printf("\n");
    std::printf("tokenizer:      %s (pre %s), %lld tokens, %lld merges, bos %lld, eos %lld, "
                "add_bos %s\n",
                s.tokenizerModel.c_str(), s.tokenizerPre.empty() ? "-" : s.tokenizerPre.c_str(),
                (long long)s.tokenCount, (long long)s.mergeCount, (long long)s.bosId,
                (long long)s.eosId, s.addBos ? "true" : "false");
    std::printf("context:        %lld tokens (trained %lld; -c to change)\n", (long long)context,
                (long long)s.contextLength);
    std::printf("weights read per token: %s\n", mib(s.activeWeightBytesPerToken).c_str());
    const uint64_t kvPerToken = inference::ggmlRowBytes(kvType, config.kvValuesPerToken());
    const bool ring = device.empty() || device == "cpu";
    std::printf(
        "KV cache:       %lld bytes per token, %s at the trained context of %lld%s",
        (long long)kvPerToken,
        mib(inference::ggmlRowBytes(
                kvType,
                config.kvCacheValues(int(std::min<int64_t>(s.contextLength, 1 << 30)), 512, ring)))
            .c_str(),
        (long long)s.contextLength,
        ring && config.kvCacheValues(1 << 20, 512, true) < config.kvCacheValues(1 << 20, 512, false)
            ? " (sliding-window layers keep only their window)"
            : "");
    if (config.isMla())
        std::printf(" (latent attention: %lld values per token and layer instead of %lld for full "
                    "K/V, %.1fx less)",
                    (long long)(config.kvValuesPerToken() / config.nLayer),
                    (long long)(config.naiveKvValuesPerToken() / config.nLayer),
                    double(config.naiveKvValuesPerToken()) / double(config.kvValuesPerToken()));
    std::printf("\n");
    std::printf("memory needed:  %s = weights %s + KV cache %s (%s, %lld tokens, filled as the "
                "text grows) + buffers %s + tokenizer and process %s\n",
                mib(memory.total()).c_str(), mib(memory.weights).c_str(),
                mib(memory.kvCache).c_str(),
                std::string(inference::ggmlTypeTraits(kvType).name).c_str(), (long long)context,
                mib(memory.scratch).c_str(), mib(memory.runtime).c_str());
    const uint64_t available = inference::availableMemoryBytes();
    if (available > 0 && memory.total() > available)
        std::printf("                more than the %s available now: choose a smaller context\n",
                    mib(available).c_str());
    if (device == "cuda") return printCudaPlacement(*file, memory, placement);
    return device.empty() ? 0 : printDevice(device);
}

} // namespace fabulist::cli
