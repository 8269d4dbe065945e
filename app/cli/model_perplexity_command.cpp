// `fabulist-cli perplexity -m MODEL -f TEXTFILE [-c 512] [--chunks N]`: llama-perplexity's
// method. The text is tokenized (BOS per the model), split into chunks of n_ctx tokens; when
// the tokenizer adds BOS the first token of every chunk is replaced by BOS. Each chunk is
// evaluated from an empty cache and only its second half is scored: positions n_ctx/2 ..
// n_ctx-2 predict the tokens after them. Prints the running PPL per chunk and the final PPL
// with llama.cpp's error estimate. With --adapter and --alpha the scored distribution is the
// mixed head z(α) = z_c + α·(B·(A·h) + b), computed on the model's backend during the pass
// (Session::setAllLogitsAlpha), so the card can give the perplexity of the coherence head
// (α = 0) and of the mixed heads on the same chunks.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_engine_args.h"
#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage = "perplexity -m MODEL -f TEXTFILE [-c CTX (512)] [--chunks N] "
                               "[-t THREADS] [--kv-type f16|f32|q8_0] [--experts-used E] "
                               "[--adapter HEAD.gguf --alpha A] [--json]";

// -log softmax(logits)[target], in double.
double negativeLogLikelihood(std::span<const float> logits, int32_t target) {
    float maxLogit = logits[0];
    for (float v : logits) maxLogit = std::max(maxLogit, v);
    double sum = 0.0;
    for (float v : logits) sum += std::exp(static_cast<double>(v - maxLogit));
    return std::log(sum) - static_cast<double>(logits[static_cast<size_t>(target)] - maxLogit);
}

} // namespace

int runPerplexityCommand(const std::vector<std::string>& argv) {
    inference::EngineOptions options;
    std::string text;
    int64_t chunksWanted = -1;
    bool json = false;
    std::string adapterPath;
    float alpha = 0.0f;
    try {
        ModelArgs args(argv, engineArgSpecs({{{"-f", "--file"}},
                                             {{"--chunks"}},
                                             {{"-b", "--batch-size"}},
                                             {{"--adapter"}},
                                             {{"--alpha"}},
                                             {{"--json"}, false}}));
        options = engineOptions(args);
        if (!args.has("-f")) throw UsageError("missing -f TEXTFILE");
        text = readTextFile(args.string("-f"));
        // Like llama.cpp's -f: one trailing newline is not part of the text.
        if (!text.empty() && text.back() == '\n') text.pop_back();
        if (options.contextLength == 0) options.contextLength = 512;
        if (options.contextLength < 4) throw UsageError("-c must be at least 4");
        chunksWanted = args.integer("--chunks", -1, -1, 1 << 30);
        if (chunksWanted == 0) throw UsageError("--chunks must be 1 or more (or -1 for all)");
        // A chunk is one batch where it fits the engine's largest batch (8192).
        options.batchSize =
            static_cast<int>(args.integer("-b", std::min(options.contextLength, 8192), 1, 8192));
        json = args.has("--json");
        adapterPath = args.string("--adapter");
        alpha = static_cast<float>(args.number("--alpha", 0.0));
        if (!(alpha >= 0.0f && alpha <= 1.0f)) throw UsageError("--alpha must be between 0 and 1");
        if (adapterPath.empty() && alpha > 0.0f)
            throw UsageError("--alpha needs --adapter (the diversity head is an adapter file)");
    } catch (const UsageError& e) {
        return usageFailure("perplexity", kUsage, e.what());
    }
    const int nCtx = options.contextLength;

    LoadedModel model;
    try {
        model = loadModelAndHead(options, adapterPath);
    } catch (const std::exception& e) {
        return runtimeFailure("perplexity", e.what());
    }
    const auto& engine = model.engine;
    const inference::Tokenizer& tokenizer = engine->tokenizer();
    const std::vector<int32_t> tokens = tokenizer.encode(text, true, false);
    const int64_t maxChunks = static_cast<int64_t>(tokens.size()) / nCtx;
    if (maxChunks == 0)
        return runtimeFailure("perplexity", "the text has " + std::to_string(tokens.size()) +
                                                " tokens, fewer than one chunk of " +
                                                std::to_string(nCtx) +
                                                ": use a longer text or a smaller -c");
    const int64_t nChunks = chunksWanted < 0 ? maxChunks : std::min(chunksWanted, maxChunks);
    const bool substituteBos = tokenizer.addsBos() && tokenizer.bos() >= 0;

    auto session = engine->createSession();
    const bool mixed = !adapterPath.empty() && alpha != 0.0f;
    if (mixed) {
        try {
            session->setHead(model.head());
            session->setAllLogitsAlpha(alpha);
        } catch (const std::exception& e) {
            return runtimeFailure("perplexity", e.what());
        }
    }
    std::vector<int32_t> chunk(static_cast<size_t>(nCtx));
    std::vector<double> running;
    double nll = 0.0, nll2 = 0.0;
    int64_t count = 0;
    const int first = nCtx / 2;
    try {
        for (int64_t c = 0; c < nChunks; ++c) {
            std::copy_n(tokens.begin() + c * nCtx, nCtx, chunk.begin());
            if (substituteBos) chunk[0] = tokenizer.bos();
            session->clear();
            session->evaluate(chunk, true);
            for (int j = first; j < nCtx - 1; ++j) {
                const std::span<const float> logits =
                    mixed ? session->mixedLogitsAt(j) : session->logitsAt(j);
                const double v = negativeLogLikelihood(logits, chunk[size_t(j) + 1]);
                nll += v;
                nll2 += v * v;
                ++count;
            }
            running.push_back(std::exp(nll / double(count)));
            if (!json) {
                std::printf("[%lld]%.4f,", static_cast<long long>(c + 1), running.back());
                std::fflush(stdout);
            }
        }
    } catch (const std::exception& e) {
        return runtimeFailure("perplexity", e.what());
    }
    const double mean = nll / double(count);
    const double ppl = std::exp(mean);
    double variance = nll2 / double(count) - mean * mean;
    // llama-perplexity's estimate: the standard error of the mean NLL, times PPL.
    const double stderrPpl =
        (variance > 0.0 && count > 1) ? std::sqrt(variance / double(count - 1)) * ppl : 0.0;
    if (json) {
        std::string chunks = "[";
        for (size_t i = 0; i < running.size(); ++i)
            chunks += (i ? ", " : "") + jsonNumber(running[i]);
        chunks += "]";
        std::printf(
            "{\"ppl\": %s, \"ppl_stderr\": %s, \"mean_nll\": %s, \"n_ctx\": %d, "
            "\"alpha\": %s, \"chunks\": %lld, \"scored_tokens\": %lld, \"text_tokens\": %zu, "
            "\"running_ppl_per_chunk\": %s}\n",
            jsonNumber(ppl).c_str(), jsonNumber(stderrPpl).c_str(), jsonNumber(mean).c_str(), nCtx,
            jsonNumber(alpha).c_str(), static_cast<long long>(nChunks),
            static_cast<long long>(count), tokens.size(), chunks.c_str());
    } else {
        std::printf("\nFinal estimate: PPL = %.4f +/- %.5f\n", ppl, stderrPpl);
    }
    return 0;
}

} // namespace fabulist::cli
