// Generator::runCandidates: several continuations of one prompt (generator.h).
#include "inference/engine/generator.h"
#include "inference/engine/generator_parts.h"
#include "inference/engine/session.h"
#include "inference/sampling/sampler_chain.h"
#include "inference/sampling/sampler_settings_check.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>

namespace fabulist::inference {

using namespace generator_parts;

namespace {

// One candidate while the candidates decode together.
struct Candidate {
    SamplerChain chain;
    TokenTextStream stream;
    GenerationResult result;
    bool done = false;
};

} // namespace

std::vector<GenerationResult> Generator::runCandidates(std::span<const int32_t> prompt,
                                                       const GenerationParams& params, int count,
                                                       const CandidateTokenCallback& onToken,
                                                       const std::atomic<bool>* cancel) {
    if (count < 1) throw EngineError("candidates: ask for at least one");
    m_session.betweenRequests();
    if (m_session.decodesSequences() && params.bannedPhrases.empty() && count > 1 &&
        params.maxTokens > 1)
        return runCandidatesTogether(prompt, params, count, onToken, cancel);
    // The candidates are one request: the backend keeps its arrangement until they are done.
    m_inCandidates = true;
    struct Reset {
        bool& flag;
        ~Reset() { flag = false; }
    } reset{m_inCandidates};
    std::vector<GenerationResult> results;
    for (int i = 0; i < count; ++i) {
        GenerationParams one = params;
        one.sampler.seed = params.sampler.seed + uint32_t(i);
        TokenCallback forward;
        if (onToken)
            forward = [&](int32_t id, std::string_view piece) { return onToken(i, id, piece); };
        results.push_back(run(prompt, one, forward, cancel));
        if (results.back().stopReason == StopReason::Cancelled) {
            while (int(results.size()) < count) {
                results.emplace_back().stopReason = StopReason::Cancelled;
                results.back().timings.promptTokens = int(prompt.size());
            }
            break;
        }
    }
    return results;
}

std::vector<GenerationResult>
Generator::runCandidatesTogether(std::span<const int32_t> prompt, const GenerationParams& params,
                                 int count, const CandidateTokenCallback& onToken,
                                 const std::atomic<bool>* cancel) {
    if (prompt.empty())
        throw EngineError("generation needs at least one prompt token (this model adds no BOS: "
                          "give some prompt text)");
    if (const std::string problem = samplerSettingsProblem(params.sampler); !problem.empty())
        throw EngineError("sampler settings: " + problem);
    GenerationTimings shared;
    shared.promptTokens = int(prompt.size());
    std::vector<GenerationResult> results(static_cast<size_t>(count));
    const auto promptStart = Clock::now();
    try {
        shared.reusedTokens = m_session.evaluate(prompt, false, cancel);
    } catch (const EvaluationCancelled&) {
        shared.promptMs = msSince(promptStart);
        for (GenerationResult& r : results) {
            r.stopReason = StopReason::Cancelled;
            r.timings = shared;
        }
        return results;
    }
    shared.promptMs = msSince(promptStart);

    const size_t nVocab = m_session.logits().size();
    m_session.setHead(params.adapter);
    const std::vector<int32_t> breakers = dryBreakerIds(m_tokenizer, params.sampler);
    std::vector<Candidate> cands;
    cands.reserve(size_t(count));
    for (int i = 0; i < count; ++i) {
        SamplerSettings settings = params.sampler;
        settings.seed = params.sampler.seed + uint32_t(i);
        cands.push_back({SamplerChain::fromSettings(settings, nVocab, breakers,
                                                    size_t(m_session.contextLength())),
                         TokenTextStream(m_tokenizer),
                         {},
                         false});
        for (int32_t id : prompt) cands.back().chain.accept(id); // penalties see the prompt
        cands.back().result.ids.reserve(size_t(params.maxTokens));
    }
    const int maxTokens = std::max(params.maxTokens, 0);
    auto readAlpha = [&] {
        return params.liveAlpha ? params.liveAlpha->load(std::memory_order_relaxed) : params.alpha;
    };
    // The first token of every candidate comes from the prompt's last position.
    float alpha = params.adapter ? readAlpha() : 0.0f;
    const std::span<const float> first = m_session.mixedLogits(alpha);
    const std::vector<float> firstLogits(first.begin(), first.end());
    m_session.beginSequences(count, std::max(maxTokens, 1));

    std::vector<int32_t> stepTokens;
    std::vector<int> stepSequences, rowOf(size_t(count), -1);
    const auto decodeStart = Clock::now();
    const int context = m_session.contextLength();
    for (int k = 0; k < maxTokens; ++k) {
        if (cancelled(cancel)) {
            for (Candidate& c : cands)
                if (!c.done) c.result.stopReason = StopReason::Cancelled, c.done = true;
            break;
        }
        stepTokens.clear();
        stepSequences.clear();
        for (int i = 0; i < count; ++i) {
            Candidate& c = cands[size_t(i)];
            if (c.done) continue;
            const auto sampleStart = Clock::now();
            const std::span<const float> logits =
                k == 0 ? std::span<const float>(firstLogits)
                       : m_session.sequenceMixedLogits(rowOf[size_t(i)]);
            if (params.adapter && params.liveAlpha) noteAlpha(c.result.alphaChanges, k, alpha);
            const int32_t id = c.chain.sample(logits.data(), logits.size());
            c.chain.accept(id);
            c.result.timings.sampleMs += msSince(sampleStart);
            if (params.stopAtEndOfGeneration && m_tokenizer.isEndOfGeneration(id)) {
                c.result.stopReason = StopReason::EndOfGeneration;
                c.done = true;
                continue;
            }
            ++c.result.timings.decodedTokens;
            c.result.ids.push_back(id);
            std::string piece = c.stream.push(id);
            c.result.text += piece;
            if (onToken && !onToken(i, id, piece)) {
                c.result.stopReason = StopReason::Callback;
                c.done = true;
                continue;
            }
            if (int(c.result.ids.size()) == maxTokens) {
                c.result.stopReason = StopReason::MaxTokens;
                c.done = true; // the last token needs no forward pass
                continue;
            }
            // As run(): the context is full when the cache holds it all before this token.
            if (int(prompt.size() + c.result.ids.size()) - 1 >= context) {
                c.result.stopReason = StopReason::ContextFull;
                c.done = true;
                continue;
            }
            rowOf[size_t(i)] = int(stepTokens.size());
            stepTokens.push_back(id);
            stepSequences.push_back(i);
        }
        if (stepTokens.empty()) break;
        if (params.adapter) alpha = readAlpha();
        m_session.appendSequenceTokens(stepTokens, stepSequences, alpha);
    }
    shared.decodeMs = msSince(decodeStart);
    for (int i = 0; i < count; ++i) {
        Candidate& c = cands[size_t(i)];
        if (!c.done) c.result.stopReason = StopReason::MaxTokens; // maxTokens == 0
        const std::string rest = c.stream.flush();
        if (!rest.empty()) {
            c.result.text += rest;
            if (onToken) onToken(i, -1, rest);
        }
        GenerationTimings& t = c.result.timings;
        t.promptTokens = shared.promptTokens;
        t.reusedTokens = shared.reusedTokens;
        t.promptMs = shared.promptMs;
        t.decodeMs = shared.decodeMs;
        results[size_t(i)] = std::move(c.result);
    }
    return results;
}

} // namespace fabulist::inference
