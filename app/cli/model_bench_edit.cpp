#include "app/cli/model_bench_edit.h"

#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/prompting/prompt_library.h"
#include "inference/prompting/story_prompt.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace fabulist::cli {

namespace prompting = inference::prompting;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// The longest start of `text`, cut at a line end, of at most `tokens` tokens.
std::string sceneOf(const inference::Tokenizer& tokenizer, const std::string& text, int tokens) {
    size_t lo = 0, hi = text.size();
    while (hi - lo > 64) {
        const size_t mid = (lo + hi) / 2;
        if (int(tokenizer.encode(std::string_view(text).substr(0, mid), false).size()) <= tokens)
            lo = mid;
        else
            hi = mid;
    }
    const size_t cut = text.rfind('\n', lo);
    return text.substr(0, cut == std::string::npos || cut == 0 ? lo : cut);
}

// Three entries named in the scene's last 300 words: its last three distinct capitalised words.
std::vector<prompting::BibleItem> namedEntries(const std::string& scene) {
    const std::string_view end = prompting::lastWords(scene, 300);
    std::vector<std::string> names;
    size_t at = end.size();
    while (at > 0 && names.size() < 3) {
        size_t stop = at;
        while (at > 0 && std::isalpha(static_cast<unsigned char>(end[at - 1]))) --at;
        const std::string word(end.substr(at, stop - at));
        if (word.size() > 3 && std::isupper(static_cast<unsigned char>(word[0])) &&
            std::find(names.begin(), names.end(), word) == names.end())
            names.push_back(word);
        if (at > 0) --at;
    }
    std::vector<prompting::BibleItem> items;
    for (size_t i = 0; i < names.size(); ++i)
        items.push_back({int64_t(i + 1), names[i], {},
                         "A person of the story, with a history the model should keep in mind "
                         "when they appear: their manner, their secrets, what they want.",
                         false});
    return items;
}

// Builds the prompt and produces its first token on `session`.
struct FirstToken {
    double buildMs = 0, runMs = 0;
    int promptTokens = 0, reusedTokens = 0, entries = 0;
};
FirstToken firstToken(inference::Session& session, const inference::Tokenizer& tokenizer,
                      const prompting::StoryRequest& request,
                      const prompting::ContextSettings& settings, const prompting::PromptTemplate& t) {
    FirstToken result;
    const auto start = Clock::now();
    const prompting::StoryPrompt prompt = prompting::buildStoryPrompt(request, settings, t, tokenizer);
    result.buildMs = msSince(start);
    result.entries = int(prompt.includedEntries.size());
    inference::GenerationParams params;
    params.maxTokens = 1;
    params.sampler.temperature = 0.0f;
    inference::Generator generator(session, tokenizer);
    const auto run = Clock::now();
    const inference::GenerationResult r = generator.run(prompt.ids, params);
    result.runMs = msSince(run);
    result.promptTokens = r.timings.promptTokens;
    result.reusedTokens = r.timings.reusedTokens;
    return result;
}

} // namespace

int runEditBench(inference::Engine& engine, const std::string& modelPath, const EditBenchSpec& spec) {
    const inference::Tokenizer& tokenizer = engine.tokenizer();
    prompting::StoryRequest request;
    request.before = sceneOf(tokenizer, readTextFile(spec.textPath), spec.sceneTokens);
    request.bible = namedEntries(request.before);
    request.memory = "A story told in the manner of the last century, of families and their "
                     "fortunes.";
    prompting::ContextSettings settings;
    settings.budgetTokens = engine.info().contextLength - 8;
    const prompting::PromptTemplate t = prompting::loadTemplate(prompting::WritingTask::Continue, "").promptTemplate;

    std::vector<double> fullMs, editMs, buildMs;
    FirstToken full, edit;
    for (int rep = 0; rep < spec.reps; ++rep) {
        auto session = engine.createSession();
        full = firstToken(*session, tokenizer, request, settings, t);
        fullMs.push_back(full.buildMs + full.runMs);
        prompting::StoryRequest edited = request;
        edited.before += " again";
        edit = firstToken(*session, tokenizer, edited, settings, t);
        editMs.push_back(edit.buildMs + edit.runMs);
        buildMs.push_back(edit.buildMs);
    }
    const double full50 = median(fullMs), edit50 = median(editMs);
    if (spec.json) {
        std::printf("{\"model\": %s, \"threads\": %d, \"scene_tokens\": %d, \"prompt_tokens\": %d, "
                    "\"bible_entries\": %d, \"reps\": %d, \"edit_first_token_ms\": %.2f, "
                    "\"edit_prompt_build_ms\": %.2f, \"edit_reused_tokens\": %d, "
                    "\"full_prompt_first_token_ms\": %.2f, \"saved_ms\": %.2f}\n",
                    jsonString(modelPath).c_str(), engine.info().threads, spec.sceneTokens,
                    edit.promptTokens, edit.entries, spec.reps, edit50, median(buildMs),
                    edit.reusedTokens, full50, full50 - edit50);
    } else {
        std::printf("one-word edit at the end: first token in %.1f ms (prompt built in %.1f ms; "
                    "%d of %d prompt tokens reused; %d bible entries)\nwhole prompt from "
                    "nothing: first token in %.1f ms\n",
                    edit50, median(buildMs), edit.reusedTokens, edit.promptTokens, edit.entries,
                    full50);
    }
    return 0;
}

} // namespace fabulist::cli
