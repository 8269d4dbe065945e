#pragma once
// Why a word was chosen: for every token of a generated text, the most likely tokens under the
// coherence head (the model's own logits z_c), the diversity head (z(1) = z_c + B·(A·h) + b) and
// the mix the text was sampled from (z(α), α per token as recorded), each as probabilities at
// temperature 1 (the heads' own distributions, before the sampler's temperature and
// truncation), and how far the two heads disagree there: KL(coherence ‖ diversity) in nats.
//
// The numbers come from replaying the prompt and the generated ids through a Session in one
// batched evaluation per α; on the CPU backend they are bit for bit the logits the generation
// sampled from (the batched and the one-token paths compute the same rows).

#include "inference/engine/generator.h"

#include <cstdint>
#include <span>
#include <vector>

namespace fabulist::inference {

class HeadAdapter;
class Session;

struct TokenChoice {
    int32_t id = 0;
    float probability = 0.0f;
};

struct TokenInsight {
    int32_t id = 0;          // the generated token
    float alpha = 0.0f;      // the mix it was sampled from
    float divergence = 0.0f; // KL(coherence ‖ diversity), nats; 0 without a head
    // The generated token's probability under each distribution (diversity: 0 without a head).
    float coherenceProbability = 0.0f, diversityProbability = 0.0f, mixProbability = 0.0f;
    // The top-k of each, most likely first (ties: lower id first). Empty diversity without a
    // head; mix equals coherence at α = 0.
    std::vector<TokenChoice> coherence, diversity, mix;
};

struct InsightRequest {
    std::span<const int32_t> prompt; // at least one token
    std::span<const int32_t> ids;    // the generated tokens
    const HeadAdapter* adapter = nullptr;
    float alpha = 0.0f; // α of every token, unless alphaChanges say otherwise
    std::span<const AlphaChange> alphaChanges; // as GenerationResult records them
    int topK = 10;
};

// One insight per generated id. Leaves the session holding prompt + ids minus the last one.
// Throws EngineError (ids out of range, a context too short for prompt + ids).
std::vector<TokenInsight> inspectTokens(Session& session, const InsightRequest& request);

// The α of token `index` given the generation's start α and its recorded changes.
float alphaAt(std::span<const AlphaChange> changes, float alpha, int index);

} // namespace fabulist::inference
