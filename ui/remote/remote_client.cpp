#include "ui/remote/remote_client.h"

#include "ui/remote/completion_json.h"
#include "ui/remote/sse_parser.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <algorithm>
#include <cmath>

namespace fabulist::remote {

namespace {
std::optional<int> retryAfter(QNetworkReply* reply) {
    bool ok = false;
    const int seconds = reply->rawHeader("Retry-After").trimmed().toInt(&ok);
    return ok ? std::optional<int>(seconds) : std::nullopt;
}

QString hostPort(const QUrl& url) {
    return url.port() < 0 ? url.host() : QStringLiteral("%1:%2").arg(url.host()).arg(url.port());
}

bool looksLikeContextOverflow(const QString& message) {
    const QString m = message.toLower();
    return m.contains(QLatin1String("context")) &&
           (m.contains(QLatin1String("exceed")) || m.contains(QLatin1String("maximum")) ||
            m.contains(QLatin1String("too long")) || m.contains(QLatin1String("longer than")));
}
// No byte for the stall timeout; over https before the handshake ended, the likely cause is
// a plain-HTTP server (it waits for a request it cannot read).
QString stallMessage(const QUrl& url, int timeoutMs, bool encrypted) {
    if (url.scheme() == QLatin1String("https") && !encrypted)
        return QStringLiteral("The secure (TLS) connection to %1 got no TLS answer in %2 s: is "
                              "it a plain-HTTP server? Use http:// then. Fabulist never ignores "
                              "TLS errors.")
            .arg(hostPort(url))
            .arg(timeoutMs / 1000.0);
    return QStringLiteral("The server at %1 sent nothing for %2 s: it stalled. (The timeout is "
                          "a setting.)")
        .arg(hostPort(url))
        .arg(timeoutMs / 1000.0);
}
} // namespace

QString faultMessage(const QUrl& url, int networkError, const QString& networkErrorText,
                     int httpStatus, const QByteArray& body, const QString& model,
                     std::optional<int> retryAfterSeconds) {
    const QString where = hostPort(url);
    if (httpStatus >= 400) {
        const QString said = errorBodyMessage(body);
        if (httpStatus == 401 || httpStatus == 403)
            return QStringLiteral("The server at %1 refused the API key (HTTP %2: %3). Enter the "
                                  "right key for this server.")
                .arg(where)
                .arg(httpStatus)
                .arg(said);
        if (httpStatus == 404)
            return said.contains(QLatin1String("model"), Qt::CaseInsensitive) || !model.isEmpty()
                       ? QStringLiteral("The server at %1 has no model \u201c%2\u201d (HTTP 404: "
                                        "%3). Pick one of the models it lists.")
                             .arg(where, model, said)
                       : QStringLiteral("Nothing at %1 (HTTP 404): is this the server's base "
                                        "URL?")
                             .arg(url.toString());
        if (httpStatus == 429 || httpStatus == 503)
            return QStringLiteral("The server at %1 is busy (HTTP %2: %3). %4")
                .arg(where)
                .arg(httpStatus)
                .arg(said,
                     retryAfterSeconds
                         ? QStringLiteral("It asks to try again in %1 s.").arg(*retryAfterSeconds)
                         : QStringLiteral("Try again in a moment."));
        if (looksLikeContextOverflow(said))
            return QStringLiteral("The prompt does not fit the context of the model on %1 "
                                  "(HTTP %2: %3). Shorten the text before the cursor or start "
                                  "the server with a larger context.")
                .arg(where)
                .arg(httpStatus)
                .arg(said);
        return QStringLiteral("The server at %1 failed (HTTP %2): %3")
            .arg(where)
            .arg(httpStatus)
            .arg(said);
    }
    switch (QNetworkReply::NetworkError(networkError)) {
    case QNetworkReply::ConnectionRefusedError:
        return QStringLiteral("Nothing answers at %1 (connection refused). Is the server "
                              "running, and are the address and port right?")
            .arg(where);
    case QNetworkReply::HostNotFoundError:
        return QStringLiteral("The server name \u201c%1\u201d could not be found (DNS). Check the "
                              "address.")
            .arg(url.host());
    case QNetworkReply::SslHandshakeFailedError:
        return QStringLiteral("The secure (TLS) connection to %1 failed: %2. Fabulist never "
                              "ignores TLS errors: use http:// if the server speaks plain HTTP, "
                              "or give it a certificate this system trusts.")
            .arg(where, networkErrorText);
    case QNetworkReply::TimeoutError:
    case QNetworkReply::OperationCanceledError:
        return QStringLiteral("The server at %1 did not answer in time.").arg(where);
    case QNetworkReply::RemoteHostClosedError:
        return QStringLiteral("The server at %1 closed the connection before the reply ended.")
            .arg(where);
    default:
        break;
    }
    return QStringLiteral("The request to %1 failed: %2").arg(where, networkErrorText);
}

RemoteClient::RemoteClient(RemoteServer server)
    : m_server(std::move(server)), m_network(std::make_unique<QNetworkAccessManager>()) {}

RemoteClient::~RemoteClient() = default;

QString RemoteClient::endpoint(const QString& path) const {
    QString base = m_server.baseUrl.toString(QUrl::StripTrailingSlash);
    if (base.endsWith(QLatin1String("/v1"))) base.chop(3);
    return base + path;
}

QNetworkRequest RemoteClient::request(const QString& path) const {
    QNetworkRequest r{QUrl(endpoint(path))};
    r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (!m_server.apiKey.isEmpty())
        r.setRawHeader("Authorization", "Bearer " + m_server.apiKey.toUtf8());
    // Redirects would carry the key elsewhere; a server that redirects is misconfigured.
    r.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    return r;
}

QByteArray RemoteClient::await(QNetworkReply* reply, QString* error) {
    QEventLoop loop;
    QTimer stall;
    stall.setSingleShot(true);
    bool stalled = false, encrypted = false;
    QObject::connect(&stall, &QTimer::timeout, &loop, [&] {
        stalled = true;
        reply->abort();
    });
    QObject::connect(reply, &QNetworkReply::encrypted, &loop, [&] { encrypted = true; });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(reply, &QNetworkReply::downloadProgress, &stall, [&] { stall.start(); });
    stall.start(m_server.stallTimeoutMs);
    if (!reply->isFinished()) loop.exec();
    const QByteArray body = reply->isOpen() ? reply->readAll() : QByteArray();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (stalled)
        *error = stallMessage(reply->url(), m_server.stallTimeoutMs, encrypted);
    else if (reply->error() != QNetworkReply::NoError || status >= 400)
        *error = faultMessage(reply->url(), reply->error(), reply->errorString(), status, body,
                              m_server.model, retryAfter(reply));
    reply->deleteLater();
    return body;
}

ModelList RemoteClient::models() {
    ModelList list;
    QNetworkRequest r = request(QStringLiteral("/v1/models"));
    const QByteArray body = await(m_network->get(r), &list.error);
    if (!list.error.isEmpty()) return list;
    const QJsonArray data =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("data")).toArray();
    for (const QJsonValue& v : data) {
        const QJsonObject m = v.toObject();
        list.ids << m.value(QStringLiteral("id")).toString();
        const QJsonObject meta = m.value(QStringLiteral("meta")).toObject();
        list.contextLengths.push_back(
            meta.value(QStringLiteral("n_ctx"))
                .toInt(m.value(QStringLiteral("max_model_len")).toInt(0)));
        if (list.kind == ServerKind::Unknown)
            list.kind = serverKindFromOwner(m.value(QStringLiteral("owned_by")).toString());
    }
    if (list.ids.isEmpty())
        list.error = QStringLiteral("%1 lists no models (GET /v1/models): is it an "
                                    "OpenAI-compatible server?")
                         .arg(m_server.baseUrl.toString());
    m_kind = list.kind;
    m_kindKnown = true;
    return list;
}

