#include "inference/eval/diversity_sampler.h"

#include "inference/engine/session.h"
#include "inference/heads/head_mix.h"
#include "inference/sampling/sampler_chain.h"
#include "inference/tokenizer/tokenizer.h"

#include <cmath>

namespace fabulist::inference {

DiversitySample drawDiversitySample(Session& session, const Tokenizer& tokenizer,
                                    std::span<const int32_t> prompt,
                                    const SamplerSettings& settings, HeadMix* heads, float alpha,
                                    int length) {
    DiversitySample sample;
    if (prompt.empty() || length <= 0) return sample;
    // The mix runs on the session's backend (uploaded once: later calls with the same adapter
    // only compare the values).
    session.setHead(heads ? &heads->adapter() : nullptr);
    session.evaluate(prompt); // reuses the prompt cached by the previous sample
    const size_t nVocab = session.logits().size();
    SamplerChain chain =
        SamplerChain::fromSettings(settings, nVocab, {}, size_t(session.contextLength()));
    for (int32_t id : prompt) chain.accept(id);
    sample.ids.reserve(size_t(length));
    for (int i = 0; i < length; ++i) {
        const std::span<const float> coherence = session.logits();
        std::span<const float> logits = coherence;
        if (heads && alpha != 0.0f) logits = session.mixedLogits(alpha);
        const int32_t id = chain.sample(logits.data(), logits.size());
        if (id < 0 || tokenizer.isEndOfGeneration(id)) break;
        chain.accept(id);
        const TokenCandidates& c = chain.candidates();
        if (c.size() > 1) // draw() left the probabilities it drew from
            for (const TokenCandidate& t : c.items())
                if (t.p > 0.0f) sample.entropySum -= double(t.p) * std::log(double(t.p));
        sample.nllSum -= logSoftmaxAt(coherence, id);
        sample.ids.push_back(id);
        if (i + 1 == length || session.tokens().size() >= size_t(session.contextLength())) break;
        session.appendToken(id);
    }
    return sample;
}

} // namespace fabulist::inference
