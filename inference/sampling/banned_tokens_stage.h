#pragma once
// Bans a few token ids for the next draw only (their logit becomes -inf). The Generator uses it
// to resample a position after backing off from a banned phrase: the set belongs to one
// position and is replaced before every sample. It runs first in the chain so that no later
// stage can pick a banned token, and it keeps the candidates in id order (no removal), so the
// stages after it keep their O(1) look-ups.

#include "inference/sampling/sampler_stage.h"

#include <vector>

namespace fabulist::inference {

class BannedTokensStage : public SamplerStage {
public:
    explicit BannedTokensStage(size_t capacity = 64) { m_banned.reserve(capacity); }
    const char* name() const override { return "banned-tokens"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;

    // The ids banned at the next sample(); clearing is free, adding allocates only past the
    // reserved capacity (the Generator caps its retries below it).
    void clear() { m_banned.clear(); }
    void ban(int32_t id) { m_banned.push_back(id); }
    size_t count() const { return m_banned.size(); }

private:
    std::vector<int32_t> m_banned;
};

} // namespace fabulist::inference
