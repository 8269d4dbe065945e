#include "inference/sampling/sampler_chain.h"

#include "inference/sampling/dry_stage.h"
#include "inference/sampling/penalty_stage.h"
#include "inference/sampling/truncation_stages.h"
#include "inference/sampling/xtc_stage.h"

#include <stdexcept>

namespace fabulist::inference {

SamplerChain::SamplerChain(size_t nVocab, uint32_t seed)
    : m_nVocab(nVocab), m_candidates(nVocab), m_rng(seed) {}

SamplerChain SamplerChain::fromSettings(const SamplerSettings& s, size_t nVocab,
                                        std::span<const int32_t> dryBreakers, size_t maxHistory) {
    SamplerChain chain(nVocab, s.seed);
    if (s.penaltyLastN != 0 &&
        (s.repeatPenalty != 1.0f || s.frequencyPenalty != 0.0f || s.presencePenalty != 0.0f))
        chain.addStage(std::make_unique<PenaltyStage>(nVocab, s.penaltyLastN, s.repeatPenalty,
                                                      s.frequencyPenalty, s.presencePenalty));
    if (s.dryMultiplier != 0.0f && s.dryPenaltyLastN != 0)
        chain.addStage(std::make_unique<DryStage>(nVocab, s.dryMultiplier, s.dryBase,
                                                  s.dryAllowedLength, s.dryPenaltyLastN,
                                                  dryBreakers, maxHistory));
    if (s.greedy()) {
        // Everything between the penalties and the draw keeps the best token anyway.
        chain.addStage(std::make_unique<TemperatureStage>(0.0f));
        return chain;
    }
    if (s.topK > 0) chain.addStage(std::make_unique<TopKStage>(s.topK));
    if (s.typicalP < 1.0f) chain.addStage(std::make_unique<TypicalStage>(nVocab, s.typicalP));
    if (s.topP < 1.0f) chain.addStage(std::make_unique<TopPStage>(s.topP));
    if (s.minP > 0.0f) chain.addStage(std::make_unique<MinPStage>(s.minP));
    if (s.xtcProbability > 0.0f && s.xtcThreshold <= 0.5f)
        chain.addStage(std::make_unique<XtcStage>(s.xtcProbability, s.xtcThreshold));
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
    // Rounding left u above the last sum: the last token that can be drawn at all.
    for (size_t i = m_candidates.size(); i-- > 0;)
        if (m_candidates[i].p > 0.0f) return m_candidates[i].id;
    return m_candidates[0].id;
}

void SamplerChain::accept(int32_t token) {
    for (auto& stage : m_stages) stage->accept(token);
}

void SamplerChain::resetHistory() {
    for (auto& stage : m_stages) stage->reset();
}

void SamplerChain::reset(uint32_t seed) {
    for (auto& stage : m_stages) stage->reset();
    m_rng.seed(seed);
}

} // namespace fabulist::inference