TokenCount RemoteClient::countTokens(const QString& text) {
    QJsonObject body{{QStringLiteral("content"), text}, {QStringLiteral("prompt"), text}};
    if (!m_server.model.isEmpty()) body[QStringLiteral("model")] = m_server.model;
    QString error;
    const QByteArray reply =
        await(m_network->post(request(QStringLiteral("/tokenize")),
                              QJsonDocument(body).toJson(QJsonDocument::Compact)),
              &error);
    const QJsonObject o = QJsonDocument::fromJson(reply).object();
    TokenCount count;
    if (error.isEmpty() && o.value(QStringLiteral("tokens")).isArray()) {
        count.tokens = int(o.value(QStringLiteral("tokens")).toArray().size());
        return count;
    }
    count.estimated = true;
    count.tokens = int(std::ceil(text.size() / kCharsPerTokenEstimate));
    count.note = QStringLiteral("the server has no /tokenize (%1); estimated from the length")
                     .arg(error.isEmpty() ? QStringLiteral("no token list") : error);
    return count;
}

int RemoteClient::contextLength() {
    if (m_contextLength) return *m_contextLength;
    const ModelList list = models();
    const qsizetype at = std::max<qsizetype>(0, list.ids.indexOf(m_server.model));
    int n = at < qsizetype(list.contextLengths.size()) ? list.contextLengths[size_t(at)] : 0;
    if (n <= 0 && list.error.isEmpty()) {
        QString error;
        const QJsonObject props =
            QJsonDocument::fromJson(
                await(m_network->get(request(QStringLiteral("/props"))), &error))
                .object();
        n = props.value(QStringLiteral("default_generation_settings"))
                .toObject()
                .value(QStringLiteral("n_ctx"))
                .toInt(props.value(QStringLiteral("n_ctx")).toInt(0));
    }
    if (list.error.isEmpty()) m_contextLength = std::max(0, n); // asked again after a fault
    return std::max(0, n);
}

