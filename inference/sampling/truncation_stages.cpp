#include "inference/sampling/truncation_stages.h"

#include <algorithm>
#include <cmath>

namespace fabulist::inference {

void TopKStage::apply(TokenCandidates& candidates, SamplerRng&) {
    if (m_k <= 0 || candidates.empty()) return;
    candidates.sortDescending(std::min(static_cast<size_t>(m_k), candidates.size()));
}

TypicalStage::TypicalStage(size_t nVocab, float p) : m_p(p) {
    if (p < 1.0f) m_scratch.resize(nVocab);
}

void TypicalStage::apply(TokenCandidates& candidates, SamplerRng&) {
    const size_t n = candidates.size();
    if (m_p >= 1.0f || n <= 1 || n > m_scratch.size()) return;
    candidates.softmax();
    double entropy = 0.0;
    for (const TokenCandidate& c : candidates.items())
        if (c.p > 0.0f) entropy -= c.p * std::log(static_cast<double>(c.p));
    for (size_t i = 0; i < n; ++i) {
        const TokenCandidate& c = candidates[i];
        double surprise = c.p > 0.0f ? -std::log(static_cast<double>(c.p)) : INFINITY;
        m_scratch[i] = {static_cast<float>(std::fabs(surprise - entropy)), c};
    }
    std::sort(m_scratch.begin(), m_scratch.begin() + static_cast<ptrdiff_t>(n),
              [](const Scored& a, const Scored& b) {
                  return a.score < b.score ||
                         (a.score == b.score && a.candidate.id < b.candidate.id);
              });
    double mass = 0.0;
    size_t keep = n;
    for (size_t i = 0; i < n; ++i) {
        mass += m_scratch[i].candidate.p;
        if (mass > m_p) { // llama.cpp: strictly greater, min_keep 1
            keep = i + 1;
            break;
        }
    }
    for (size_t i = 0; i < keep; ++i) candidates[i] = m_scratch[i].candidate;
    candidates.markUnordered();
    candidates.truncate(keep);
}

void TopPStage::apply(TokenCandidates& candidates, SamplerRng&) {
    if (m_p >= 1.0f || candidates.size() <= 1) return;
    candidates.softmax();
    double mass = 0.0;
    for (size_t i = 0; i < candidates.size(); ++i) {
        mass += candidates[i].p;
        if (mass >= m_p) {
            candidates.truncate(i + 1);
            return;
        }
    }
}

void MinPStage::apply(TokenCandidates& candidates, SamplerRng&) {
    if (m_p <= 0.0f || candidates.size() <= 1) return;
    // p_i >= minP * p_max  <=>  logit_i >= logit_max + log(minP); no softmax needed.
    candidates.sortDescending();
    const float threshold = candidates[0].logit + std::log(m_p);
    size_t keep = 1;
    while (keep < candidates.size() && candidates[keep].logit >= threshold) ++keep;
    candidates.truncate(keep);
}

void TemperatureStage::apply(TokenCandidates& candidates, SamplerRng&) {
    if (candidates.empty()) return;
    if (m_t <= 0.0f) {
        size_t best = candidates.argmax();
        candidates[0] = candidates[best];
        candidates.markUnordered();
        candidates.truncate(1);
        return;
    }
    if (m_t == 1.0f) return;
    for (TokenCandidate& c : candidates.items()) c.logit /= m_t;
}

} // namespace fabulist::inference
