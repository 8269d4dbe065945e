#include "inference/engine/generator.h"

#include "inference/engine/generator_parts.h"
#include "inference/engine/session.h"
#include "inference/heads/head_adapter.h"
#include "inference/sampling/banned_tokens_stage.h"
#include "inference/sampling/sampler_chain.h"
#include "inference/sampling/sampler_settings_check.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <chrono>
#include <optional>

namespace fabulist::inference {

namespace generator_parts {

void noteAlpha(std::vector<AlphaChange>& changes, int index, float alpha) {
    if (!changes.empty() && changes.back().tokenIndex == index) changes.pop_back();
    if (changes.empty() || changes.back().alpha != alpha) changes.push_back({index, alpha});
}

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

std::vector<int32_t> dryBreakerIds(const Tokenizer& tokenizer, const SamplerSettings& s) {
    std::vector<int32_t> ids;
    if (s.dryMultiplier == 0.0f || s.drySequenceBreakers.empty()) return ids;
    for (int32_t id = 0; id < tokenizer.vocabSize(); ++id) {
        const std::string bytes = tokenizer.tokenBytes(id);
        for (const std::string& b : s.drySequenceBreakers)
            if (!b.empty() && bytes.find(b) != std::string::npos) {
                ids.push_back(id);
                break;
            }
    }
    return ids;
}

} // namespace generator_parts

using namespace generator_parts;

namespace {

char asciiLower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

std::string asciiLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = asciiLower(c);
    return out;
}

// Bookkeeping for banned phrases: the lower-cased bytes of the generated tokens and where each
// token ends in them.
struct PhraseGuard {
    std::vector<std::string> phrases; // lower-cased, non-empty
    size_t longest = 0;
    std::string text;                             // lower-cased bytes of the kept tokens
    std::vector<size_t> tokenEnd;                 // text.size() after each kept token
    std::vector<std::pair<size_t, int32_t>> bans; // (position, id) banned there

    explicit PhraseGuard(const std::vector<std::string>& banned) {
        for (const std::string& p : banned)
            if (!p.empty()) {
                phrases.push_back(asciiLower(p));
                longest = std::max(longest, p.size());
            }
    }
    bool active() const { return !phrases.empty(); }
    size_t tokenStart(size_t i) const { return i == 0 ? 0 : tokenEnd[i - 1]; }

    void push(std::string_view bytes) {
        for (char c : bytes) text.push_back(asciiLower(c));
        tokenEnd.push_back(text.size());
    }
    // Index of the first token of a banned phrase that overlaps the last token, or -1.
    long firstTokenOfMatch() const {
        const size_t last = tokenEnd.size() - 1;
        long best = -1;
        for (const std::string& p : phrases) {
            const size_t from =
                tokenStart(last) + 1 > p.size() ? tokenStart(last) + 1 - p.size() : 0;
            const size_t at = text.find(p, from);
            if (at == std::string::npos) continue;
            const size_t token =
                size_t(std::upper_bound(tokenEnd.begin(), tokenEnd.end(), at) - tokenEnd.begin());
            if (best < 0 || long(token) < best) best = long(token);
        }
        return best;
    }
    void truncate(size_t tokens) {
        tokenEnd.resize(tokens);
        text.resize(tokens == 0 ? 0 : tokenEnd.back());
    }
    // Tokens from n on that no phrase can still start in (the text after them is already
    // longer than any phrase) are settled; returns the new end of the settled tokens.
    size_t settled(size_t n) const {
        while (n < tokenEnd.size() && tokenEnd[n] + longest <= text.size()) ++n;
        return n;
    }
};

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
    if (const std::string problem = samplerSettingsProblem(params.sampler); !problem.empty())
        throw EngineError("sampler settings: " + problem);
    GenerationResult result;
    GenerationTimings& t = result.timings;
    t.promptTokens = static_cast<int>(prompt.size());
    if (params.maxTokens > 0) result.ids.reserve(static_cast<size_t>(params.maxTokens));

