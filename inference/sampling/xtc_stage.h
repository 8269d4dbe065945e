#pragma once
// XTC ("exclude top choices", llama.cpp's semantics): with probability `probability` (one draw
// from the chain's seeded generator per token), removes every token whose probability is at
// least `threshold` except the least probable of them, so the text leaves the most obvious path
// while staying among plausible tokens. Nothing happens when fewer than two tokens reach the
// threshold, when threshold > 0.5 (then at most one can), or when probability <= 0. The draw
// is skipped in those cases, as llama.cpp skips it.

#include "inference/sampling/sampler_stage.h"

namespace fabulist::inference {

class XtcStage : public SamplerStage {
public:
    XtcStage(float probability, float threshold)
        : m_probability(probability), m_threshold(threshold) {}
    const char* name() const override { return "xtc"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;

private:
    float m_probability, m_threshold;
};

} // namespace fabulist::inference
