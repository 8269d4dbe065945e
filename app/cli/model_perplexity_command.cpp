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
#include "inference/eval/perplexity.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage = "perplexity -m MODEL -f TEXTFILE [-c CTX (512)] [--chunks N] "
                               "[-t THREADS] [--kv-type f16|f32|q8_0] [--experts-used E] "
                               "[--adapter HEAD.gguf --alpha A] [--json]";

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
    inference::PerplexityOptions pplOptions;
    pplOptions.nCtx = nCtx;
    pplOptions.chunks = chunksWanted;
    pplOptions.mixed = mixed;
    if (!json)
        pplOptions.onChunk = [](int64_t c, double running) {
            std::printf("[%lld]%.4f,", static_cast<long long>(c + 1), running);
            std::fflush(stdout);
        };
    inference::PerplexityResult r;
    try {
        r = inference::chunkedPerplexity(*session, tokenizer, tokens, pplOptions);
    } catch (const std::exception& e) {
        return runtimeFailure("perplexity", e.what());
    }
    const double ppl = r.perplexity, stderrPpl = r.stderrPerplexity, mean = r.meanNll;
    const int64_t nChunks = r.chunks, count = r.scoredTokens;
    const std::vector<double>& running = r.runningPerChunk;
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
