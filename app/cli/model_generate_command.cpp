// `fabulist-cli generate -m MODEL -p PROMPT -n N ...`: streams generated text to stdout, or
// with --json prints {"prompt_ids": [...], "ids": [...], "text": "..."} at the end. With
// --candidates N it decodes N continuations together (seeds S, S+1, ...) and prints each, or
// {"prompt_ids": [...], "candidates": [{"seed", "ids", "text", "stop"}, ...]}. Timings go to
// stderr.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_engine_args.h"
#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "app/cli/sampler_args.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdio>

namespace fabulist::cli {

namespace {
constexpr const char* kUsage =
    "generate -m MODEL (-p PROMPT | -f FILE) [-n N] [--seed S] [--temp T] [--top-k K] "
    "[--top-p P] [--min-p M] [--typical P] [--repeat-penalty R] [--repeat-last-n N] "
    "[--frequency-penalty F] [--presence-penalty P] [--ignore-eos] [-t THREADS] [-c CTX] "
    "[--kv-type f16|f32|q8_0] [--experts-used E] [--device D [--cpu-moe N]] "
    "[--adapter HEAD.gguf --alpha A] [--candidates N] [--json]";

// Each candidate with its seed, as text or as JSON.
int printCandidates(const std::vector<int32_t>& promptIds, uint32_t seed,
                    const std::vector<inference::GenerationResult>& results, bool json) {
    if (json) {
        std::string out = "{\"prompt_ids\": " + jsonIds(promptIds) + ", \"candidates\": [";
        for (size_t i = 0; i < results.size(); ++i)
            out += (i ? ", " : "") + std::string("{\"seed\": ") +
                   std::to_string(uint32_t(seed + i)) + ", \"ids\": " + jsonIds(results[i].ids) +
                   ", \"text\": " + jsonString(results[i].text) + ", \"stop\": \"" +
                   inference::stopReasonName(results[i].stopReason) + "\"}";
        std::printf("%s]}\n", out.c_str());
    } else {
        for (size_t i = 0; i < results.size(); ++i)
            std::printf("--- candidate %zu (seed %u) ---\n%s\n", i + 1, uint32_t(seed + i),
                        results[i].text.c_str());
    }
    std::fflush(stdout);
    const auto& t = results.front().timings;
    int tokens = 0;
    for (const auto& r : results) tokens += r.timings.decodedTokens;
    std::fprintf(stderr,
                 "prompt: %d tokens (%d reused) in %.1f ms; %zu candidates: %d tokens in %.1f ms "
                 "(%.1f tok/s over all candidates)\n",
                 t.promptTokens, t.reusedTokens, t.promptMs, results.size(), tokens, t.decodeMs,
                 t.decodeMs > 0 ? tokens * 1000.0 / t.decodeMs : 0.0);
    return 0;
}
} // namespace

int runGenerateCommand(const std::vector<std::string>& argv) {
    if (std::find(argv.begin(), argv.end(), "--task") != argv.end()) return runTaskCommand(argv);
    if (std::find(argv.begin(), argv.end(), "--server") != argv.end())
        return runRemoteGenerateCommand(argv);
    inference::EngineOptions options;
    inference::GenerationParams params;
    std::string prompt;
    std::string adapterPath;
    bool json = false;
    int candidates = 1;
    try {
        std::vector<ArgSpec> specs = {{{"-p", "--prompt"}},    {{"-f", "--file"}},
                                      {{"-n", "--n-predict"}}, {{"--ignore-eos"}, false},
                                      {{"--adapter"}},         {{"--alpha"}},
                                      {{"--candidates"}},      {{"--json"}, false}};
        for (ArgSpec& spec : samplerArgSpecs()) specs.push_back(std::move(spec));
        ModelArgs args(argv, engineArgSpecs(std::move(specs)));
        options = engineOptions(args);
        prompt = textArgument(args, "-p", "-f");
        json = args.has("--json");
        candidates = static_cast<int>(args.integer("--candidates", 1, 1, 8));
        params.maxTokens = static_cast<int>(args.integer("-n", 128, 0, 1 << 24));
        readSamplerArgs(args, params.sampler);
        params.stopAtEndOfGeneration = !args.has("--ignore-eos");
        adapterPath = args.string("--adapter");
        params.alpha = static_cast<float>(args.number("--alpha", 0.0));
        if (!(params.alpha >= 0.0f && params.alpha <= 1.0f))
            throw UsageError("--alpha must be between 0 and 1");
        if (adapterPath.empty() && params.alpha > 0.0f) {
            std::fprintf(stderr,
                         "fabulist-cli generate: --alpha %g ignored: no --adapter given "
                         "(the diversity head needs an adapter file); using alpha 0\n",
                         double(params.alpha));
            params.alpha = 0.0f;
        }
    } catch (const UsageError& e) {
        return usageFailure("generate", kUsage, e.what());
    }

    LoadedModel model;
    try {
        model = loadModelAndHead(options, adapterPath);
    } catch (const std::exception& e) {
        return runtimeFailure("generate", e.what());
    }
    const auto& engine = model.engine;
    params.adapter = model.head();
    const std::vector<int32_t> promptIds = engine->tokenizer().encode(prompt, true, true);
    if (promptIds.empty())
        return usageFailure("generate", kUsage, "the prompt is empty (and the model adds no BOS)");
    const int context = engine->info().contextLength;
    if (promptIds.size() >= size_t(context))
        return runtimeFailure("generate", "the prompt has " + std::to_string(promptIds.size()) +
                                              " tokens, more than the context of " +
                                              std::to_string(context) +
                                              " tokens leaves room for: shorten it or raise -c");
    auto session = engine->createSession();
    inference::Generator generator(*session, engine->tokenizer());
    if (candidates > 1) {
        try {
            return printCandidates(promptIds, params.sampler.seed,
                                   generator.runCandidates(promptIds, params, candidates), json);
        } catch (const std::exception& e) {
            return runtimeFailure("generate", e.what());
        }
    }
    inference::TokenCallback stream;
    if (!json) {
        std::fwrite(prompt.data(), 1, prompt.size(), stdout);
        std::fflush(stdout);
        stream = [](int32_t, std::string_view piece) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
            return true;
        };
    }
    inference::GenerationResult result;
    try {
        result = generator.run(promptIds, params, stream);
    } catch (const std::exception& e) {
        return runtimeFailure("generate", e.what());
    }
    if (json) {
        std::printf("{\"prompt_ids\": %s, \"ids\": %s, \"text\": %s}\n", jsonIds(promptIds).c_str(),
                    jsonIds(result.ids).c_str(), jsonString(result.text).c_str());
    } else {
        std::printf("\n");
    }
    std::fflush(stdout); // the text ends before the statistics on stderr, also in a pipe
    const auto& t = result.timings;
    std::fprintf(stderr,
                 "prompt: %d tokens (%d reused) in %.1f ms (%.1f tok/s); generated: %d tokens in "
                 "%.1f ms (%.1f tok/s, sampling %.1f ms); stop: %s\n",
                 t.promptTokens, t.reusedTokens, t.promptMs, t.promptTokensPerSecond(),
                 t.decodedTokens, t.decodeMs, t.decodeTokensPerSecond(), t.sampleMs,
                 inference::stopReasonName(result.stopReason));
    return 0;
}

} // namespace fabulist::cli