Completion RemoteClient::complete(const CompletionParams& params, const PieceCallback& onPiece,
                                  const std::atomic<bool>* cancel, bool stream) {
    if (!m_kindKnown) models(); // the kind decides the field names; a failure shows below
    Completion out;
    const RequestBody body = completionBody(params, m_server.model, m_kind, stream);
    out.honoured = body.honoured;
    out.unconfirmed = body.unconfirmed;
    QNetworkRequest r = request(QStringLiteral("/v1/completions"));
    if (stream) r.setRawHeader("Accept", "text/event-stream");
    QNetworkReply* reply =
        m_network->post(r, QJsonDocument(body.json).toJson(QJsonDocument::Compact));

    QEventLoop loop;
    QTimer stall, poll;
    stall.setSingleShot(true);
    bool stalled = false, done = false, encrypted = false;
    QObject::connect(reply, &QNetworkReply::encrypted, &loop, [&] { encrypted = true; });
    QString streamError;
    SseParser parser;
    QByteArray errorBody; // an HTTP error's body, or a reply that is not a stream
    auto fail = [&](const QString& message) {
        if (streamError.isEmpty()) streamError = message;
        reply->abort();
    };
    auto take = [&](const std::vector<SseEvent>& events) {
        for (const SseEvent& event : events) {
            if (!streamError.isEmpty() || out.cancelled) return;
            if (event.done) {
                done = true;
                continue;
            }
            std::vector<qsizetype> before;
            for (const auto& c : out.choices) before.push_back(c.text.size());
            QString error;
            if (!applyChunk(event.data, out, &error))
                return fail(QStringLiteral("The server at %1 reported an error mid-stream: %2")
                                .arg(hostPort(reply->url()), error));
            for (size_t i = 0; i < out.choices.size(); ++i) {
                const CompletionChoice& c = out.choices[i];
                if (c.tokens > params.maxTokens)
                    return fail(QStringLiteral("The server sent more than the %1 tokens asked "
                                               "for; the reply was cut there.")
                                    .arg(params.maxTokens));
                const qsizetype from = i < before.size() ? before[i] : 0;
                if (c.text.size() > from && onPiece && !onPiece(int(i), c.text.mid(from))) {
                    out.cancelled = true;
                    reply->abort();
                    return;
                }
            }
        }
    };
    QObject::connect(&stall, &QTimer::timeout, &loop, [&] {
        stalled = true;
        reply->abort();
    });
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (cancel && cancel->load() && !out.cancelled) {
            out.cancelled = true;
            reply->abort();
        }
    });
    QObject::connect(reply, &QNetworkReply::readyRead, &loop, [&] {
        stall.start();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool isStream = reply->header(QNetworkRequest::ContentTypeHeader)
                                  .toString()
                                  .startsWith(QLatin1String("text/event-stream"));
        if (status >= 400 || !stream || !isStream) {
            if (reply->isOpen()) errorBody += reply->readAll();
            return;
        }
        if (reply->isOpen()) take(parser.feed(reply->readAll()));
        if (!parser.error().isEmpty())
            fail(QStringLiteral("The server at %1 sent %2.")
                     .arg(hostPort(reply->url()), parser.error()));
    });
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    stall.start(m_server.stallTimeoutMs);
    if (cancel) poll.start(kCancelPollMs);
    if (!reply->isFinished()) loop.exec();
    stall.stop();
    poll.stop();

    out.httpStatus = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.retryAfterSeconds = retryAfter(reply);
    if (reply->isOpen()) errorBody += reply->readAll();
    if (out.cancelled) {
    } else if (!streamError.isEmpty()) {
        out.error = streamError;
    } else if (stalled) {
        out.error = stallMessage(reply->url(), m_server.stallTimeoutMs, encrypted);
    } else if (reply->error() != QNetworkReply::NoError || out.httpStatus >= 400) {
        out.error = faultMessage(reply->url(), reply->error(), reply->errorString(), out.httpStatus,
                                 errorBody, m_server.model, out.retryAfterSeconds);
    } else if (!errorBody.isEmpty()) { // not a stream: one JSON reply
        QString error;
        if (!applyChunk(errorBody, out, &error))
            out.error = error;
        else if (onPiece)
            for (size_t i = 0; i < out.choices.size(); ++i) onPiece(int(i), out.choices[i].text);
    } else {
        take(parser.finish());
        bool complete = done;
        if (!complete && !out.choices.empty()) {
            complete = true;
            for (const auto& c : out.choices) complete &= !c.finishReason.isEmpty();
        }
        if (!streamError.isEmpty())
            out.error = streamError;
        else if (!complete)
            out.error = QStringLiteral("The server at %1 ended the stream before the reply was "
                                       "complete.")
                            .arg(hostPort(reply->url()));
    }
    reply->deleteLater();
    return out;
}

} // namespace fabulist::remote
