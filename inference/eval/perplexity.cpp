#include "inference/eval/perplexity.h"

#include "inference/engine/session.h"
#include "inference/engine_error.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace fabulist::inference {

namespace {

// -log softmax(logits)[target], in double.
double negativeLogLikelihood(std::span<const float> logits, int32_t target) {
    float maxLogit = logits[0];
    for (float v : logits) maxLogit = std::max(maxLogit, v);
    double sum = 0.0;
    for (float v : logits) sum += std::exp(static_cast<double>(v - maxLogit));
    return std::log(sum) - static_cast<double>(logits[static_cast<size_t>(target)] - maxLogit);
}

} // namespace

PerplexityResult chunkedPerplexity(Session& session, const Tokenizer& tokenizer,
                                   std::span<const int32_t> tokens,
                                   const PerplexityOptions& options) {
    const int nCtx = options.nCtx;
    const int64_t maxChunks = static_cast<int64_t>(tokens.size()) / nCtx;
    if (maxChunks == 0)
        throw EngineError("the text has " + std::to_string(tokens.size()) +
                          " tokens, fewer than one chunk of " + std::to_string(nCtx) +
                          ": use a longer text or a smaller -c");
    PerplexityResult result;
    result.chunks = options.chunks < 0 ? maxChunks : std::min(options.chunks, maxChunks);
    const bool substituteBos = tokenizer.addsBos() && tokenizer.bos() >= 0;
    std::vector<int32_t> chunk(static_cast<size_t>(nCtx));
    double nll = 0.0, nll2 = 0.0;
    int64_t count = 0;
    const int first = nCtx / 2;
    for (int64_t c = 0; c < result.chunks; ++c) {
        std::copy_n(tokens.begin() + c * nCtx, nCtx, chunk.begin());
        if (substituteBos) chunk[0] = tokenizer.bos();
        session.clear();
        session.evaluate(chunk, true);
        for (int j = first; j < nCtx - 1; ++j) {
            const std::span<const float> logits =
                options.mixed ? session.mixedLogitsAt(j) : session.logitsAt(j);
            const double v = negativeLogLikelihood(logits, chunk[size_t(j) + 1]);
            nll += v;
            nll2 += v * v;
            ++count;
        }
        result.runningPerChunk.push_back(std::exp(nll / double(count)));
        if (options.onChunk) options.onChunk(c, result.runningPerChunk.back());
    }
    result.scoredTokens = count;
    result.meanNll = nll / double(count);
    result.perplexity = std::exp(result.meanNll);
    const double variance = nll2 / double(count) - result.meanNll * result.meanNll;
    result.stderrPerplexity = (variance > 0.0 && count > 1)
                                  ? std::sqrt(variance / double(count - 1)) * result.perplexity
                                  : 0.0;
    return result;
}

} // namespace fabulist::inference
