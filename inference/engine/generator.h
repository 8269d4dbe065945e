#pragma once
// Generator: one text-generation request on a Session. Evaluates the prompt (reusing whatever
// prefix the session's KV cache already holds), then decodes token by token through a sampler
// chain, streaming complete UTF-8 pieces to a callback. Cancelling is an atomic flag checked
// before every token (and by the prompt evaluation between batches).

#include "inference/sampling/sampler_settings.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

class Session;
class Tokenizer;
class HeadAdapter;

struct GenerationParams {
    int maxTokens = 128;
    SamplerSettings sampler; // includes the seed
    bool stopAtEndOfGeneration = true;
    // Optional diversity head (heads/head_adapter.h): tokens are sampled from
    // z_c + alpha·(B·(A·h) + b), mixed on the session's backend (Session::setHead; the session
    // keeps the head set after run()). Without an adapter, or at alpha 0, the model's own logits
    // are sampled untouched. liveAlpha, when set, is read before every token instead of alpha (the
    // writer moves the slider while text streams in). The adapter must outlive run().
    const HeadAdapter* adapter = nullptr;
    float alpha = 0.0f;
    const std::atomic<float>* liveAlpha = nullptr;
    // Phrases that must not appear in the generated text (ASCII case-insensitive), even across
    // token boundaries: when the text comes to contain one, the Generator backs off to the
    // token where it starts, drops the tokens after it from the session and resamples that
    // position with that token banned there. Streamed pieces are held back until no banned
    // phrase can still start in them. After maxRewinds back-offs the phrases are no longer
    // enforced (a model that insists cannot stall the request).
    std::vector<std::string> bannedPhrases;
    int maxRewinds = 64;
};

enum class StopReason {
    MaxTokens,       // produced maxTokens tokens
    EndOfGeneration, // the model produced EOS/EOT (not included in ids)
    Callback,        // the token callback returned false
    Cancelled,       // the cancel flag became true
    ContextFull,     // the session's context is full (and its overflow policy is Throw)
};

const char* stopReasonName(StopReason reason);

struct GenerationTimings {
    int promptTokens = 0;  // tokens of the prompt
    int reusedTokens = 0;  // of those, already in the KV cache
    int decodedTokens = 0; // tokens sampled in the decode loop
    int rewinds = 0;       // back-offs from banned phrases
    double promptMs = 0.0; // evaluate(prompt), including the first logits
    double decodeMs = 0.0; // sampling + one forward pass per generated token
    double sampleMs = 0.0; // part of decodeMs spent in the sampler chain

    double promptTokensPerSecond() const {
        int evaluated = promptTokens - reusedTokens;
        return promptMs > 0.0 ? evaluated * 1000.0 / promptMs : 0.0;
    }
    double decodeTokensPerSecond() const {
        return decodeMs > 0.0 ? decodedTokens * 1000.0 / decodeMs : 0.0;
    }
};

// With liveAlpha: from the token at `tokenIndex` (in ids) on, sampling used `alpha`.
struct AlphaChange {
    int tokenIndex = 0;
    float alpha = 0.0f;
    bool operator==(const AlphaChange&) const = default;
};

struct GenerationResult {
    std::vector<int32_t> ids; // generated ids (not the prompt)
    // With an adapter and liveAlpha: the α of the first token, then every change (so the text
    // can be made again). Empty otherwise.
    std::vector<AlphaChange> alphaChanges;
    std::string text; // their detokenized text
    StopReason stopReason = StopReason::MaxTokens;
    GenerationTimings timings;
};

// Receives every generated id with the text it completes (possibly empty while a multi-byte
// character is still incomplete). A last call with id -1 delivers bytes held back at the end.
// Return false to stop.
using TokenCallback = std::function<bool(int32_t id, std::string_view piece)>;

// Candidates: like TokenCallback, for candidate `candidate` (0-based).
using CandidateTokenCallback =
    std::function<bool(int candidate, int32_t id, std::string_view piece)>;

class Generator {
public:
    Generator(Session& session, const Tokenizer& tokenizer);

    // Throws EngineError for invalid prompts (out-of-range ids, a prompt longer than the
    // context); cancellation and a full context end the run with a StopReason instead.
    GenerationResult run(std::span<const int32_t> prompt, const GenerationParams& params,
                         const TokenCallback& onToken = {},
                         const std::atomic<bool>* cancel = nullptr);

    // `count` candidates of one prompt: candidate i is what run() gives with seed
    // params.sampler.seed + i, text and ids (the seeds wrap around 2^32). The prompt is
    // evaluated once; on a backend with batch-invariant sequence ops (Session::
    // decodesSequences) the candidates are decoded together, one forward pass per step for all
    // of them, and give exactly run()'s tokens; otherwise (and with banned phrases, whose
    // back-offs are per run) one after another through run(). A callback returning false
    // stops that candidate; the cancel flag stops all. Timings: the prompt's, and the decode
    // time of the whole request in each.
    std::vector<GenerationResult> runCandidates(std::span<const int32_t> prompt,
                                                const GenerationParams& params, int count,
                                                const CandidateTokenCallback& onToken = {},
                                                const std::atomic<bool>* cancel = nullptr);

private:
    std::vector<GenerationResult> runCandidatesTogether(std::span<const int32_t> prompt,
                                                        const GenerationParams& params, int count,
                                                        const CandidateTokenCallback& onToken,
                                                        const std::atomic<bool>* cancel);

    Session& m_session;
    const Tokenizer& m_tokenizer;
    bool m_inCandidates = false; // run() serves runCandidates: one request, no rearranging
};

} // namespace fabulist::inference
