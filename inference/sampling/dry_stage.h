#pragma once
// DRY ("don't repeat yourself", llama.cpp's semantics). Looking at the last penaltyLastN
// accepted tokens (-1: all of them), for every earlier position where the text before it equals
// the end of the history over n tokens, the token that followed there would extend that repeat
// to n + 1; it is penalized by multiplier * base^(n - allowedLength) when n >= allowedLength
// (the largest n per token counts). The match lengths come from one Z-algorithm pass over the
// reversed history, so a step costs O(window).
//
// Sequence breakers end a repeat: a match never reaches back over the most recent breaker
// token. Breakers are token ids here; the Generator maps the breaker strings of the settings to
// the ids of every token whose text contains one (llama.cpp also matches breakers that span
// several tokens; single-token containment covers the default breakers "\n" ":" "\"" "*").

#include "inference/sampling/sampler_stage.h"

#include <cstddef>
#include <span>
#include <vector>

namespace fabulist::inference {

class DryStage : public SamplerStage {
public:
    DryStage(size_t nVocab, float multiplier, float base, int32_t allowedLength,
             int32_t penaltyLastN, std::span<const int32_t> breakers, size_t maxHistory = 8192);

    const char* name() const override { return "dry"; }
    void apply(TokenCandidates& candidates, SamplerRng& rng) override;
    void accept(int32_t token) override;
    void reset() override;

private:
    int32_t fromEnd(size_t i) const; // i-th most recent token (0 = last)

    float m_multiplier, m_base;
    int32_t m_allowedLength;
    size_t m_window;                      // tokens looked at
    std::vector<unsigned char> m_breaker; // per id
    std::vector<int32_t> m_history;       // ring buffer of the last m_window tokens
    size_t m_head = 0, m_filled = 0;
    std::vector<int32_t> m_z;         // Z-array of the reversed window
    std::vector<int32_t> m_maxRepeat; // per id: longest repeat it would extend (-1: none)
    std::vector<int32_t> m_touched;   // ids with m_maxRepeat set this step
};

} // namespace fabulist::inference
