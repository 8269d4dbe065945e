// `fabulist-cli eval-diversity -m MODEL [--adapter A] --prompts FILE --samples N --length L
// --seed S [--json] [--plot FILE.png] [-t T]`: how diverse and how coherent the text is under each
// sampling setting. For every prompt (one per non-empty line of FILE) it draws N samples of up to L
// tokens per setting and reports, averaged over the prompts, distinct-1/2/3 and self-BLEU-4
// (over each prompt's N samples), rep-4 (mean over samples), the mean entropy of the sampling
// distribution per step and the perplexity of the samples under the coherence head at
// temperature 1 (metrics over token ids: see inference/eval/diversity_metrics.h), and over the
// decoded words: the non-word rate (lowercase words missing from the word lists, default
// Debian's american-english and british-english, `--word-list A[,B...]` for others) and word
// distinct-2 pooled over each prompt's samples (inference/eval/word_metrics.h).
// `--methods alpha,temperature` runs only those methods' settings. `--word-starts-only`
// evaluates the head with its delta kept off word-continuing tokens
// (inference/heads/word_start_mask.h), as `train-head --word-starts-only` makes it.
//
// Settings, one knob at a time. `--base plain` (the default): top-k and top-p are off everywhere
// so the knob is the only truncation:
//   alpha        0, .25, .5, .75, 1 at temperature 0.8 (only with --adapter)
//   temperature  0.7 ... 1.6 by 0.1 at alpha 0 (to 2.2 on --base llama, whose truncation holds
//                high temperatures back)
//   min_p        0, .02, .05, .1, .2 at temperature 1
//   xtc          probability 0, .25, .5, .75, 1 at threshold 0.1, temperature 1, min-p 0.02
// `--base llama`: every setting starts from llama.cpp's default chain (top-k 40, top-p 0.95,
// min-p 0.05, temperature 0.8; the chain the app's slider runs on) and changes only its own
// knob: alpha as above; temperature 0.7 ... 1.6; min_p 0, .02, .05, .1, .2; xtc probability
// 0 ... 1 at threshold 0.1. Under it the methods differ by their knob alone.
// Sample k of prompt i is drawn with seed S + 1000 * i + k under every setting (common random
// numbers make the settings comparable with few samples).
//
// `--plot FILE.png` also draws distinct-2 against perplexity, one curve per method
// (app/cli/diversity_plot.h); `--plot-from RESULTS.json --plot FILE.png` redraws a saved --json
// output without running the model.
#include "app/cli/diversity_plot.h"
#include "app/cli/diversity_results.h"
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_engine_args.h"
#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "inference/engine/session.h"
#include "inference/eval/diversity_metrics.h"
#include "inference/eval/diversity_sampler.h"
#include "inference/eval/word_metrics.h"
#include "inference/heads/head_adapter.h"
#include "inference/heads/head_mix.h"
#include "inference/heads/word_start_mask.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

