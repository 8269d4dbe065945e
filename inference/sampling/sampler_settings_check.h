#pragma once
// The ranges a SamplerSettings value may take. Out-of-range values are refused, never clamped:
// a writer who asked for top-p 2 gets told, not a chain that silently ignores it.

#include "inference/sampling/sampler_settings.h"

#include <string>

namespace fabulist::inference {

// Empty when every setting is finite and in range; else one sentence naming the first setting
// that is not and its allowed range.
std::string samplerSettingsProblem(const SamplerSettings& settings);

} // namespace fabulist::inference
