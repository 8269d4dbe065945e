#pragma once
// Repeat / frequency / presence penalties over the last `lastN` accepted tokens, as llama.cpp
// applies them: logit <= 0 is multiplied by the repeat penalty, logit > 0 divided by it; then
// count * frequency + (count > 0) * presence is subtracted.

#include "inference/sampling/sampler_stage.h"

#include <cstddef>
#include <vector>

namespace fabulist::inference {

class PenaltyStage : public SamplerStage {
public:
    PenaltyStage(size_t nVocab, int32_t lastN, float repeat, float frequency, float presence);

    const char* name() const override { return "penalties"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;
    void accept(int32_t token) override;
    void reset() override;

private:
    void penalize(TokenCandidate& c, int32_t count) const;

    std::vector<int32_t> m_counts; // occurrences of each id inside the window
    std::vector<int32_t> m_window; // ring buffer of the last lastN tokens
    size_t m_head = 0;             // next slot to overwrite
    size_t m_filled = 0;
    float m_repeat, m_frequency, m_presence;
};

} // namespace fabulist::inference
