#include "inference/sampling/dry_stage.h"

#include <algorithm>
#include <cmath>

namespace fabulist::inference {

DryStage::DryStage(size_t nVocab, float multiplier, float base, int32_t allowedLength,
                   int32_t penaltyLastN, std::span<const int32_t> breakers, size_t maxHistory)
    : m_multiplier(multiplier), m_base(base), m_allowedLength(std::max<int32_t>(allowedLength, 0)),
      m_window(penaltyLastN < 0 ? maxHistory : std::min<size_t>(size_t(penaltyLastN), maxHistory)),
      m_breaker(nVocab, 0), m_history(m_window, -1), m_z(m_window, 0), m_maxRepeat(nVocab, -1) {
    for (int32_t id : breakers)
        if (id >= 0 && size_t(id) < nVocab) m_breaker[size_t(id)] = 1;
    m_touched.reserve(m_window);
}

int32_t DryStage::fromEnd(size_t i) const {
    return m_history[(m_head + m_window - 1 - i) % m_window];
}

void DryStage::accept(int32_t token) {
    if (m_window == 0) return;
    m_history[m_head] = token;
    m_head = (m_head + 1) % m_window;
    if (m_filled < m_window) ++m_filled;
}

void DryStage::reset() {
    m_head = 0;
    m_filled = 0;
}

void DryStage::apply(TokenCandidates& candidates, SamplerRng&) {
    const size_t n = m_filled;
    if (m_multiplier == 0.0f || m_base < 1.0f || n <= size_t(m_allowedLength)) return;

    // A repeat may not reach back over the most recent sequence breaker.
    size_t repLimit = n;
    for (size_t i = 0; i < n; ++i) {
        const int32_t id = fromEnd(i);
        if (id >= 0 && size_t(id) < m_breaker.size() && m_breaker[size_t(id)]) {
            repLimit = i;
            break;
        }
    }
    if (repLimit < size_t(m_allowedLength)) return;

    // Z-algorithm over r[i] = fromEnd(i): z[k] = how many of the most recent tokens also end
    // the history k tokens earlier, i.e. the length of the repeat that r[k-1] would extend.
    size_t left = 0, right = 0; // [left, right): the rightmost match window found so far
    for (size_t k = 1; k < n; ++k) {
        size_t len = 0;
        if (k < right) len = std::min<size_t>(right - k, size_t(m_z[k - left]));
        while (k + len < n && fromEnd(len) == fromEnd(k + len)) ++len;
        if (k + len > right) {
            left = k;
            right = k + len;
        }
        m_z[k] = int32_t(len);
    }

    m_touched.clear();
    for (size_t k = 1; k < n; ++k) {
        const int32_t len = int32_t(std::min<size_t>(size_t(m_z[k]), repLimit));
        if (len < m_allowedLength) continue;
        const int32_t id = fromEnd(k - 1);
        if (id < 0 || size_t(id) >= m_maxRepeat.size()) continue;
        int32_t& best = m_maxRepeat[size_t(id)];
        if (best < 0) m_touched.push_back(id); // reserved for the window: no allocation
        best = std::max(best, len);
    }
    if (m_touched.empty()) return;

    // base^exponent must stay a finite float (as llama.cpp caps it).
    const float maxExponent = m_base > 1.000001f ? 103.72283935546875f / std::log(m_base) : 0.0f;
    auto penalty = [&](int32_t len) {
        float exponent = float(len - m_allowedLength);
        if (maxExponent > 0.0f) exponent = std::min(exponent, maxExponent);
        return m_multiplier * std::pow(m_base, exponent);
    };
    if (candidates.idOrdered()) {
        for (int32_t id : m_touched)
            if (size_t(id) < candidates.size())
                candidates[size_t(id)].logit -= penalty(m_maxRepeat[size_t(id)]);
    } else {
        for (TokenCandidate& c : candidates.items())
            if (c.id >= 0 && size_t(c.id) < m_maxRepeat.size() && m_maxRepeat[size_t(c.id)] >= 0)
                c.logit -= penalty(m_maxRepeat[size_t(c.id)]);
    }
    for (int32_t id : m_touched) m_maxRepeat[size_t(id)] = -1;
}

} // namespace fabulist::inference
