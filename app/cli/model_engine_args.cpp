#include "app/cli/model_engine_args.h"

#include <cstdio>
#include <thread>

namespace fabulist::cli {

int cappedThreads(int requested) {
    const int hardware = static_cast<int>(std::thread::hardware_concurrency());
    if (hardware <= 0 || requested <= hardware) return requested;
    std::fprintf(stderr,
                 "fabulist-cli: -t %d is more than this machine's %d hardware threads; using %d "
                 "(more threads than cores only slows inference down)\n",
                 requested, hardware, hardware);
    return hardware;
}

std::vector<ArgSpec> engineArgSpecs(std::vector<ArgSpec> more) {
    std::vector<ArgSpec> specs = {
        {{"-m", "--model"}},  {{"-t", "--threads"}}, {{"-c", "--ctx-size"}}, {{"--kv-type"}},
        {{"--experts-used"}}, {{"--device"}},        {{"--cpu-moe"}}};
    specs.insert(specs.end(), more.begin(), more.end());
    return specs;
}

inference::EngineOptions engineOptions(const ModelArgs& args) {
    inference::EngineOptions o;
    o.modelPath = modelPathOrDefault(args.string("-m"));
    requireModelFile(o.modelPath);
    o.threads = cappedThreads(static_cast<int>(args.integer("-t", 0, 0, 1024)));
    o.contextLength = static_cast<int>(args.integer("-c", 0, 0, 1 << 24));
    o.expertsUsed = static_cast<int>(args.integer("--experts-used", 0, 0, 1024));
    const std::string kv = args.string("--kv-type", "f16");
    if (kv == "f16")
        o.kvCacheType = inference::GgmlType::F16;
    else if (kv == "f32")
        o.kvCacheType = inference::GgmlType::F32;
    else if (kv == "q8_0")
        o.kvCacheType = inference::GgmlType::Q8_0;
    else
        throw UsageError("--kv-type must be f16, f32 or q8_0, got '" + kv + "'");
    o.device = args.string("--device", "cpu");
    o.cpuMoeLayers = static_cast<int>(args.integer("--cpu-moe", -1, 0, 1 << 16));
    return o;
}

LoadedModel loadModelAndHead(const inference::EngineOptions& options,
                             const std::string& adapterPath) {
    LoadedModel model;
    model.engine = inference::Engine::load(options);
    if (!adapterPath.empty()) {
        model.adapter = inference::HeadAdapter::load(adapterPath, model.engine->file());
        model.hasAdapter = true;
    }
    return model;
}

} // namespace fabulist::cli
