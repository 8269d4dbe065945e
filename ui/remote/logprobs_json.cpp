#include "ui/remote/logprobs_json.h"

#include <QJsonArray>
#include <algorithm>
#include <cmath>

namespace fabulist::remote {

namespace {
// A token's bytes: the server's byte list where it sends one (a token may be part of a
// character), else its text.
QByteArray tokenBytes(const QJsonObject& o, const QString& textKey) {
    const QJsonArray bytes = o.value(QStringLiteral("bytes")).toArray();
    if (bytes.isEmpty()) return o.value(textKey).toString().toUtf8();
    QByteArray out;
    for (const QJsonValue& b : bytes) out.append(char(b.toInt()));
    return out;
}

// ln p from "logprob", or from a plain probability ("prob", llama-server's older shape).
double logprobOf(const QJsonObject& o) {
    if (o.contains(QStringLiteral("logprob"))) return o.value(QStringLiteral("logprob")).toDouble();
    const double p = o.value(QStringLiteral("prob")).toDouble();
    return p > 0.0 ? std::log(p) : -INFINITY;
}

TokenAlternative alternative(const QJsonObject& o, const QString& textKey) {
    return {o.value(QStringLiteral("id")).toInt(-1), tokenBytes(o, textKey), logprobOf(o)};
}

// [{id, token, bytes, logprob, top_logprobs: [...]}] and the older [{content, probs: [{tok_str,
// prob}]}].
void appendEntries(const QJsonArray& entries, std::vector<TokenLogprob>& into) {
    for (const QJsonValue& v : entries) {
        const QJsonObject e = v.toObject();
        const QString textKey = e.contains(QStringLiteral("token")) ? QStringLiteral("token")
                                                                    : QStringLiteral("content");
        TokenLogprob t;
        t.id = e.value(QStringLiteral("id")).toInt(-1);
        t.bytes = tokenBytes(e, textKey);
        const bool older = e.contains(QStringLiteral("probs"));
        const QJsonArray top =
            e.value(older ? QStringLiteral("probs") : QStringLiteral("top_logprobs")).toArray();
        for (const QJsonValue& a : top)
            t.top.push_back(alternative(a.toObject(), older ? QStringLiteral("tok_str")
                                                            : QStringLiteral("token")));
        t.logprob = logprobOf(e);
        // The older shape gives the token's probability only among its alternatives.
        if (older)
            for (const TokenAlternative& a : t.top)
                if (a.bytes == t.bytes) t.logprob = a.logprob;
        into.push_back(std::move(t));
    }
}

// {tokens: [...], token_logprobs: [...], top_logprobs: [{text: logprob}, ...]}: texts only.
void appendOpenAi(const QJsonObject& logprobs, std::vector<TokenLogprob>& into) {
    const QJsonArray tokens = logprobs.value(QStringLiteral("tokens")).toArray();
    const QJsonArray values = logprobs.value(QStringLiteral("token_logprobs")).toArray();
    const QJsonArray tops = logprobs.value(QStringLiteral("top_logprobs")).toArray();
    for (qsizetype i = 0; i < tokens.size(); ++i) {
        TokenLogprob t;
        t.bytes = tokens.at(i).toString().toUtf8();
        t.logprob = values.at(i).toDouble(-INFINITY);
        const QJsonObject top = tops.at(i).toObject();
        for (auto it = top.begin(); it != top.end(); ++it)
            t.top.push_back({-1, it.key().toUtf8(), it.value().toDouble()});
        std::stable_sort(t.top.begin(), t.top.end(),
                         [](const auto& a, const auto& b) { return a.logprob > b.logprob; });
        into.push_back(std::move(t));
    }
}
} // namespace

void appendLogprobs(const QJsonObject& choice, std::vector<TokenLogprob>& into) {
    const QJsonObject logprobs = choice.value(QStringLiteral("logprobs")).toObject();
    if (logprobs.value(QStringLiteral("content")).isArray())
        appendEntries(logprobs.value(QStringLiteral("content")).toArray(), into);
    else if (logprobs.value(QStringLiteral("tokens")).isArray())
        appendOpenAi(logprobs, into);
    else if (choice.value(QStringLiteral("completion_probabilities")).isArray())
        appendEntries(choice.value(QStringLiteral("completion_probabilities")).toArray(), into);
}

} // namespace fabulist::remote
