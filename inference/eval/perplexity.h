#pragma once
// llama-perplexity's chunked perplexity of a token sequence, shared by `fabulist-cli perplexity`
// and the GUI's experts-per-token measurement. The tokens are split into chunks of nCtx; when
// the tokenizer adds BOS the first token of every chunk is replaced by BOS. Each chunk is
// evaluated from an empty cache and only its second half is scored: positions nCtx/2 .. nCtx-2
// predict the tokens after them.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace fabulist::inference {

class Session;
class Tokenizer;

struct PerplexityResult {
    double perplexity = 0.0;
    double stderrPerplexity = 0.0; // llama-perplexity's error estimate
    double meanNll = 0.0;
    int64_t chunks = 0;
    int64_t scoredTokens = 0;
    std::vector<double> runningPerChunk;
};

struct PerplexityOptions {
    int nCtx = 512;
    int64_t chunks = -1; // -1: every whole chunk of the text
    // Score the session's mixed head (Session::setAllLogitsAlpha set by the caller).
    bool mixed = false;
    // Called after each chunk with its running perplexity (the CLI prints it).
    std::function<void(int64_t chunk, double running)> onChunk;
};

// Throws EngineError when the tokens hold less than one chunk (naming the counts).
PerplexityResult chunkedPerplexity(Session& session, const Tokenizer& tokenizer,
                                   std::span<const int32_t> tokens,
                                   const PerplexityOptions& options);

} // namespace fabulist::inference