namespace fabulist::cli {

namespace {

constexpr const char* kUsage =
    "eval-diversity -m MODEL [--adapter HEAD.gguf] --prompts FILE --samples N --length L "
    "--seed S [--base plain|llama] [--methods alpha,temperature,min_p,xtc] [--word-list "
    "A[,B...]] [--word-starts-only] [-t THREADS] "
    "[-c CTX] [--json] [--plot FILE.png] | "
    "eval-diversity --plot-from "
    "RESULTS.json --plot FILE.png";

struct Setting {
    const char* method;
    double value;
    inference::SamplerSettings sampler;
    float alpha = 0.0f;
};

inference::SamplerSettings plain(float temperature) {
    inference::SamplerSettings s;
    s.topK = 0;
    s.topP = 1.0f;
    s.minP = 0.0f;
    s.temperature = temperature;
    return s;
}

// llama.cpp's default sampler chain (common_params_sampling): the base of `--base llama`.
inference::SamplerSettings llamaDefaults(float temperature) {
    inference::SamplerSettings s;
    s.topK = 40;
    s.topP = 0.95f;
    s.minP = 0.05f;
    s.temperature = temperature;
    return s;
}

// The settings of one run (see the file comment): each method turns its own knob on the base
// chain, `plain` (nothing truncates but the knob) or `llama` (llama.cpp's defaults).
std::vector<Setting> sweep(bool withAdapter, bool llamaBase) {
    auto chain = [llamaBase](float temperature) {
        return llamaBase ? llamaDefaults(temperature) : plain(temperature);
    };
    // min-p and XTC are swept at temperature 1 on the plain base (where they are usually run),
    // at the chain's own 0.8 on llama.cpp's.
    const float knobTemperature = llamaBase ? 0.8f : 1.0f;
    std::vector<Setting> out;
    if (withAdapter)
        for (float a : {0.0f, 0.25f, 0.5f, 0.75f, 1.0f})
            out.push_back({"alpha", a, chain(0.8f), a});
    for (int i = 7; i <= (llamaBase ? 22 : 16); ++i)
        out.push_back({"temperature", double(i) / 10.0, chain(float(i) / 10.0f)});
    for (float m : {0.0f, 0.02f, 0.05f, 0.1f, 0.2f}) {
        Setting s{"min_p", m, chain(knobTemperature)};
        s.sampler.minP = m;
        out.push_back(s);
    }
    for (float p : {0.0f, 0.25f, 0.5f, 0.75f, 1.0f}) {
        Setting s{"xtc", p, chain(knobTemperature)};
        if (!llamaBase) s.sampler.minP = 0.02f; // a light tail cut under XTC at temperature 1
        s.sampler.xtcProbability = p;
        s.sampler.xtcThreshold = 0.1f;
        out.push_back(s);
    }
    return out;
}

struct Result {
    double distinct[3] = {0, 0, 0};
    double selfBleu = 0, rep4 = 0, entropy = 0, perplexity = 0;
    double wordDistinct2 = 0;
    inference::NonWordCount nonWords;
};

const char* const kDefaultWordLists =
    "/usr/share/dict/american-english,/usr/share/dict/british-english";

std::vector<std::string> splitList(const std::string& list) {
    std::vector<std::string> out;
    std::istringstream in(list);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string sampleText(const inference::Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
    inference::TokenTextStream stream(tokenizer);
    std::string text;
    for (int32_t id : ids) text += stream.push(id);
    return text + stream.flush();
}

std::vector<std::string> readPrompts(const std::string& path) {
    std::istringstream in(readTextFile(path));
    std::vector<std::string> prompts;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") != std::string::npos) prompts.push_back(line);
    }
    if (prompts.empty())
        throw UsageError("the prompts file '" + path +
                         "' has no prompt: write one prompt per line");
    return prompts;
}

// `--plot-from RESULTS.json --plot FILE.png`: no model, only the drawing.
int redrawPlot(const std::string& resultsPath, const std::string& plotPath) {
    try {
        writeDiversityPlot(readDiversityResults(resultsPath), plotPath);
    } catch (const std::exception& e) {
        return runtimeFailure("eval-diversity", e.what());
    }
    std::fprintf(stderr, "eval-diversity: wrote %s\n", plotPath.c_str());
    return 0;
}

} // namespace

int runEvalDiversityCommand(const std::vector<std::string>& argv) {
    inference::EngineOptions options;
    std::string adapterPath;
    std::vector<std::string> prompts;
    int samples = 0, length = 0;
    uint32_t seed = 0;
    bool json = false;
    std::string plotPath;
    std::string base = "plain";
    std::string wordLists = kDefaultWordLists;
    bool wordStartsOnly = false;
    std::vector<std::string> methods; // empty: every method
    try {
        ModelArgs args(argv, engineArgSpecs({{{"--adapter"}},
                                             {{"--base"}},
                                             {{"--prompts"}},
                                             {{"--samples"}},
                                             {{"--length"}},
                                             {{"--seed"}},
                                             {{"--json"}, false},
                                             {{"--plot"}},
                                             {{"--plot-from"}},
                                             {{"--word-list"}},
                                             {{"--word-starts-only"}, false},
                                             {{"--methods"}}}));
        plotPath = args.string("--plot");
        if (args.has("--plot") && plotPath.empty()) throw UsageError("--plot needs a FILE.png");
        if (args.has("--plot-from")) {
            if (plotPath.empty())
                throw UsageError("--plot-from RESULTS.json needs --plot FILE.png");
            for (const char* flag :
                 {"-m", "--adapter", "--prompts", "--samples", "--length", "--seed", "--json"})
                if (args.has(flag))
                    throw UsageError(std::string("--plot-from redraws saved results and runs no "
                                                 "model; drop ") +
                                     flag);
            return redrawPlot(args.string("--plot-from"), plotPath);
        }
        options = engineOptions(args);
        adapterPath = args.string("--adapter");
        if (!args.has("--prompts")) throw UsageError("missing --prompts FILE");
        prompts = readPrompts(args.string("--prompts"));
        samples = int(args.integer("--samples", 8, 1, 100000));
        length = int(args.integer("--length", 64, 1, 1 << 20));
        seed = uint32_t(args.integer("--seed", 0, 0, 0xffffffffLL));
        json = args.has("--json");
        if (args.has("--base")) base = args.string("--base");
        if (args.has("--word-list")) wordLists = args.string("--word-list");
        wordStartsOnly = args.has("--word-starts-only");
        if (args.has("--methods")) {
            methods = splitList(args.string("--methods"));
            for (const std::string& m : methods)
                if (m != "alpha" && m != "temperature" && m != "min_p" && m != "xtc")
                    throw UsageError("--methods takes alpha, temperature, min_p and xtc, not '" +
                                     m + "'");
        }
        if (base != "plain" && base != "llama")
            throw UsageError("--base must be 'plain' or 'llama', not '" + base + "'");
    } catch (const UsageError& e) {
        return usageFailure("eval-diversity", kUsage, e.what());
    }

    LoadedModel model;
    std::optional<inference::HeadMix> heads;
    inference::WordList words;
    try {
        // Before the long run: a plot that cannot be written should fail now, not at the end.
        if (!plotPath.empty()) checkDiversityPlotWritable(plotPath);
        words = inference::WordList::load(splitList(wordLists));
        model = loadModelAndHead(options, adapterPath);
        if (wordStartsOnly && !model.hasAdapter)
            return usageFailure("eval-diversity", kUsage,
                                "--word-starts-only needs --adapter HEAD.gguf");
        if (wordStartsOnly) inference::keepWordStartsOnly(model.adapter, model.engine->tokenizer());
        if (model.hasAdapter) heads.emplace(model.adapter);
        // A word-starts head (made so, or masked here) keeps the continuation mass.
        if (heads && model.adapter.training().deltaTokens == "word-starts")
            heads->setWordStarts(inference::wordStartTokens(model.engine->tokenizer()));
    } catch (const std::exception& e) {
        return runtimeFailure("eval-diversity", e.what());
    }
    const auto& engine = model.engine;
    const inference::Tokenizer& tokenizer = engine->tokenizer();
    std::vector<std::vector<int32_t>> promptIds;
    for (const std::string& p : prompts) {
        promptIds.push_back(tokenizer.encode(p, true, true));
        if (promptIds.back().empty())
            return runtimeFailure("eval-diversity", "a prompt tokenizes to nothing: '" + p + "'");
    }

    std::vector<Setting> settings = sweep(heads.has_value(), base == "llama");
    if (!methods.empty())
        std::erase_if(settings, [&](const Setting& s) {
            return std::find(methods.begin(), methods.end(), s.method) == methods.end();
        });
    std::vector<Result> results;
    auto session = engine->createSession();
    try {
        for (size_t si = 0; si < settings.size(); ++si) {
            const Setting& setting = settings[si];
            Result r;
            double entropySum = 0.0, nllSum = 0.0;
            long steps = 0, samplesSeen = 0;
            for (size_t pi = 0; pi < promptIds.size(); ++pi) {
                std::vector<inference::TokenSample> drawn;
                std::vector<std::string> texts;
                for (int k = 0; k < samples; ++k) {
                    inference::SamplerSettings s = setting.sampler;
                    s.seed = seed + uint32_t(1000 * pi) + uint32_t(k);
                    inference::DiversitySample d = inference::drawDiversitySample(
                        *session, tokenizer, promptIds[pi], s, heads ? &*heads : nullptr,
                        setting.alpha, length);
                    entropySum += d.entropySum;
                    nllSum += d.nllSum;
                    steps += long(d.ids.size());
                    r.rep4 += inference::repN(d.ids, 4);
                    ++samplesSeen;
                    texts.push_back(sampleText(tokenizer, d.ids));
                    inference::countNonWords(texts.back(), words, r.nonWords);
                    drawn.push_back(std::move(d.ids));
                }
                r.wordDistinct2 += inference::wordDistinct2(texts);
                for (int n = 1; n <= 3; ++n) r.distinct[n - 1] += inference::distinctN(drawn, n);
                r.selfBleu += inference::selfBleu4(drawn);
            }
            const double nPrompts = double(promptIds.size());
            for (double& d : r.distinct) d /= nPrompts;
            r.wordDistinct2 /= nPrompts;
            r.selfBleu /= nPrompts;
            r.rep4 /= double(samplesSeen);
            r.entropy = steps ? entropySum / double(steps) : 0.0;
            r.perplexity = steps ? std::exp(nllSum / double(steps)) : 0.0;
            results.push_back(r);
            if (!json) {
                std::fprintf(stderr, "\r[%zu/%zu] %s %g", si + 1, settings.size(), setting.method,
                             setting.value);
                std::fflush(stderr);
            }
        }
    } catch (const std::exception& e) {
        return runtimeFailure("eval-diversity", e.what());
    }

    if (!plotPath.empty()) {
        DiversityPlot plot = diversityPlotHeader(
            options.modelPath, adapterPath, long(promptIds.size()), samples, length, seed, base);
        for (size_t i = 0; i < results.size(); ++i)
            plot.points.push_back({settings[i].method, settings[i].value, results[i].distinct[1],
                                   results[i].perplexity, results[i].wordDistinct2,
                                   results[i].nonWords.rate()});
        try {
            writeDiversityPlot(plot, plotPath);
        } catch (const std::exception& e) {
            return runtimeFailure("eval-diversity", e.what());
        }
    }

    if (json) {
        std::string out = "{\"settings\": [";
        for (size_t i = 0; i < results.size(); ++i) {
            const Result& r = results[i];
            out +=
                std::string(i ? ", " : "") + "{\"method\": " + jsonString(settings[i].method) +
                ", \"value\": " + jsonNumber(settings[i].value) +
                ", \"distinct_1\": " + jsonNumber(r.distinct[0]) +
                ", \"distinct_2\": " + jsonNumber(r.distinct[1]) +
                ", \"distinct_3\": " + jsonNumber(r.distinct[2]) +
                ", \"self_bleu_4\": " + jsonNumber(r.selfBleu) +
                ", \"rep_4\": " + jsonNumber(r.rep4) + ", \"entropy\": " + jsonNumber(r.entropy) +
                ", \"perplexity\": " + jsonNumber(r.perplexity) +
                ", \"word_distinct_2\": " + jsonNumber(r.wordDistinct2) +
                ", \"non_word_rate\": " + jsonNumber(r.nonWords.rate()) +
                ", \"words_checked\": " + std::to_string(r.nonWords.words) + ", \"non_words\": [";
            for (size_t k = 0; k < r.nonWords.examples.size(); ++k)
                out += std::string(k ? ", " : "") + jsonString(r.nonWords.examples[k]);
            out += "]}";
        }
        out += "], \"prompts\": " + std::to_string(promptIds.size()) +
               ", \"samples\": " + std::to_string(samples) +
               ", \"length\": " + std::to_string(length) + ", \"seed\": " + std::to_string(seed) +
               ", \"base\": " + jsonString(base) +
               ", \"word_starts_only\": " + (wordStartsOnly ? "true" : "false") +
               ", \"model\": " + jsonString(options.modelPath) +
               ", \"adapter\": " + jsonString(adapterPath) + "}\n";
        std::fputs(out.c_str(), stdout);
        return 0;
    }
    std::fprintf(stderr, "\n");
    std::printf("%-12s %6s %8s %8s %8s %8s %8s %8s %10s %8s %9s\n", "method", "value", "dist-1",
                "dist-2", "dist-3", "sBLEU-4", "rep-4", "entropy", "ppl", "w-dist-2", "non-word");
    for (size_t i = 0; i < results.size(); ++i) {
        const Result& r = results[i];
        std::printf("%-12s %6.2f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %10.3f %8.4f %8.2f%%\n",
                    settings[i].method, settings[i].value, r.distinct[0], r.distinct[1],
                    r.distinct[2], r.selfBleu, r.rep4, r.entropy, r.perplexity, r.wordDistinct2,
                    100.0 * r.nonWords.rate());
    }
    return 0;
}

} // namespace fabulist::cli
