// `fabulist-cli inspect -m MODEL -p PROMPT (--continuation TEXT | --ids 1,2,3) ...`: for every
// token of a continuation, the top choices under the coherence head, the diversity head and the
// mix at --alpha, and KL(coherence ‖ diversity) (inference/engine/token_insight.h). With --json:
// {"prompt_ids": [...], "tokens": [{"id", "piece", "alpha", "kl", "p_coherence",
// "p_diversity", "p_mix", "coherence": [{"id", "piece", "p"}], "diversity": [...], "mix": [...]}]}.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_engine_args.h"
#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "inference/engine/session.h"
#include "inference/engine/token_insight.h"
#include "inference/tokenizer/tokenizer.h"

#include <cstdio>
#include <sstream>

namespace fabulist::cli {

int runInspectCommand(const std::vector<std::string>& argv); // listed in model_commands.cpp

namespace {

constexpr const char* kUsage =
    "inspect -m MODEL (-p PROMPT | -f FILE) (--continuation TEXT | --ids 1,2,3) "
    "[--adapter HEAD.gguf --alpha A] [--top K (10)] [-t THREADS] [-c CTX] [--json]";

std::vector<int32_t> parseIds(const std::string& list) {
    std::vector<int32_t> ids;
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty()) {
            size_t used = 0;
            const long v = std::stol(item, &used);
            if (used != item.size()) throw UsageError("--ids: '" + item + "' is not a token id");
            ids.push_back(int32_t(v));
        }
    return ids;
}

std::string choicesJson(const inference::Tokenizer& tok,
                        const std::vector<inference::TokenChoice>& choices) {
    std::string out = "[";
    for (size_t i = 0; i < choices.size(); ++i)
        out += (i ? ", " : "") + std::string("{\"id\": ") + std::to_string(choices[i].id) +
               ", \"piece\": " + jsonString(tok.tokenBytes(choices[i].id)) +
               ", \"p\": " + jsonNumber(choices[i].probability) + "}";
    return out + "]";
}

void printText(const inference::Tokenizer& tok, const std::vector<inference::TokenInsight>& all) {
    for (const auto& t : all) {
        std::printf("%-16s a=%.2f kl=%.3f p(coh)=%.3f p(div)=%.3f p(mix)=%.3f | mix:",
                    jsonString(tok.tokenBytes(t.id)).c_str(), double(t.alpha), double(t.divergence),
                    double(t.coherenceProbability), double(t.diversityProbability),
                    double(t.mixProbability));
        for (size_t i = 0; i < std::min<size_t>(t.mix.size(), 5); ++i)
            std::printf(" %s %.3f", jsonString(tok.tokenBytes(t.mix[i].id)).c_str(),
                        double(t.mix[i].probability));
        std::printf("\n");
    }
}

} // namespace

int runInspectCommand(const std::vector<std::string>& argv) {
    inference::EngineOptions options;
    std::string prompt, continuation, idList, adapterPath;
    float alpha = 0.0f;
    int top = 10;
    bool json = false;
    try {
        ModelArgs args(argv, engineArgSpecs({{{"-p", "--prompt"}},
                                             {{"-f", "--file"}},
                                             {{"--continuation"}},
                                             {{"--ids"}},
                                             {{"--adapter"}},
                                             {{"--alpha"}},
                                             {{"--top"}},
                                             {{"--json"}, false}}));
        options = engineOptions(args);
        prompt = textArgument(args, "-p", "-f");
        continuation = args.string("--continuation");
        idList = args.string("--ids");
        if (continuation.empty() == idList.empty())
            throw UsageError("give the continuation as --continuation TEXT or as --ids");
        adapterPath = args.string("--adapter");
        alpha = static_cast<float>(args.number("--alpha", 0.0, 0.0, 1.0));
        top = static_cast<int>(args.integer("--top", 10, 1, 100));
        json = args.has("--json");
    } catch (const UsageError& e) {
        return usageFailure("inspect", kUsage, e.what());
    } catch (const std::exception& e) {
        return usageFailure("inspect", kUsage, e.what());
    }
    try {
        LoadedModel model = loadModelAndHead(options, adapterPath);
        const inference::Tokenizer& tok = model.engine->tokenizer();
        const std::vector<int32_t> promptIds = tok.encode(prompt, true, true);
        const std::vector<int32_t> ids =
            idList.empty() ? tok.encode(continuation, false, false) : parseIds(idList);
        auto session = model.engine->createSession();
        inference::InsightRequest request;
        request.prompt = promptIds;
        request.ids = ids;
        request.adapter = model.head();
        request.alpha = model.head() ? alpha : 0.0f;
        request.topK = top;
        const auto insights = inference::inspectTokens(*session, request);
        if (!json) {
            printText(tok, insights);
            return 0;
        }
        std::string out = "{\"prompt_ids\": " + jsonIds(promptIds) + ", \"tokens\": [";
        for (size_t i = 0; i < insights.size(); ++i) {
            const auto& t = insights[i];
            out += (i ? ", " : "") + std::string("{\"id\": ") + std::to_string(t.id) +
                   ", \"piece\": " + jsonString(tok.tokenBytes(t.id)) +
                   ", \"alpha\": " + jsonNumber(t.alpha) + ", \"kl\": " + jsonNumber(t.divergence) +
                   ", \"p_coherence\": " + jsonNumber(t.coherenceProbability) +
                   ", \"p_diversity\": " + jsonNumber(t.diversityProbability) +
                   ", \"p_mix\": " + jsonNumber(t.mixProbability) +
                   ", \"coherence\": " + choicesJson(tok, t.coherence) +
                   ", \"diversity\": " + choicesJson(tok, t.diversity) +
                   ", \"mix\": " + choicesJson(tok, t.mix) + "}";
        }
        std::printf("%s]}\n", out.c_str());
    } catch (const std::exception& e) {
        return runtimeFailure("inspect", e.what());
    }
    return 0;
}

} // namespace fabulist::cli
