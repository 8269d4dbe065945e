#pragma once
// Draws one sample for the diversity benchmark and measures it on the way: the entropy of the
// sampling distribution the chain drew from at every step (after its truncation stages), and
// the log-likelihood of every drawn token under the coherence head (the model's own logits at
// temperature 1), so the perplexity costs no second pass.

#include "inference/eval/diversity_metrics.h"
#include "inference/sampling/sampler_settings.h"

#include <span>

namespace fabulist::inference {

class Session;
class Tokenizer;
class HeadMix;

struct DiversitySample {
    TokenSample ids;
    double entropySum = 0.0; // nats, over the steps
    double nllSum = 0.0;     // -log p_coherence(token), over the tokens
};

// Up to `length` tokens after `prompt` (fewer when the model ends the text). heads may be null;
// alpha mixes the diversity head in (0: the model's logits untouched). The mix itself runs on
// the session's backend (Session::setHead/mixedLogits); heads only names the adapter (its
// HeadMix is the host reference the tests compare with).
DiversitySample drawDiversitySample(Session& session, const Tokenizer& tokenizer,
                                    std::span<const int32_t> prompt,
                                    const SamplerSettings& settings, HeadMix* heads, float alpha,
                                    int length);

} // namespace fabulist::inference
