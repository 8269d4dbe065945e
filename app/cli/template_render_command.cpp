// `fabulist-cli template render (-m MODEL | --template FILE) --messages FILE.json ...`: prints a
// conversation exactly as the model's chat template renders it (inference/chat).
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "inference/chat/chat_template.h"
#include "inference/chat/model_chat_template.h"
#include "inference/gguf/gguf_file.h"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace fabulist::cli {

namespace {

namespace chat = inference::chat;

constexpr const char* kUsage =
    "template render (-m MODEL.gguf | --template FILE.jinja) --messages CONVERSATION.json "
    "[--add-generation-prompt] [--bos TEXT] [--eos TEXT] [--var NAME=JSON]... "
    "[--now YYYY-MM-DDTHH:MM:SS]";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Takes every "--var NAME=JSON" out of args (ModelArgs keeps one value per flag).
chat::Dict takeVariables(std::vector<std::string>& args) {
    chat::Dict vars;
    for (size_t i = 0; i < args.size();) {
        if (args[i] != "--var") {
            ++i;
            continue;
        }
        if (i + 1 >= args.size()) throw UsageError("--var needs NAME=JSON");
        const std::string spec = args[i + 1];
        const size_t eq = spec.find('=');
        if (eq == 0 || eq == std::string::npos)
            throw UsageError("--var needs NAME=JSON, got " + spec);
        try {
            vars.emplace_back(spec.substr(0, eq), chat::parseJson(spec.substr(eq + 1)));
        } catch (const chat::ValueError& e) {
            throw UsageError("--var " + spec.substr(0, eq) + ": " + e.what());
        }
        args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
    }
    return vars;
}

// --now 2025-03-14T09:26:53: strftime_now's frozen clock.
std::function<std::tm()> clockAt(const std::string& text) {
    if (text.empty()) return {};
    std::tm t{};
    if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &t.tm_year, &t.tm_mon, &t.tm_mday,
                    &t.tm_hour, &t.tm_min, &t.tm_sec) != 6)
        throw UsageError("--now wants YYYY-MM-DDTHH:MM:SS, got " + text);
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    timegm(&t); // fills in the weekday and the day of the year
    return [t] { return t; };
}

// The conversation file: a JSON list of messages, or an object with "messages".
chat::Value readMessages(const std::string& path) {
    chat::Value v;
    try {
        v = chat::parseJson(readFile(path));
    } catch (const chat::ValueError& e) {
        throw UsageError(path + ": " + e.what());
    }
    if (const chat::Value* messages = v.find("messages")) return *messages;
    if (!v.isList()) throw UsageError(path + ": expected a list of messages");
    return v;
}

int renderCommand(std::vector<std::string> argv) {
    chat::ChatRequest request;
    std::string source;
    try {
        request.extra = takeVariables(argv);
        ModelArgs args(argv, {{{"-m", "--model"}},
                              {{"--template"}},
                              {{"--messages"}},
                              {{"--add-generation-prompt"}, false},
                              {{"--bos"}},
                              {{"--eos"}},
                              {{"--now"}}});
        if (args.has("-m") == args.has("--template"))
            throw UsageError("give exactly one of -m MODEL and --template FILE");
        if (args.has("--template"))
            source = readFile(args.string("--template"));
        else {
            requireModelFile(args.string("-m"));
            const auto file = inference::GgufFile::open(args.string("-m"));
            chat::ModelChatTemplate model = chat::modelChatTemplate(*file);
            if (!model.source)
                throw UsageError(args.string("-m") + " has no tokenizer.chat_template");
            source = *model.source;
            request.bosToken = model.bosToken;
            request.eosToken = model.eosToken;
        }
        request.messages = readMessages(args.requiredString("--messages"));
        request.addGenerationPrompt = args.has("--add-generation-prompt");
        if (args.has("--bos")) request.bosToken = args.string("--bos");
        if (args.has("--eos")) request.eosToken = args.string("--eos");
        request.now = clockAt(args.string("--now"));
    } catch (const UsageError& e) {
        return usageFailure("template", kUsage, e.what());
    } catch (const std::exception& e) {
        return runtimeFailure("template", e.what());
    }
    try {
        const std::string text = chat::renderChatTemplate(source, request);
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    } catch (const chat::TemplateError& e) {
        return runtimeFailure(
            "template", e.raisedByTemplate() ? "the template raised: " + e.message() : e.what());
    }
}

} // namespace

int runTemplateCommand(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "render")
        return usageFailure("template", kUsage, "expected 'render'");
    return renderCommand(std::vector<std::string>(args.begin() + 1, args.end()));
}

} // namespace fabulist::cli
