#include "ui/remote/completion_json.h"

#include "ui/remote/logprobs_json.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace fabulist::remote {

QString serverKindName(ServerKind kind) {
    switch (kind) {
    case ServerKind::LlamaServer:
        return QStringLiteral("llama-server");
    case ServerKind::Vllm:
        return QStringLiteral("vLLM");
    case ServerKind::Sglang:
        return QStringLiteral("SGLang");
    case ServerKind::Ollama:
        return QStringLiteral("Ollama");
    case ServerKind::Unknown:
        break;
    }
    return QStringLiteral("an OpenAI-compatible server");
}

ServerKind serverKindFromOwner(const QString& ownedBy) {
    const QString o = ownedBy.toLower();
    if (o == QLatin1String("llamacpp")) return ServerKind::LlamaServer;
    if (o == QLatin1String("vllm")) return ServerKind::Vllm;
    if (o == QLatin1String("sglang")) return ServerKind::Sglang;
    if (o == QLatin1String("library") || o == QLatin1String("ollama")) return ServerKind::Ollama;
    return ServerKind::Unknown;
}

namespace {
// Fields beyond the OpenAI set, by server: llama-server and vLLM/SGLang name the repeat
// penalty differently; Ollama's OpenAI endpoint takes none of them.
bool takesExtensions(ServerKind kind) {
    return kind != ServerKind::Ollama;
}
bool extensionsKnown(ServerKind kind) {
    return kind == ServerKind::LlamaServer || kind == ServerKind::Vllm ||
           kind == ServerKind::Sglang;
}
} // namespace

RequestBody completionBody(const CompletionParams& p, const QString& model, ServerKind kind,
                           bool stream) {
    RequestBody body;
    QJsonObject& j = body.json;
    const auto& s = p.sampler;
    if (!model.isEmpty()) j[QStringLiteral("model")] = model;
    j[QStringLiteral("prompt")] = p.prompt;
    j[QStringLiteral("stream")] = stream;
    j[QStringLiteral("max_tokens")] = p.maxTokens;
    j[QStringLiteral("temperature")] = double(s.temperature);
    j[QStringLiteral("top_p")] = double(s.topP);
    j[QStringLiteral("seed")] = qint64(s.seed);
    j[QStringLiteral("presence_penalty")] = double(s.presencePenalty);
    j[QStringLiteral("frequency_penalty")] = double(s.frequencyPenalty);
    j[QStringLiteral("n")] = p.n;
    body.honoured << QStringLiteral("max_tokens") << QStringLiteral("temperature")
                  << QStringLiteral("top_p") << QStringLiteral("seed")
                  << QStringLiteral("presence_penalty") << QStringLiteral("frequency_penalty")
                  << QStringLiteral("n");
    if (!p.stop.isEmpty()) {
        j[QStringLiteral("stop")] = QJsonArray::fromStringList(p.stop);
        body.honoured << QStringLiteral("stop");
    }
    if (p.logprobs > 0) {
        j[QStringLiteral("logprobs")] = p.logprobs;
        body.honoured << QStringLiteral("logprobs");
    }
    if (takesExtensions(kind)) {
        QStringList& extensions = extensionsKnown(kind) ? body.honoured : body.unconfirmed;
        j[QStringLiteral("top_k")] = s.topK;
        j[QStringLiteral("min_p")] = double(s.minP);
        extensions << QStringLiteral("top_k") << QStringLiteral("min_p");
        if (kind == ServerKind::LlamaServer || kind == ServerKind::Unknown) {
            j[QStringLiteral("repeat_penalty")] = double(s.repeatPenalty);
            j[QStringLiteral("repeat_last_n")] = s.penaltyLastN;
            extensions << QStringLiteral("repeat_penalty") << QStringLiteral("repeat_last_n");
        }
        if (kind != ServerKind::LlamaServer) {
            j[QStringLiteral("repetition_penalty")] = double(s.repeatPenalty);
            extensions << QStringLiteral("repetition_penalty");
        }
        if (p.ignoreEos) {
            j[QStringLiteral("ignore_eos")] = true;
            extensions << QStringLiteral("ignore_eos");
        }
    }
    return body;
}

bool applyChunk(const QByteArray& json, Completion& into, QString* error) {
    QJsonParseError parse{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parse);
    if (!doc.isObject()) {
        *error =
            QStringLiteral("the server sent a stream event that is not JSON (%1): \u201c%2\u201d")
                .arg(parse.errorString(), QString::fromUtf8(json.left(120)));
        return false;
    }
    const QJsonObject o = doc.object();
    if (o.contains(QStringLiteral("error"))) {
        *error = errorBodyMessage(json);
        return false;
    }
    if (const QString model = o.value(QStringLiteral("model")).toString(); !model.isEmpty())
        into.serverModel = model;
    const QJsonObject usage = o.value(QStringLiteral("usage")).toObject();
    if (usage.contains(QStringLiteral("prompt_tokens")))
        into.promptTokens = usage.value(QStringLiteral("prompt_tokens")).toInt();
    for (const QJsonValue& v : o.value(QStringLiteral("choices")).toArray()) {
        const QJsonObject c = v.toObject();
        const int index = c.value(QStringLiteral("index")).toInt(-1);
        if (index < 0 || index >= 64) {
            *error = QStringLiteral("the server sent a choice without a valid index");
            return false;
        }
        if (size_t(index) >= into.choices.size()) into.choices.resize(size_t(index) + 1);
        CompletionChoice& choice = into.choices[size_t(index)];
        const QString text = c.value(QStringLiteral("text")).toString();
        if (!text.isEmpty()) {
            choice.text += text;
            ++choice.tokens;
        }
        appendLogprobs(c, choice.logprobs);
        if (const QString reason = c.value(QStringLiteral("finish_reason")).toString();
            !reason.isEmpty())
            choice.finishReason = reason;
    }
    return true;
}

QString errorBodyMessage(const QByteArray& body) {
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    const QJsonValue e = o.value(QStringLiteral("error"));
    QString message;
    if (e.isObject())
        message = e.toObject().value(QStringLiteral("message")).toString();
    else if (e.isString())
        message = e.toString();
    if (message.isEmpty()) message = o.value(QStringLiteral("message")).toString();
    if (message.isEmpty()) message = o.value(QStringLiteral("detail")).toString();
    if (message.isEmpty()) message = QString::fromUtf8(body.left(200)).trimmed();
    return message;
}

} // namespace fabulist::remote
