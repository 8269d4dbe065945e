// `fabulist-cli generate --task brainstorm|describe|rewrite|expand|shorten|continue -m MODEL
// -p TEXT ...`: a writing task as the GUI runs it. The text before the cursor comes from -p/-f,
// the selection from --selection, the text after it from --after; with --project the story
// bible, Memory and Author's Note of that project file are read (read-only). The prompt is
// built by inference::prompting::buildStoryPrompt; each candidate is shaped for its task.
// --show-prompt prints the prompt and its parts instead of generating. --json prints
// {"task", "prompt", "prompt_ids", "parts": [...], "entries": [...], "candidates": [...]}.
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_engine_args.h"
#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "app/cli/sampler_args.h"
#include "inference/chat/model_chat_template.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/prompting/prompt_library.h"
#include "inference/prompting/story_prompt.h"
#include "inference/tokenizer/tokenizer.h"
#include "storage/project.h"

#include <algorithm>
#include <cstdio>

namespace fabulist::cli {

namespace prompting = inference::prompting;

namespace {

constexpr const char* kUsage =
    "generate --task continue|brainstorm|describe|rewrite|expand|shorten -m MODEL "
    "(-p TEXT | -f FILE) [--selection TEXT] [--after TEXT] [--instruction TEXT] "
    "[--project FILE.fabulist] [--prompts DIR] [--candidates N] [--budget TOKENS] "
    "[--bible-budget TOKENS] [--scan-words N] [-n N] [--seed S] [--temp T] ... "
    "[--show-prompt] [--json]";

std::vector<prompting::BibleItem> readStory(const std::string& path, prompting::StoryRequest& r) {
    storage::OpenOptions options;
    options.mode = storage::OpenMode::ReadOnly;
    auto project = storage::Project::open(path, options);
    r.memory = project->bible().storyNote(storage::StoryNoteKind::Memory);
    r.authorsNote = project->bible().storyNote(storage::StoryNoteKind::AuthorsNote);
    std::vector<prompting::BibleItem> items;
    for (const storage::BibleEntry& e : project->bible().entries())
        items.push_back({e.nodeId, e.name, e.aliases, e.textForModel(), e.alwaysIn});
    return items;
}

std::string partsJson(const prompting::StoryPrompt& p) {
    std::string out = "[";
    for (size_t i = 0; i < p.parts.size(); ++i) {
        const prompting::PromptPart& part = p.parts[i];
        out += (i ? ", " : "") + std::string("{\"source\": ") + jsonString(part.source) +
               ", \"label\": " + jsonString(part.label) + ", \"start\": " +
               std::to_string(part.start) + ", \"end\": " + std::to_string(part.end) +
               ", \"tokens\": " + std::to_string(part.tokens) + "}";
    }
    return out + "]";
}

std::string entriesJson(const prompting::StoryPrompt& p) {
    std::string out = "[";
    for (size_t i = 0; i < p.entries.size(); ++i) {
        const prompting::EntryDecision& d = p.entries[i];
        out += (i ? ", " : "") + std::string("{\"id\": ") + std::to_string(d.id) +
               ", \"name\": " + jsonString(d.name) + ", \"included\": " +
               (d.included ? "true" : "false") + ", \"tokens\": " + std::to_string(d.tokens) +
               ", \"reason\": " + jsonString(d.reason) + "}";
    }
    return out + "]";
}

void printPrompt(const prompting::StoryPrompt& p) {
    std::printf("%s\n--- %zu of %d tokens ---\n", p.text.c_str(), p.ids.size(), p.budgetTokens);
    for (const prompting::PromptPart& part : p.parts)
        std::printf("%-12s %5d tokens  %s\n", part.source.c_str(), part.tokens, part.label.c_str());
    for (const prompting::EntryDecision& d : p.entries)
        std::printf("%s %s: %s\n", d.included ? "in " : "out", d.name.c_str(), d.reason.c_str());
}

} // namespace

int runTaskCommand(const std::vector<std::string>& argv) {
    inference::EngineOptions options;
    inference::GenerationParams params;
    prompting::StoryRequest request;
    prompting::ContextSettings settings;
    std::string projectPath, promptsDir;
    bool json = false, showPrompt = false;
    int candidates = 1;
    bool lengthGiven = false;
    try {
        std::vector<ArgSpec> specs = {
            {{"--task"}},      {{"-p", "--prompt"}}, {{"-f", "--file"}},   {{"--selection"}},
            {{"--after"}},     {{"--instruction"}},  {{"--project"}},      {{"--prompts"}},
            {{"--candidates"}}, {{"--budget"}},      {{"--bible-budget"}}, {{"--scan-words"}},
            {{"-n", "--n-predict"}}, {{"--show-prompt"}, false}, {{"--json"}, false}};
        for (ArgSpec& spec : samplerArgSpecs()) specs.push_back(std::move(spec));
        ModelArgs args(argv, engineArgSpecs(std::move(specs)));
        const auto task = prompting::taskFromName(args.string("--task"));
        if (!task)
            throw UsageError("--task must be one of continue, brainstorm, describe, rewrite, "
                             "expand, shorten (not '" + args.string("--task") + "')");
        request.task = *task;
        options = engineOptions(args);
        request.before = textArgument(args, "-p", "-f");
        request.selection = args.string("--selection");
        request.after = args.string("--after");
        request.instruction = args.string("--instruction");
        const prompting::TaskShape shape = prompting::taskShape(*task);
        if (shape.needsSelection && request.selection.empty())
            throw UsageError(std::string("--task ") + prompting::taskName(*task) +
                             " works on a selection: give it with --selection TEXT");
        projectPath = args.string("--project");
        promptsDir = args.string("--prompts");
        json = args.has("--json");
        showPrompt = args.has("--show-prompt");
        candidates = int(args.integer("--candidates", shape.candidates, 1, 8));
        settings.budgetTokens = int(args.integer("--budget", settings.budgetTokens, 16, 1 << 20));
        settings.bibleBudgetTokens =
            int(args.integer("--bible-budget", settings.bibleBudgetTokens, 0, 1 << 20));
        settings.scanWords = int(args.integer("--scan-words", settings.scanWords, 1, 1 << 20));
        lengthGiven = args.has("-n");
        params.maxTokens = int(args.integer("-n", shape.maxTokens, 1, 1 << 20));
        readSamplerArgs(args, params.sampler);
    } catch (const UsageError& e) {
        return usageFailure("generate", kUsage, e.what());
    }

    prompting::StoryPrompt prompt;
    LoadedModel model;
    try {
        if (!projectPath.empty()) request.bible = readStory(projectPath, request);
        const prompting::LoadedTemplate loaded = prompting::loadTemplate(
            request.task, promptsDir.empty() ? prompting::userPromptsDir() : promptsDir);
        if (!loaded.warning.empty()) std::fprintf(stderr, "%s\n", loaded.warning.c_str());
        model = loadModelAndHead(options, "");
        const int room = model.engine->info().contextLength - params.maxTokens;
        settings.budgetTokens = std::min(settings.budgetTokens, room);
        // An instruct model (a chat template in its GGUF) reads the task in its chat format.
        const auto chatUser = prompting::loadChatTemplate(
            request.task, promptsDir.empty() ? prompting::userPromptsDir() : promptsDir);
        const inference::chat::ModelChatTemplate chat =
            inference::chat::modelChatTemplate(model.engine->file());
        std::optional<prompting::ChatPrompt> chatPrompt;
        if (chat.source && chatUser)
            chatPrompt = prompting::ChatPrompt{*chat.source, chat.bosToken, chat.eosToken,
                                               chatUser->promptTemplate};
        prompt = prompting::buildStoryPrompt(request, settings, loaded.promptTemplate,
                                             model.engine->tokenizer(),
                                             chatPrompt ? &*chatPrompt : nullptr);
        if (!prompt.warning.empty()) std::fprintf(stderr, "%s\n", prompt.warning.c_str());
    } catch (const std::exception& e) {
        return runtimeFailure("generate", e.what());
    }
    if (showPrompt && !json) {
        printPrompt(prompt);
        return 0;
    }
    const prompting::TaskShape shape = prompting::taskShape(request.task);
    if (!lengthGiven && shape.perSelectionToken > 0.0)
        params.maxTokens = prompting::maxTokensFor(request.task, prompt.selectionTokens);
    if (shape.replacesSelection) params.bannedPhrases.push_back(request.selection);

    std::vector<inference::GenerationResult> results;
    if (!showPrompt) {
        std::vector<std::string> soFar(static_cast<size_t>(candidates));
        const bool lineStop =
            !prompt.fillInTheMiddle && prompting::stopsAtLineEnd(request.task, request.after);
        auto onToken = [&](int candidate, int32_t, std::string_view piece) {
            std::string& text = soFar[size_t(candidate)];
            text += piece;
            return !(lineStop && prompting::endsLine(text));
        };
        try {
            auto session = model.engine->createSession();
            inference::Generator generator(*session, model.engine->tokenizer());
            results = candidates == 1
                          ? std::vector{generator.run(prompt.ids, params,
                                                      [&](int32_t id, std::string_view piece) {
                                                          return onToken(0, id, piece);
                                                      })}
                          : generator.runCandidates(prompt.ids, params, candidates, onToken);
        } catch (const std::exception& e) {
            return runtimeFailure("generate", e.what());
        }
    }
    if (json) {
        std::string out = "{\"task\": \"" + std::string(prompting::taskName(request.task)) +
                          "\", \"chat\": " + (prompt.chat ? "true" : "false") +
                          ", \"prompt\": " + jsonString(prompt.text) +
                          ", \"prompt_ids\": " + jsonIds(prompt.ids) +
                          ", \"budget\": " + std::to_string(prompt.budgetTokens) +
                          ", \"parts\": " + partsJson(prompt) + ", \"entries\": " +
                          entriesJson(prompt) + ", \"candidates\": [";
        for (size_t i = 0; i < results.size(); ++i)
            out += (i ? ", " : "") + std::string("{\"seed\": ") +
                   std::to_string(uint32_t(params.sampler.seed + i)) + ", \"text\": " +
                   jsonString(prompting::shapeOutput(request.task, results[i].text)) +
                   ", \"raw\": " + jsonString(results[i].text) + ", \"stop\": \"" +
                   inference::stopReasonName(results[i].stopReason) + "\"}";
        std::printf("%s]}\n", out.c_str());
    } else {
        for (size_t i = 0; i < results.size(); ++i)
            std::printf("--- %s %zu ---\n%s\n", prompting::taskName(request.task), i + 1,
                        prompting::shapeOutput(request.task, results[i].text).c_str());
    }
    std::fflush(stdout);
    if (!results.empty()) {
        const auto& t = results.front().timings;
        std::fprintf(stderr, "prompt: %d tokens in %.1f ms; %zu candidates\n", t.promptTokens,
                     t.promptMs, results.size());
    }
    return 0;
}

} // namespace fabulist::cli
