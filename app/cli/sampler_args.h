#pragma once
// The sampler options generate and generate --task share: --seed, --temp, --top-k, --top-p,
// --min-p, --typical, --repeat-penalty, --repeat-last-n, --frequency-penalty,
// --presence-penalty.
#include "app/cli/model_args.h"
#include "inference/sampling/sampler_settings.h"

#include <vector>

namespace fabulist::cli {

std::vector<ArgSpec> samplerArgSpecs();
// Reads them into `s` (unset ones keep their value; no --seed: a random one). Throws UsageError.
void readSamplerArgs(const ModelArgs& args, inference::SamplerSettings& s);

} // namespace fabulist::cli
