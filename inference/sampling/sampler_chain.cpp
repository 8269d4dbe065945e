#include "inference/sampling/sampler_chain.h"

#include "inference/sampling/penalty_stage.h"
#include "inference/sampling/truncation_stages.h"

#include <stdexcept>

namespace fabulist::inference {

SamplerChain::SamplerChain(size_t nVocab, uint32_t seed)
    : m_nVocab(nVocab), m_candidates(nVocab), m_rng(seed) {}

SamplerChain SamplerChain::fromSettings(const SamplerSettings& s, size_t nVocab) {
    SamplerChain chain(nVocab, s.seed);
    if (s.penaltyLastN != 0 &&
        (s.repeatPenalty != 1.0f || s.frequencyPenalty != 0.0f || s.presencePenalty != 0.0f))
        chain.addStage(std::make_unique<PenaltyStage>(nVocab, s.penaltyLastN, s.repeatPenalty,
                                                      s.frequencyPenalty, s.presencePenalty));
    if (s.greedy()) {
        // Everything between the penalties and the draw keeps the best token anyway.
        chain.addStage(std::make_unique<TemperatureStage>(0.0f));
        return chain;
    }
    if (s.topK > 0) chain.addStage(std::make_unique<TopKStage>(s.topK));
    if (s.typicalP < 1.0f) chain.addStage(std::make_unique<TypicalStage>(nVocab, s.typicalP));
    if (s.topP < 1.0f) chain.addStage(std::make_unique<TopPStage>(s.topP));
    if (s.minP > 0.0f) chain.addStage(std::make_unique<MinPStage>(s.minP));
    chain.addStage(std::make_unique<TemperatureStage>(s.temperature));
    return chain;
}

void SamplerChain::addStage(std::unique_ptr<SamplerStage> stage) {
    m_stages.push_back(std::move(stage));
}

void SamplerChain::insertStage(size_t index, std::unique_ptr<SamplerStage> stage) {
    if (index > m_stages.size()) throw std::out_of_range("SamplerChain::insertStage: bad index");
    m_stages.insert(m_stages.begin() + static_cast<ptrdiff_t>(index), std::move(stage));
}

int32_t SamplerChain::sample(const float* logits, size_t n) {
    m_candidates.load(logits, n < m_nVocab ? n : m_nVocab);
    for (auto& stage : m_stages) stage->apply(m_candidates, m_rng);
    return draw();
}

int32_t SamplerChain::draw() {
    if (m_candidates.empty()) return -1;
    if (m_candidates.size() == 1) return m_candidates[0].id;
    m_candidates.softmax();
    // A uniform double in [0, 1) from two 32-bit draws, computed by hand so that the result
    // does not depend on the standard library's distribution implementation.
    const uint64_t hi = m_rng() >> 5, lo = m_rng() >> 6; // 27 + 26 bits
    const double u = (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) *
                     (1.0 / 9007199254740992.0);
    double cumulative = 0.0;
    for (size_t i = 0; i < m_candidates.size(); ++i) {
        cumulative += m_candidates[i].p;
        if (u < cumulative) return m_candidates[i].id;
    }
    return m_candidates[m_candidates.size() - 1].id; // rounding left u above the last sum
}

void SamplerChain::accept(int32_t token) {
    for (auto& stage : m_stages) stage->accept(token);
}

void SamplerChain::reset(uint32_t seed) {
    for (auto& stage : m_stages) stage->reset();
    m_rng.seed(seed);
}

} // namespace fabulist::inference
