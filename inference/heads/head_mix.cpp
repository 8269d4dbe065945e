#include "inference/heads/head_mix.h"

#include "inference/heads/word_start_mask.h"

namespace fabulist::inference {

HeadMix::HeadMix(const HeadAdapter& adapter)
    : m_adapter(adapter), m_projected(size_t(adapter.rank())), m_out(size_t(adapter.nVocab())) {}

void HeadMix::mix(std::span<const float> hidden, std::span<const float> logits, float alpha,
                  std::span<float> out) {
    const size_t d = size_t(m_adapter.nEmbd()), r = size_t(m_adapter.rank()),
                 v = size_t(m_adapter.nVocab());
    if (hidden.size() != d || logits.size() != v || out.size() != v)
        throw EngineError("diversity head: got a hidden state of " + std::to_string(hidden.size()) +
                          " values and " + std::to_string(logits.size()) +
                          " logits, but the adapter expects " + std::to_string(d) + " and " +
                          std::to_string(v));
    const float* a = m_adapter.a().data();
    for (size_t j = 0; j < r; ++j) {
        const float* row = a + j * d;
        float s = 0.0f;
        for (size_t k = 0; k < d; ++k) s += row[k] * hidden[k];
        m_projected[j] = s;
    }
    const float* bm = m_adapter.bMatrix().data();
    const float* bias = m_adapter.bias().data();
    const float* t = m_projected.data();
    for (size_t i = 0; i < v; ++i) {
        const float* row = bm + i * r;
        float s = bias[i];
        for (size_t j = 0; j < r; ++j) s += row[j] * t[j];
        out[i] = logits[i] + alpha * s;
    }
}

std::span<const float> HeadMix::mixedLogits(std::span<const float> hidden,
                                            std::span<const float> logits, float alpha) {
    if (alpha == 0.0f) return logits;
    mix(hidden, logits, alpha, m_out);
    if (!m_wordStarts.empty()) keepContinuationMass(logits, m_out, m_wordStarts);
    return m_out;
}

} // namespace fabulist::inference
