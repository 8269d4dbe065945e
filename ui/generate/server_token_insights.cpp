#include "ui/generate/server_token_insights.h"

#include <cmath>

namespace fabulist::ui {

namespace {
class TokenIds {
public:
    explicit TokenIds(TokenInsights& insights) : m_insights(insights) {}
    int32_t operator()(int32_t serverId, const QByteArray& bytes) {
        int32_t id = serverId;
        if (id < 0) {
            auto it = m_textOnly.constFind(bytes);
            if (it == m_textOnly.constEnd())
                it = m_textOnly.insert(bytes, kTextOnlyIdBase + int32_t(m_textOnly.size()));
            id = *it;
        }
        m_insights.bytes.insert(id, bytes);
        return id;
    }

private:
    TokenInsights& m_insights;
    QHash<QByteArray, int32_t> m_textOnly;
};

float probability(double logprob) {
    return std::isfinite(logprob) ? float(std::exp(logprob)) : 0.0f;
}
} // namespace

TokenInsights serverTokenInsights(const std::vector<remote::TokenLogprob>& tokens,
                                  const QString& forcedText) {
    TokenInsights insights;
    TokenIds ids(insights);
    if (!forcedText.isEmpty()) {
        inference::TokenInsight forced;
        forced.id = ids(-1, forcedText.toUtf8());
        insights.ids.push_back(forced.id);
        insights.tokens.push_back(forced);
    }
    for (const remote::TokenLogprob& t : tokens) {
        inference::TokenInsight insight;
        insight.id = ids(t.id, t.bytes);
        insight.coherenceProbability = insight.mixProbability = probability(t.logprob);
        for (const remote::TokenAlternative& a : t.top)
            insight.coherence.push_back({ids(a.id, a.bytes), probability(a.logprob)});
        insight.mix = insight.coherence;
        insights.ids.push_back(insight.id);
        insights.tokens.push_back(std::move(insight));
    }
    return insights;
}

} // namespace fabulist::ui
