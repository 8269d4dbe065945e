#include "inference/engine/generator.h"

#include "inference/engine/session.h"
#include "inference/heads/head_mix.h"
#include "inference/sampling/sampler_chain.h"
#include "inference/tokenizer/tokenizer.h"

#include <chrono>
#include <optional>

namespace fabulist::inference {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

} // namespace

const char* stopReasonName(StopReason reason) {
    switch (reason) {
    case StopReason::MaxTokens:
        return "max_tokens";
    case StopReason::EndOfGeneration:
        return "end_of_generation";
    case StopReason::Callback:
        return "callback";
    case StopReason::Cancelled:
        return "cancelled";
    case StopReason::ContextFull:
        return "context_full";
    }
    return "?";
}

Generator::Generator(Session& session, const Tokenizer& tokenizer)
    : m_session(session), m_tokenizer(tokenizer) {}

GenerationResult Generator::run(std::span<const int32_t> prompt, const GenerationParams& params,
                                const TokenCallback& onToken, const std::atomic<bool>* cancel) {
    if (prompt.empty())
        throw EngineError("generation needs at least one prompt token (this model adds no BOS: "
                          "give some prompt text)");
    GenerationResult result;
    GenerationTimings& t = result.timings;
    t.promptTokens = static_cast<int>(prompt.size());
    if (params.maxTokens > 0) result.ids.reserve(static_cast<size_t>(params.maxTokens));

    const auto promptStart = Clock::now();
    try {
        t.reusedTokens = m_session.evaluate(prompt, false, cancel);
    } catch (const EvaluationCancelled&) {
        t.promptMs = msSince(promptStart);
        result.stopReason = StopReason::Cancelled;
        return result;
    }
    t.promptMs = msSince(promptStart);

    const size_t nVocab = m_session.logits().size();
    std::optional<HeadMix> heads;
    if (params.adapter) {
        if (size_t(params.adapter->nVocab()) != nVocab ||
            size_t(params.adapter->nEmbd()) != m_session.hiddenState().size())
            throw EngineError("the diversity-head adapter (n_vocab " +
                              std::to_string(params.adapter->nVocab()) + ", n_embd " +
                              std::to_string(params.adapter->nEmbd()) +
                              ") does not fit this model; load the adapter made for it");
        heads.emplace(*params.adapter);
    }
    SamplerChain chain = SamplerChain::fromSettings(params.sampler, nVocab);
    // Penalties look back over the prompt too (as llama.cpp's samplers do).
    for (int32_t id : prompt) chain.accept(id);
    TokenTextStream stream(m_tokenizer);

    const auto decodeStart = Clock::now();
    result.stopReason = StopReason::MaxTokens;
    for (int i = 0; i < params.maxTokens; ++i) {
        if (cancelled(cancel)) {
            result.stopReason = StopReason::Cancelled;
            break;
        }
        const auto sampleStart = Clock::now();
        std::span<const float> logits = m_session.logits();
        if (heads) {
            const float alpha =
                params.liveAlpha ? params.liveAlpha->load(std::memory_order_relaxed) : params.alpha;
            logits = heads->mixedLogits(m_session.hiddenState(), logits, alpha);
        }
        const int32_t id = chain.sample(logits.data(), logits.size());
        chain.accept(id);
        t.sampleMs += msSince(sampleStart);
        if (params.stopAtEndOfGeneration && m_tokenizer.isEndOfGeneration(id)) {
            result.stopReason = StopReason::EndOfGeneration;
            break;
        }
        result.ids.push_back(id);
        ++t.decodedTokens;
        std::string piece = stream.push(id);
        result.text += piece;
        if (onToken && !onToken(id, piece)) {
            result.stopReason = StopReason::Callback;
            break;
        }
        if (i + 1 == params.maxTokens) break; // the last token needs no forward pass
        if (m_session.tokens().size() >= static_cast<size_t>(m_session.contextLength()) &&
            m_session.overflowPolicy().mode == OverflowPolicy::Mode::Throw) {
            result.stopReason = StopReason::ContextFull;
            break;
        }
        try {
            m_session.appendToken(id);
        } catch (const ContextOverflow&) {
            result.stopReason = StopReason::ContextFull;
            break;
        }
    }
    t.decodeMs = msSince(decodeStart);
    std::string rest = stream.flush();
    if (!rest.empty()) {
        result.text += rest;
        if (onToken) onToken(-1, rest);
    }
    return result;
}

} // namespace fabulist::inference
