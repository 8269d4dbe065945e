#include "inference/sampling/banned_tokens_stage.h"

#include <algorithm>
#include <limits>

namespace fabulist::inference {

void BannedTokensStage::apply(TokenCandidates& candidates, SamplerRng&) {
    if (m_banned.empty()) return;
    constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
    if (candidates.idOrdered()) {
        for (int32_t id : m_banned)
            if (id >= 0 && size_t(id) < candidates.size()) candidates[size_t(id)].logit = kMinusInf;
        return;
    }
    for (TokenCandidate& c : candidates.items())
        if (std::find(m_banned.begin(), m_banned.end(), c.id) != m_banned.end())
            c.logit = kMinusInf;
}

} // namespace fabulist::inference
