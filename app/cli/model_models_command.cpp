// `fabulist-cli models fit MODEL.gguf [--context N] [-t THREADS] [--bandwidth GB_PER_S] [--depth D]
// [--json]`: will the model fit this machine and how fast would it decode (inference/engine/
// model_fit.h) — the numbers the Models dialog shows. The read bandwidth is measured once and
// cached in the user's cache folder ($XDG_CACHE_HOME/fabulist) unless --bandwidth gives it.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_json.h"
#include "inference/engine/memory_bandwidth.h"
#include "inference/engine/memory_estimate.h"
#include "inference/engine/model_fit.h"
#include "inference/gguf/gguf_file.h"
#include "inference/model/model_config.h"

#include <algorithm>
#include <cstdio>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage = "models fit MODEL.gguf [--context N] [-t THREADS] "
                               "[--bandwidth GB_PER_S] [--depth D] [--json]";

void printFitJson(const std::string& path, const inference::ModelConfig& config,
                  const inference::ModelFootprint& f, const inference::FitEstimate& e,
                  const inference::BandwidthMeasurement& bw, int depth) {
    std::printf("{\"model\": %s, \"architecture\": %s, \"context\": %d, \"depth\": %d, "
                "\"memory_needed_bytes\": %llu, \"memory_available_bytes\": %llu, "
                "\"memory_total_bytes\": %llu, \"fits\": %s, \"weight_bytes_per_token\": %llu, "
                "\"kv_bytes_per_token\": %llu, \"bandwidth_gb_per_s\": %s, "
                "\"bandwidth_cached\": %s, \"threads\": %d, \"cpu\": %s, "
                "\"decode_efficiency\": %s, \"expected_decode_tokens_per_s\": %s, "
                "\"gpu\": %s, \"gpu_memory_bytes\": %llu, \"fits_gpu\": %s}\n",
                jsonString(path).c_str(), jsonString(config.architecture).c_str(), f.contextLength,
                depth, (unsigned long long)e.needed, (unsigned long long)e.available,
                (unsigned long long)e.total, e.fits ? "true" : "false",
                (unsigned long long)f.bytesPerToken, (unsigned long long)f.kvBytesPerToken,
                jsonNumber(bw.gbPerSecond).c_str(), bw.fromCache ? "true" : "false", bw.threads,
                jsonString(bw.cpu).c_str(), jsonNumber(inference::kCpuDecodeEfficiency).c_str(),
                jsonNumber(e.tokensPerSecond).c_str(),
                e.gpuName.empty() ? "null" : jsonString(e.gpuName).c_str(),
                (unsigned long long)e.gpuBytes, e.fitsGpu ? "true" : "false");
}

int runFit(const std::vector<std::string>& argv) {
    std::string path;
    int context = 0, threads = 0, depth = 0;
    double bandwidth = 0.0;
    bool json = false;
    try {
        ModelArgs args(argv,
                       {{{"-c", "--context"}},
                        {{"-t", "--threads"}},
                        {{"--bandwidth"}},
                        {{"--depth"}},
                        {{"--json"}, false}},
                       1);
        if (args.positionals().empty()) throw UsageError("name the model file");
        path = args.positionals()[0];
        requireModelFile(path);
        context = int(args.integer("-c", 0, 0, 1 << 22));
        threads = int(args.integer("-t", 0, 0, 1024));
        depth = int(args.integer("--depth", 0, 0, 1 << 22));
        bandwidth = args.number("--bandwidth", 0.0, 0.0, 1e6);
        json = args.has("--json");
    } catch (const UsageError& e) {
        return usageFailure("models fit", kUsage, e.what());
    }
    try {
        const auto file = inference::GgufFile::open(path);
        const auto config = inference::ModelConfig::fromGguf(*file);
        if (context == 0) context = std::min(config.nCtxTrain, inference::kDefaultWorkingContext);
        const auto footprint =
            inference::footprintOfFile(*file, config, context, inference::GgmlType::F16, threads);
        inference::BandwidthMeasurement bw;
        if (bandwidth > 0.0)
            bw = {inference::cpuModelName(), threads, bandwidth, false};
        else
            bw = inference::cachedReadBandwidth(inference::defaultCacheDir(), threads);
        const auto fit =
            inference::estimateFit(footprint, inference::machineMemory(), bw.gbPerSecond, depth);
        if (json) {
            printFitJson(path, config, footprint, fit, bw, depth);
            return 0;
        }
        std::printf("%s (%s), context %d\n", path.c_str(), config.architecture.c_str(), context);
        std::printf("memory: %s (needs %s, this machine has %s in all)\n",
                    inference::describeFit(fit).c_str(), inference::formatBytes(fit.needed).c_str(),
                    inference::formatBytes(fit.total).c_str());
        std::printf("decode: about %.1f tokens/s (%s of weights per token, %.1f GB/s read "
                    "bandwidth%s, %d threads, efficiency %.2f)\n",
                    fit.tokensPerSecond, inference::formatBytes(footprint.bytesPerToken).c_str(),
                    bw.gbPerSecond, bw.fromCache ? " cached" : " measured", bw.threads,
                    inference::kCpuDecodeEfficiency);
        return 0;
    } catch (const std::exception& e) {
        return runtimeFailure("models fit", e.what()); // names the file and the fix
    }
}

} // namespace

int runModelsCommand(const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "fit")
        return runFit(std::vector<std::string>(args.begin() + 1, args.end()));
    return usageFailure("models", kUsage,
                        args.empty() ? "name a subcommand"
                                     : "unknown subcommand '" + args[0] + "'");
}

} // namespace fabulist::cli