    if (!m_inCandidates) m_session.betweenRequests();
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
    // The head mix runs on the session's backend (uploaded once per adapter); it throws when
    // the adapter does not fit the model.
    m_session.setHead(params.adapter);
    const std::vector<int32_t> breakers = dryBreakerIds(m_tokenizer, params.sampler);
    SamplerChain chain = SamplerChain::fromSettings(params.sampler, nVocab, breakers,
                                                    size_t(m_session.contextLength()));
    PhraseGuard guard(params.bannedPhrases);
    BannedTokensStage* bannedHere = nullptr;
    std::vector<int32_t> kept; // prompt + kept ids, for the session after a back-off
    if (guard.active()) {
        // Sized once: the decode loop then only allocates for unusually long token pieces.
        const size_t maxTokens = size_t(std::max(params.maxTokens, 0));
        guard.text.reserve(maxTokens * 16 + 64);
        guard.tokenEnd.reserve(maxTokens);
        guard.bans.reserve(size_t(std::max(params.maxRewinds, 0)) + 1);
        kept.reserve(prompt.size() + maxTokens);
        auto stage = std::make_unique<BannedTokensStage>(size_t(std::max(params.maxRewinds, 1)));
        bannedHere = stage.get();
        chain.insertStage(0, std::move(stage));
    }
    // Penalties look back over the prompt too (as llama.cpp's samplers do).
    for (int32_t id : prompt) chain.accept(id);
    TokenTextStream stream(m_tokenizer);

    // Streams tokens [emitted, upTo) of result.ids; false when the callback asks to stop.
    size_t emitted = 0;
    auto emit = [&](size_t upTo) {
        for (; emitted < upTo; ++emitted) {
            const int32_t id = result.ids[emitted];
            std::string piece = stream.push(id);
            result.text += piece;
            if (onToken && !onToken(id, piece)) {
                ++emitted;
                return false;
            }
        }
        return true;
    };

    const auto decodeStart = Clock::now();
    result.stopReason = StopReason::MaxTokens;
    while (result.ids.size() < size_t(std::max(params.maxTokens, 0))) {
        if (cancelled(cancel)) {
            result.stopReason = StopReason::Cancelled;
            break;
        }
        const auto sampleStart = Clock::now();
        std::span<const float> logits = m_session.logits();
        if (params.adapter) {
            const float alpha =
                params.liveAlpha ? params.liveAlpha->load(std::memory_order_relaxed) : params.alpha;
            if (params.liveAlpha) noteAlpha(result.alphaChanges, int(result.ids.size()), alpha);
            logits = m_session.mixedLogits(alpha); // α = 0: the model's logits untouched
        }
        if (bannedHere) {
            bannedHere->clear();
            for (const auto& [position, banned] : guard.bans)
                if (position == result.ids.size()) bannedHere->ban(banned);
        }
        const int32_t id = chain.sample(logits.data(), logits.size());
        chain.accept(id);
        t.sampleMs += msSince(sampleStart);
        if (params.stopAtEndOfGeneration && m_tokenizer.isEndOfGeneration(id)) {
            result.stopReason = StopReason::EndOfGeneration;
            break;
        }
        ++t.decodedTokens;
        result.ids.push_back(id);
        if (guard.active()) {
            guard.push(m_tokenizer.tokenBytes(id));
            const long match = guard.firstTokenOfMatch();
            if (match >= 0 && t.rewinds < params.maxRewinds) {
                // Back off to the token where the phrase starts (never into streamed text).
                const size_t at = std::max(size_t(match), emitted);
                const int32_t offending = result.ids[at];
                std::erase_if(guard.bans, [&](const auto& b) { return b.first > at; });
                guard.bans.emplace_back(at, offending);
                result.ids.resize(at);
                std::erase_if(result.alphaChanges,
                              [&](const AlphaChange& c) { return c.tokenIndex > int(at); });
                guard.truncate(at);
                ++t.rewinds;
                kept.assign(prompt.begin(), prompt.end());
                kept.insert(kept.end(), result.ids.begin(), result.ids.end());
                try {
                    m_session.evaluate(kept); // reuses the common prefix
                } catch (const ContextOverflow&) {
                    result.stopReason = StopReason::ContextFull;
                    break;
                }
                chain.resetHistory(); // the generator's state stays: no replayed draws
                for (int32_t k : kept) chain.accept(k);
                continue;
            }
            if (!emit(guard.settled(emitted))) {
                result.stopReason = StopReason::Callback;
                break;
            }
        } else if (!emit(result.ids.size())) {
            result.stopReason = StopReason::Callback;
            break;
        }
        if (result.ids.size() == size_t(params.maxTokens))
            break; // the last token needs no forward pass
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
    // Tokens held back for banned phrases are final now (unless the callback stopped us: then
    // the text ends where the callback saw it).
    if (result.stopReason != StopReason::Callback) {
        if (!emit(result.ids.size())) result.stopReason = StopReason::Callback;
    } else {
        result.ids.resize(emitted);
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
