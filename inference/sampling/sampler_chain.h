#pragma once
// A sampler chain: logits in, one token out. The default chain has llama.cpp's default order:
//   penalties -> DRY -> top-k -> typical -> top-p -> min-p -> XTC -> temperature -> seeded draw
// (stages that are off are left out; a greedy chain is penalties -> DRY -> argmax). The same
// seed and settings give the same tokens. Buffers are sized for the vocabulary at
// construction, so sample() never allocates.
//
// More stages can be inserted with insertStage() without touching the existing ones (the
// Generator puts a BannedTokensStage first for banned phrases; see sampling/README.md).

#include "inference/sampling/sampler_settings.h"
#include "inference/sampling/sampler_stage.h"
#include "inference/sampling/token_candidates.h"

#include <memory>
#include <span>
#include <vector>

namespace fabulist::inference {

class SamplerChain {
public:
    // An empty chain (only the final draw) for nVocab tokens.
    SamplerChain(size_t nVocab, uint32_t seed);
    // The default chain for these settings.
    // dryBreakers: the token ids that end a DRY repeat (see DryStage); maxHistory bounds DRY's
    // window when its penaltyLastN is -1 (pass the context length).
    static SamplerChain fromSettings(const SamplerSettings& settings, size_t nVocab,
                                     std::span<const int32_t> dryBreakers = {},
                                     size_t maxHistory = 8192);

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
    // Forgets all history but keeps the generator's state (for rewinding: the caller accepts
    // the kept tokens again).
    void resetHistory();
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
