#pragma once
// One link of a sampler chain. A stage rewrites or narrows the candidates; stages that need the
// history (penalties, and later DRY) see every accepted token through accept(). Stages that
// need randomness (later XTC) draw from the chain's generator passed to apply(), so one seed
// fixes the whole chain. Future stages (DRY, XTC, banned phrases) plug in the same way.

#include "inference/sampling/token_candidates.h"

#include <cstdint>
#include <random>

namespace fabulist::inference {

using SamplerRng = std::mt19937;

class SamplerStage {
public:
    virtual ~SamplerStage() = default;
    virtual const char* name() const = 0;
    // Called once per token. Must not allocate or throw.
    virtual void apply(TokenCandidates& candidates, SamplerRng& rng) = 0;
    // A token was chosen (or a prompt token was consumed).
    virtual void accept(int32_t token) {}
    // Forget the history (new, unrelated text).
    virtual void reset() {}
};

} // namespace fabulist::inference
