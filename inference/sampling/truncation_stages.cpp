#include "inference/sampling/truncation_stages.h"

#include <algorithm>
#include <cmath>

namespace fabulist::inference {

namespace {
// Above this many candidates, top-p avoids sorting all of them.
constexpr size_t kFullSortLimit = 1024;
} // namespace

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
    if (!candidates.sorted() && candidates.size() > kFullSortLimit) {
        // A whole vocabulary (no top-k before): sort only as far as needed. Partially sort the
        // best k, and if their mass falls short of p, try 4k, and so on. Same result as the
        // full sort, in O(n log k) for the usual peaked distributions.
        candidates.softmaxInPlace();
        auto items = candidates.items();
        auto greater = [](const TokenCandidate& a, const TokenCandidate& b) {
            return a.p > b.p || (a.p == b.p && a.id < b.id);
        };
        for (size_t k = 256; k < items.size(); k *= 4) {
            std::partial_sort(items.begin(), items.begin() + static_cast<ptrdiff_t>(k), items.end(),
                              greater);
            double mass = 0.0;
            for (size_t i = 0; i < k; ++i) {
                mass += items[i].p;
                if (mass >= m_p) {
                    candidates.markUnordered();
                    candidates.truncate(i + 1);
                    return;
                }
            }
        }
    }
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
    if (candidates.sorted()) {
        const float threshold = candidates[0].logit + std::log(m_p);
        size_t keep = 1;
        while (keep < candidates.size() && candidates[keep].logit >= threshold) ++keep;
        candidates.truncate(keep);
        return;
    }
    // Unsorted (a whole vocabulary): one pass to find the best, one to filter; order is kept.
    // The best always stays (a NaN logit fails every comparison, and the draw needs one).
    const TokenCandidate best = candidates[candidates.argmax()];
    const float threshold = best.logit + std::log(m_p);
    candidates.keepIf([threshold, &best](const TokenCandidate& c) {
        return c.logit >= threshold || c.id == best.id;
    });
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
