#pragma once
// The plain values of a remote engine: which server, what to ask it, what came back. The
// API key lives here only in memory (RemoteKeyStore keeps it in the desktop's keyring); it is
// never written to a project, the settings or a log.
#include "inference/sampling/sampler_settings.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <cstdint>
#include <optional>
#include <vector>

namespace fabulist::remote {

struct RemoteServer {
    QUrl baseUrl;               // e.g. http://127.0.0.1:8080 (a trailing /v1 is accepted)
    QString model;              // sent as "model"; empty: the server's only/default model
    QString apiKey;             // sent as "Authorization: Bearer"; empty: none
    int stallTimeoutMs = 30000; // no byte for this long ends the request
    // The model's context in tokens when the server does not report it (/props, /v1/models).
    int contextTokens = 4096;
};

// Which server software answers: it decides the names of the non-OpenAI sampler fields and
// which settings are known to be honoured. Guessed from /v1/models' "owned_by".
enum class ServerKind { Unknown, LlamaServer, Vllm, Sglang, Ollama };
QString serverKindName(ServerKind kind);
ServerKind serverKindFromOwner(const QString& ownedBy);

struct CompletionParams {
    QString prompt;
    int maxTokens = 128;
    inference::SamplerSettings sampler; // seed, temperature, top-k/p, min-p, penalties
    QStringList stop;
    int n = 1;        // the server's `n` (completeCandidates asks for each with a seed of its own)
    int logprobs = 0; // top alternatives per token (0: none)
    bool ignoreEos = false;
};

// One generated token with the server's probabilities (logprobs): ln p of the token and of the
// likeliest alternatives, before the sampler (llama-server's and vLLM's default). `id` is the
// server's token id, -1 when it sends only the text.
struct TokenAlternative {
    int32_t id = -1;
    QByteArray bytes;
    double logprob = 0.0;
};
struct TokenLogprob {
    int32_t id = -1;
    QByteArray bytes;
    double logprob = 0.0;
    std::vector<TokenAlternative> top; // likeliest first
};

struct CompletionChoice {
    QString text;
    std::vector<TokenLogprob> logprobs; // one per token, when logprobs were asked for
    QString finishReason;               // "stop", "length", or empty when the stream broke off
    int tokens = 0;       // chunks that carried text (one token each on llama-server, vLLM)
    uint32_t seed = 0;    // the seed it was drawn with (completeCandidates: the base + its index)
    bool stopped = false; // Stop or the piece callback ended it before the server did
};

struct Completion {
    std::vector<CompletionChoice> choices; // by index; kept when the request fails
    QString serverModel;                   // the model name the server reported
    QStringList honoured;                  // settings sent that this server kind honours
    QStringList unconfirmed;               // sent, but not known to be honoured
    int promptTokens = 0;
    bool cancelled = false; // Stop (or the callback) closed the stream
    QString error;          // empty: it ended normally; else one clear message
    int httpStatus = 0;
    std::optional<int> retryAfterSeconds; // 429/503 with Retry-After
    bool ok() const { return error.isEmpty(); }
};

// The prompt's length in tokens: the server's own count (/tokenize), or an estimate.
struct TokenCount {
    int tokens = 0;
    bool estimated = false; // no /tokenize: characters / kCharsPerTokenEstimate, rounded up
    QString note;           // why it is an estimate
};
// Prose runs ~4 characters a token; 3 overcounts on purpose (the safety margin).
inline constexpr double kCharsPerTokenEstimate = 3.0;

} // namespace fabulist::remote
