#pragma once
// A sampler chain: logits in, one token out. The default chain has llama.cpp's default order:
// penalties -> top-k -> typical -> top-p -> min-p -> temperature -> seeded draw. The same seed
// and settings give the same tokens. Buffers are sized for the vocabulary at construction, so
// sample() never allocates.
//
// More stages (DRY, XTC, banned phrases) can be inserted with insertStage() without touching
// the existing ones.

#include "inference/sampling/sampler_settings.h"
#include "inference/sampling/sampler_stage.h"
#include "inference/sampling/token_candidates.h"

#include <memory>
#include <vector>

namespace fabulist::inference {

class SamplerChain {
public:
    // An empty chain (only the final draw) for nVocab tokens.
    SamplerChain(size_t nVocab, uint32_t seed);
    // The default chain for these settings.
    static SamplerChain fromSettings(const SamplerSettings& settings, size_t nVocab);

    SamplerChain(SamplerChain&&) noexcept = default;
    SamplerChain& operator=(SamplerChain&&) noexcept = default;

    void addStage(std::unique_ptr<SamplerStage> stage);
    void insertStage(size_t index, std::unique_ptr<SamplerStage> stage);
    size_t stageCount() const { return m_stages.size(); }
    const SamplerStage& stage(size_t i) const { return *m_stages[i]; }

    // Runs the chain over n logits (n <= nVocab) and draws a token. Does not accept() it.
    int32_t sample(const float* logits, size_t n);
    // Records a chosen (or prompt) token in every stage's history.
    void accept(int32_t token);
    // Forgets all history and reseeds.
    void reset(uint32_t seed);

    // The candidates left after the last sample() (for inspection and tests).
    const TokenCandidates& candidates() const { return m_candidates; }

private:
    int32_t draw();

    size_t m_nVocab;
    TokenCandidates m_candidates;
    SamplerRng m_rng;
    std::vector<std::unique_ptr<SamplerStage>> m_stages;
};

} // namespace fabulist::inference
