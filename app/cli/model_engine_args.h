#pragma once
// Options every engine-running command shares: -m MODEL, -t THREADS, -c CONTEXT,
// --kv-type f16|f32, --experts-used E.

#include "app/cli/model_args.h"
#include "inference/engine/engine.h"

#include <vector>

namespace fabulist::cli {

std::vector<ArgSpec> engineArgSpecs(std::vector<ArgSpec> more);
// Reads the shared options (and validates the model path). Throws UsageError.
inference::EngineOptions engineOptions(const ModelArgs& args);
// -t above the hardware threads: a warning on stderr and the hardware count.
int cappedThreads(int requested);

} // namespace fabulist::cli
