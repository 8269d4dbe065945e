#include "inference/sampling/xtc_stage.h"

namespace fabulist::inference {

void XtcStage::apply(TokenCandidates& candidates, SamplerRng& rng) {
    if (m_probability <= 0.0f || m_threshold > 0.5f || candidates.size() < 2) return;
    // A uniform float in [0, 1) from the top 24 bits, computed by hand so the result does not
    // depend on the standard library's distribution implementation.
    const float chance = float(rng() >> 8) * (1.0f / 16777216.0f);
    if (chance >= m_probability) return;
    candidates.softmax(); // sorted by descending probability
    size_t lastAbove = 0;
    for (size_t i = 0; i < candidates.size() && candidates[i].p >= m_threshold; ++i) lastAbove = i;
    if (lastAbove == 0) return; // fewer than two tokens reach the threshold
    size_t index = 0;
    candidates.keepIf([&](const TokenCandidate&) { return index++ >= lastAbove; });
}

} // namespace fabulist::inference
