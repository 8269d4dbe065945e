#pragma once
// RemoteClient: one OpenAI-compatible server (llama-server, vLLM, SGLang, Ollama) over HTTP.
// Each call runs its own event loop and returns when the server has answered, so it serves the
// CLI's main thread and the GUI's remote worker thread alike (construct and use it on one
// thread). complete() streams /v1/completions: `onPiece` gets each choice's text as it
// arrives; Stop (the `cancel` flag, or onPiece returning false) closes the stream at once.
// Every fault ends the call with one clear message in Completion::error, and the text streamed
// until then stays in Completion::choices.
#include "ui/remote/remote_types.h"

#include <QNetworkAccessManager>
#include <atomic>
#include <functional>
#include <memory>

class QNetworkReply;
class QNetworkRequest;

namespace fabulist::remote {

struct ModelList {
    QStringList ids;
    std::vector<int> contextLengths; // per id: meta.n_ctx where the server reports it, else 0
    ServerKind kind = ServerKind::Unknown;
    QString error;
};

class RemoteClient {
public:
    explicit RemoteClient(RemoteServer server);
    ~RemoteClient();

    const RemoteServer& server() const { return m_server; }
    // GET /v1/models; also learns the server's kind (used by complete()).
    ModelList models();
    // POST /tokenize (llama-server: {"content"}, vLLM: {"prompt"}; one body serves both), else
    // the character estimate, with the reason.
    TokenCount countTokens(const QString& text);
    // The model's context in tokens, as the server reports it: /v1/models' meta.n_ctx
    // (llama-server), max_model_len (vLLM), else /props' n_ctx (llama-server); 0 when it says
    // nothing (then RemoteServer::contextTokens is the writer's setting). Asked once.
    int contextLength();

    using PieceCallback = std::function<bool(int choice, const QString& piece)>;
    Completion complete(const CompletionParams& params, const PieceCallback& onPiece = {},
                        const std::atomic<bool>* cancel = nullptr, bool stream = true);

    // How often the cancel flag is looked at while a request runs.
    static constexpr int kCancelPollMs = 10;

private:
    QNetworkRequest request(const QString& path) const;
    QString endpoint(const QString& path) const;
    // Runs `reply` to its end (or the stall timeout); the body when it is not streamed.
    QByteArray await(QNetworkReply* reply, QString* error);

    RemoteServer m_server;
    ServerKind m_kind = ServerKind::Unknown;
    bool m_kindKnown = false;
    std::optional<int> m_contextLength;
    std::unique_ptr<QNetworkAccessManager> m_network;
};

// The writer's message for a failed exchange with `url` (network error, HTTP status, body).
QString faultMessage(const QUrl& url, int networkError, const QString& networkErrorText,
                     int httpStatus, const QByteArray& body, const QString& model,
                     std::optional<int> retryAfterSeconds);

} // namespace fabulist::remote
