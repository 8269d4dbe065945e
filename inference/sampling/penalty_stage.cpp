#include "inference/sampling/penalty_stage.h"

namespace fabulist::inference {

PenaltyStage::PenaltyStage(size_t nVocab, int32_t lastN, float repeat, float frequency,
                           float presence)
    : m_counts(nVocab, 0), m_window(lastN > 0 ? static_cast<size_t>(lastN) : 0, -1),
      m_repeat(repeat), m_frequency(frequency), m_presence(presence) {}

void PenaltyStage::penalize(TokenCandidate& c, int32_t count) const {
    if (count <= 0) return;
    if (c.logit <= 0.0f)
        c.logit *= m_repeat;
    else
        c.logit /= m_repeat;
    c.logit -= static_cast<float>(count) * m_frequency + m_presence;
}

void PenaltyStage::apply(TokenCandidates& candidates, SamplerRng&) {
    if (m_filled == 0) return;
    if (m_repeat == 1.0f && m_frequency == 0.0f && m_presence == 0.0f) return;
    if (candidates.idOrdered()) {
        // Only the window's tokens can be affected: visit each distinct one once. A token is
        // handled at its most recent slot (its count is then negated to mark it done, and
        // restored after).
        for (size_t i = 0; i < m_filled; ++i) {
            int32_t id = m_window[i];
            if (id < 0 || static_cast<size_t>(id) >= candidates.size()) continue;
            int32_t& count = m_counts[static_cast<size_t>(id)];
            if (count <= 0) continue;
            penalize(candidates[static_cast<size_t>(id)], count);
            count = -count;
        }
        for (size_t i = 0; i < m_filled; ++i) {
            int32_t id = m_window[i];
            if (id >= 0 && static_cast<size_t>(id) < m_counts.size() &&
                m_counts[static_cast<size_t>(id)] < 0)
                m_counts[static_cast<size_t>(id)] = -m_counts[static_cast<size_t>(id)];
        }
    } else {
        for (TokenCandidate& c : candidates.items())
            if (c.id >= 0 && static_cast<size_t>(c.id) < m_counts.size())
                penalize(c, m_counts[static_cast<size_t>(c.id)]);
    }
}

void PenaltyStage::accept(int32_t token) {
    if (m_window.empty() || token < 0 || static_cast<size_t>(token) >= m_counts.size()) return;
    int32_t& slot = m_window[m_head];
    if (m_filled == m_window.size() && slot >= 0) --m_counts[static_cast<size_t>(slot)];
    slot = token;
    ++m_counts[static_cast<size_t>(token)];
    m_head = (m_head + 1) % m_window.size();
    if (m_filled < m_window.size()) ++m_filled;
}

void PenaltyStage::reset() {
    for (int32_t& id : m_window) {
        if (id >= 0) m_counts[static_cast<size_t>(id)] = 0;
        id = -1;
    }
    m_head = 0;
    m_filled = 0;
}

} // namespace fabulist::inference
