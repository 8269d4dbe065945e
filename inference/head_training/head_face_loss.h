#pragma once
// The training objective of the diversity head: frequency-aware cross-entropy (FACE, Jiang et
// al. 2019, "pre-weigh" variant) on the mixed logits at α = 1, with its closed-form gradient.
//
// For a position with hidden state h, model logits z_c and next token y:
//   t = A·h                       (rank r)
//   z = z_c + B·t + b             (nVocab)
//   ℓ = w_y · (logsumexp(z) − z_y)
// Token weights (from the training targets' counts c_t, nVocab tokens):
//   w_t = (c_t + 1)^(−γ) / mean_{i ∈ train} (c_{y_i} + 1)^(−γ)
// so the weights average 1 over the training positions (γ = 0 is plain cross-entropy) and rare
// tokens weigh more. The loss of a batch M is (1/|M|)·Σ_{i∈M} ℓ_i. With
//   g = (w_y/|M|)·(softmax(z) − e_y):
//   ∂/∂b = g,   ∂/∂B = g·tᵀ,   ∂/∂A = (Bᵀ·g)·hᵀ    (summed over the batch).

#include "inference/heads/head_adapter.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace fabulist::inference {

// Cached positions of a frozen model: hidden state, the model's own logits and the next token.
// Held either in the two vectors (row after row) or, for large corpora, in a file mapping of
// records [hidden (nEmbd) | logits (nVocab)] one per position (see collectHeadTrainingData).
struct HeadTrainingData {
    int nEmbd = 0;
    int nVocab = 0;
    std::vector<float> hidden;         // size() rows of nEmbd (in-memory cache)
    std::vector<float> logits;         // size() rows of nVocab (in-memory cache)
    std::vector<int32_t> targets;      // next token of each position
    int64_t evaluatedTokens = 0;       // tokens run through the model
    bool fromSavedCache = false;       // mapped from a kept cache file (no model pass)
    const float* records = nullptr;    // on-disk cache: the mapped records, or null
    std::shared_ptr<const void> owner; // keeps the mapping alive

    size_t size() const { return targets.size(); }
    const float* hiddenAt(size_t i) const {
        return records ? records + i * size_t(nEmbd + nVocab) : hidden.data() + i * size_t(nEmbd);
    }
    const float* logitsAt(size_t i) const {
        return records ? records + i * size_t(nEmbd + nVocab) + size_t(nEmbd)
                       : logits.data() + i * size_t(nVocab);
    }
};

// FACE weights per token id (formula above) from the training targets.
std::vector<float> faceTokenWeights(std::span<const int32_t> targets, int nVocab, double gamma);

// Gradient buffers in the adapter's layout.
struct HeadGradient {
    std::vector<float> a, bMatrix, bias;
    void resize(int rank, int nEmbd, int nVocab);
    void zero();
};

// Per-thread work buffers so the loss never allocates.
struct HeadLossScratch {
    std::vector<float> t, z, gt;
    HeadLossScratch(int rank, int nVocab);
};

// Returns Σ_{i∈positions} ℓ_i (double) and, when grad is not null, adds scale·∂(Σ ℓ_i) to it.
double faceLoss(const HeadAdapter& head, const HeadTrainingData& data,
                std::span<const uint32_t> positions, std::span<const float> tokenWeights,
                double scale, HeadGradient* grad, HeadLossScratch& scratch);

} // namespace fabulist::inference
