// `fabulist-cli generate --server URL [--server-model NAME] -p PROMPT -n N ...`: the same
// generation on an OpenAI-compatible server (llama-server, vLLM, SGLang, Ollama) through
// ui/remote/. Streams the text to stdout, or with --json prints {"text", "stop", "server",
// "server_model", "honoured", "unconfirmed", "prompt_tokens"} ({"candidates": [...]} with
// --candidates N); the server sends no token ids, so there are no "ids". A fault prints the
// text streamed so far, then the message on stderr, and exits 1 (with --json: "error").
#include "app/cli/model_args.h"
#include "app/cli/model_commands.h"
#include "app/cli/model_json.h"
#include "app/cli/model_text_input.h"
#include "app/cli/sampler_args.h"
#include "ui/remote/remote_candidates.h"
#include "ui/remote/remote_client.h"

#include <QCoreApplication>
#include <cstdio>
#include <memory>

namespace fabulist::cli {

namespace {
constexpr const char* kUsage =
    "generate --server URL [--server-model NAME] [--api-key-env VAR] (-p PROMPT | -f FILE) [-n N] "
    "[--seed S] [--temp T] [--top-k K] [--top-p P] [--min-p M] [--repeat-penalty R] "
    "[--repeat-last-n N] [--frequency-penalty F] [--presence-penalty P] [--stop TEXT] "
    "[--ignore-eos] [--candidates N] [--timeout SECONDS] [--json]";

std::string jsonStrings(const QStringList& list) {
    std::string out = "[";
    for (qsizetype i = 0; i < list.size(); ++i)
        out += (i ? ", " : "") + jsonString(list[i].toStdString());
    return out + "]";
}

// The local engine's names for how a candidate stopped.
const char* stopName(const remote::CompletionChoice& c) {
    if (c.finishReason == QLatin1String("length")) return "max_tokens";
    if (c.finishReason == QLatin1String("stop")) return "end_of_generation";
    return "cancelled";
}

void printJson(const remote::Completion& r, const remote::RemoteServer& server, bool candidates) {
    std::string out = "{";
    if (candidates) {
        out += "\"candidates\": [";
        for (size_t i = 0; i < r.choices.size(); ++i)
            out += (i ? ", " : "") + std::string("{\"seed\": ") +
                   std::to_string(r.choices[i].seed) +
                   ", \"text\": " + jsonString(r.choices[i].text.toStdString()) + ", \"stop\": \"" +
                   stopName(r.choices[i]) + "\"}";
        out += "]";
    } else {
        const remote::CompletionChoice first =
            r.choices.empty() ? remote::CompletionChoice{} : r.choices.front();
        out += "\"text\": " + jsonString(first.text.toStdString()) + ", \"stop\": \"" +
               stopName(first) + "\"";
    }
    out += ", \"server\": " + jsonString(server.baseUrl.toString().toStdString()) +
           ", \"server_model\": " + jsonString(r.serverModel.toStdString()) +
           ", \"honoured\": " + jsonStrings(r.honoured) +
           ", \"unconfirmed\": " + jsonStrings(r.unconfirmed) +
           ", \"prompt_tokens\": " + std::to_string(r.promptTokens);
    if (!r.ok()) out += ", \"error\": " + jsonString(r.error.toStdString());
    std::printf("%s}\n", out.c_str());
}
} // namespace

int runRemoteGenerateCommand(const std::vector<std::string>& argv) {
    remote::RemoteServer server;
    remote::CompletionParams params;
    bool json = false;
    try {
        std::vector<ArgSpec> specs = {
            {{"--server"}},       {{"--server-model"}},      {{"--api-key-env"}},
            {{"-p", "--prompt"}}, {{"-f", "--file"}},        {{"-n", "--n-predict"}},
            {{"--stop"}},         {{"--ignore-eos"}, false}, {{"--candidates"}},
            {{"--timeout"}},      {{"--json"}, false}};
        for (ArgSpec& spec : samplerArgSpecs()) specs.push_back(std::move(spec));
        ModelArgs args(argv, specs);
        server.baseUrl = QUrl(QString::fromStdString(args.requiredString("--server")));
        if (!server.baseUrl.isValid() || server.baseUrl.host().isEmpty() ||
            !(server.baseUrl.scheme() == QLatin1String("http") ||
              server.baseUrl.scheme() == QLatin1String("https")))
            throw UsageError("--server must be an http:// or https:// URL");
        server.model = QString::fromStdString(args.string("--server-model"));
        // The key comes from the environment, never from the command line (ps shows that).
        if (const std::string var = args.string("--api-key-env"); !var.empty())
            server.apiKey = qEnvironmentVariable(var.c_str());
        server.stallTimeoutMs = int(args.number("--timeout", 30.0, 0.1, 3600.0) * 1000);
        params.prompt = QString::fromStdString(textArgument(args, "-p", "-f"));
        params.maxTokens = static_cast<int>(args.integer("-n", 128, 1, 1 << 24));
        params.n = static_cast<int>(args.integer("--candidates", 1, 1, 8));
        readSamplerArgs(args, params.sampler);
        params.ignoreEos = args.has("--ignore-eos");
        if (const std::string stop = args.string("--stop"); !stop.empty())
            params.stop << QString::fromStdString(stop);
        json = args.has("--json");
    } catch (const UsageError& e) {
        return usageFailure("generate", kUsage, e.what());
    }

    std::unique_ptr<QCoreApplication> app; // the network needs an event loop
    if (!QCoreApplication::instance()) {
        static int argc = 1;
        static char name[] = "fabulist-cli";
        static char* args[] = {name, nullptr};
        app = std::make_unique<QCoreApplication>(argc, args);
    }
    remote::RemoteClient client(server);
    const bool streamText = !json && params.n == 1;
    if (streamText) {
        std::fwrite(params.prompt.toUtf8().constData(), 1, size_t(params.prompt.toUtf8().size()),
                    stdout);
        std::fflush(stdout);
    }
    // Candidates: each with a seed of its own (seed + i), as local generation draws them.
    const remote::Completion result =
        remote::completeCandidates(client, params, [&](int, const QString& piece) {
            if (streamText) {
                const QByteArray bytes = piece.toUtf8();
                std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
                std::fflush(stdout);
            }
            return true;
        });
    if (json) {
        printJson(result, server, params.n > 1);
    } else if (params.n > 1) {
        for (size_t i = 0; i < result.choices.size(); ++i)
            std::printf("--- candidate %zu ---\n%s\n", i + 1,
                        result.choices[i].text.toUtf8().constData());
    } else {
        std::printf("\n");
    }
    std::fflush(stdout);
    std::fprintf(stderr, "server: %s; model: %s; honoured: %s%s%s\n",
                 server.baseUrl.toString().toUtf8().constData(),
                 result.serverModel.toUtf8().constData(),
                 result.honoured.join(QLatin1Char(' ')).toUtf8().constData(),
                 result.unconfirmed.isEmpty() ? "" : "; sent, not confirmed: ",
                 result.unconfirmed.join(QLatin1Char(' ')).toUtf8().constData());
    if (!result.ok()) return runtimeFailure("generate", result.error.toStdString());
    return 0;
}

} // namespace fabulist::cli
