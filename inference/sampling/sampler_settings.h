#pragma once
// The knobs of the sampler chain. Defaults and meanings follow llama.cpp's common sampling
// parameters so that settings copied from llama.cpp mean the same thing here.

#include <cstdint>
#include <string>
#include <vector>

namespace fabulist::inference {

struct SamplerSettings {
    // Penalties over the last penaltyLastN accepted tokens (0 disables them).
    int32_t penaltyLastN = 64;
    float repeatPenalty = 1.0f;    // 1 = off; >1 discourages repeats (logit / or * penalty)
    float frequencyPenalty = 0.0f; // subtracted once per occurrence
    float presencePenalty = 0.0f;  // subtracted once if the token occurred at all
    int32_t topK = 40;             // <= 0: off
    float typicalP = 1.0f;         // >= 1: off
    float topP = 0.95f;            // >= 1: off
    float minP = 0.05f;            // <= 0: off
    // XTC ("exclude top choices"): with probability xtcProbability, drop every token whose
    // probability is >= xtcThreshold except the least probable of them (needs two or more).
    float xtcProbability = 0.0f; // <= 0: off
    float xtcThreshold = 0.1f;   // > 0.5: off (at most one token can be above it)
    // DRY ("don't repeat yourself"): a token that would extend a repeat of the recent text by
    // n >= dryAllowedLength tokens loses dryMultiplier * dryBase^(n - dryAllowedLength) logits.
    // Sequence breakers (token ids, see DryStage) end a repeat. The breaker strings are
    // turned into token ids by the caller that has a tokenizer (Generator).
    float dryMultiplier = 0.0f; // 0: off
    float dryBase = 1.75f;
    int32_t dryAllowedLength = 2;
    int32_t dryPenaltyLastN = -1; // -1: the whole history, 0: off
    std::vector<std::string> drySequenceBreakers{"\n", ":", "\"", "*"};
    float temperature = 0.8f; // <= 0: greedy (argmax after penalties)
    uint32_t seed = 0;

    // True when the chain reduces to an argmax (temperature 0 or top-k 1).
    bool greedy() const { return temperature <= 0.0f || topK == 1; }

    bool operator==(const SamplerSettings&) const = default;
};

} // namespace fabulist::inference
