#include "app/cli/sampler_args.h"

#include "inference/sampling/sampler_settings_check.h"

#include <random>

namespace fabulist::cli {

std::vector<ArgSpec> samplerArgSpecs() {
    return {{{"-s", "--seed"}},      {{"--temp"}},           {{"--top-k"}},
            {{"--top-p"}},           {{"--min-p"}},          {{"--typical"}},
            {{"--repeat-penalty"}},  {{"--repeat-last-n"}},  {{"--frequency-penalty"}},
            {{"--presence-penalty"}}};
}

void readSamplerArgs(const ModelArgs& args, inference::SamplerSettings& s) {
    s.seed = static_cast<uint32_t>(
        args.integer("--seed", static_cast<int64_t>(std::random_device{}()), 0, 0xFFFFFFFFll));
    s.temperature = static_cast<float>(args.number("--temp", s.temperature, 0, 100));
    s.topK = static_cast<int32_t>(args.integer("--top-k", s.topK, -1, 1 << 30));
    s.topP = static_cast<float>(args.number("--top-p", s.topP, 0, 1));
    s.minP = static_cast<float>(args.number("--min-p", s.minP, 0, 1));
    s.typicalP = static_cast<float>(args.number("--typical", s.typicalP, 0, 1));
    s.repeatPenalty = static_cast<float>(args.number("--repeat-penalty", s.repeatPenalty, 1e-3, 100));
    s.penaltyLastN =
        static_cast<int32_t>(args.integer("--repeat-last-n", s.penaltyLastN, 0, 1 << 24));
    s.frequencyPenalty =
        static_cast<float>(args.number("--frequency-penalty", s.frequencyPenalty, -100, 100));
    s.presencePenalty =
        static_cast<float>(args.number("--presence-penalty", s.presencePenalty, -100, 100));
    if (const std::string problem = inference::samplerSettingsProblem(s); !problem.empty())
        throw UsageError(problem);
}

} // namespace fabulist::cli
