#pragma once
// Mixes a model's own logits (coherence head) with a diversity-head adapter:
//   z(α) = z_c + α·(B·(A·h) + b)
// where h is the final-RMSNorm hidden state of the same position (Session::hiddenState()) and
// z_c the model's logits (Session::logits()). α may change from one token to the next. α = 0
// is not computed at all: callers use z_c as it is (see mixedLogits), so a run at α = 0 is
// bit-identical to a run without an adapter.
//
// This is the scalar host reference. Generation mixes on the model's backend instead
// (Backend::headMix through Session::setHead/mixedLogits), which the tests hold to this class:
// bit for bit on the CPU backend, within 1e-4 relative on Vulkan.

#include "inference/heads/head_adapter.h"

#include <span>
#include <vector>

namespace fabulist::inference {

class HeadMix {
public:
    // Keeps a reference to the adapter (which must outlive the mix) and sizes its buffers
    // once; mix() never allocates.
    explicit HeadMix(const HeadAdapter& adapter);

    // out = logits + alpha·(B·(A·hidden) + b). hidden: nEmbd values, logits and out: nVocab
    // (out may alias logits). Throws EngineError when the sizes do not match the adapter.
    void mix(std::span<const float> hidden, std::span<const float> logits, float alpha,
             std::span<float> out);

    // The logits to sample from: `logits` itself when alpha == 0 (nothing computed, no copy),
    // otherwise the mixed logits in an internal buffer valid until the next call.
    std::span<const float> mixedLogits(std::span<const float> hidden, std::span<const float> logits,
                                       float alpha);

    const HeadAdapter& adapter() const { return m_adapter; }

    // A head that keeps off word-continuing tokens (word_start_mask.h): mixedLogits also keeps
    // the coherence head's probability of continuing a word. Empty: the plain mix.
    void setWordStarts(std::vector<bool> wordStarts) { m_wordStarts = std::move(wordStarts); }

private:
    const HeadAdapter& m_adapter;
    std::vector<float> m_projected; // A·h, rank values
    std::vector<float> m_out;       // nVocab values
    std::vector<bool> m_wordStarts; // empty: every token
};

} // namespace fabulist::inference
