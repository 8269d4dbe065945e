#pragma once
// Options every engine-running command shares: -m MODEL, -t THREADS, -c CONTEXT,
// --kv-type f16|f32|q8_0, --experts-used E, --device D, --cpu-moe N.

#include "app/cli/model_args.h"
#include "inference/engine/engine.h"
#include "inference/heads/head_adapter.h"

#include <vector>

namespace fabulist::cli {

std::vector<ArgSpec> engineArgSpecs(std::vector<ArgSpec> more);
// Reads the shared options (and validates the model path). Throws UsageError.
inference::EngineOptions engineOptions(const ModelArgs& args);
// An engine and, with --adapter, the diversity head made for its model.
struct LoadedModel {
    std::unique_ptr<inference::Engine> engine;
    inference::HeadAdapter adapter;
    bool hasAdapter = false;
    const inference::HeadAdapter* head() const { return hasAdapter ? &adapter : nullptr; }
};
// What generate, perplexity and eval-diversity load. Throws what the loaders throw (their
// messages name the file and the fix).
LoadedModel loadModelAndHead(const inference::EngineOptions& options,
                             const std::string& adapterPath);

// -t above the hardware threads: a warning on stderr and the hardware count.
int cappedThreads(int requested);

} // namespace fabulist::cli
