#include "inference/sampling/token_candidates.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace fabulist::inference {

void TokenCandidates::load(const float* logits, size_t n) {
    if (n > m_items.size())
        throw std::invalid_argument("TokenCandidates: more logits than capacity");
    for (size_t i = 0; i < n; ++i) m_items[i] = {static_cast<int32_t>(i), logits[i], 0.0f};
    m_size = n;
    m_idOrdered = true;
    m_sorted = false;
}

void TokenCandidates::sortDescending(size_t k) {
    if (m_sorted) return;
    // Ties broken by id so that the order (and thus the sampled token) never depends on the
    // sort algorithm.
    auto greater = [](const TokenCandidate& a, const TokenCandidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    };
    auto begin = m_items.begin();
    if (k < m_size) {
        std::partial_sort(begin, begin + static_cast<ptrdiff_t>(k),
                          begin + static_cast<ptrdiff_t>(m_size), greater);
        m_size = k; // callers of a partial sort only keep the first k
    } else {
        std::sort(begin, begin + static_cast<ptrdiff_t>(m_size), greater);
    }
    m_sorted = true;
    m_idOrdered = false;
}

void TokenCandidates::softmax() {
    if (m_size == 0) return;
    sortDescending();
    const float maxLogit = m_items[0].logit;
    double sum = 0.0;
    for (size_t i = 0; i < m_size; ++i) {
        float e = std::exp(m_items[i].logit - maxLogit);
        m_items[i].p = e;
        sum += e;
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (size_t i = 0; i < m_size; ++i) m_items[i].p *= inv;
}

void TokenCandidates::softmaxInPlace() {
    if (m_size == 0) return;
    float maxLogit = m_items[0].logit;
    for (size_t i = 1; i < m_size; ++i) maxLogit = std::max(maxLogit, m_items[i].logit);
    double sum = 0.0;
    for (size_t i = 0; i < m_size; ++i) {
        float e = std::exp(m_items[i].logit - maxLogit);
        m_items[i].p = e;
        sum += e;
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (size_t i = 0; i < m_size; ++i) m_items[i].p *= inv;
}

void TokenCandidates::truncate(size_t n) {
    if (n >= m_size) return;
    m_size = n;
    m_idOrdered = false;
}

size_t TokenCandidates::argmax() const {
    size_t best = 0;
    for (size_t i = 1; i < m_size; ++i)
        if (m_items[i].logit > m_items[best].logit) best = i;
    return best;
}

} // namespace fabulist::inference
