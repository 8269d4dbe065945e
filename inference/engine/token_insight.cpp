#include "inference/engine/token_insight.h"

#include "inference/engine/session.h"
#include "inference/heads/head_adapter.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace fabulist::inference {

namespace {

// Softmax at temperature 1, in double for the sums.
std::vector<double> probabilities(std::span<const float> logits) {
    const float mx = *std::max_element(logits.begin(), logits.end());
    std::vector<double> p(logits.size());
    double sum = 0.0;
    for (size_t i = 0; i < logits.size(); ++i) sum += p[i] = std::exp(double(logits[i]) - mx);
    for (double& x : p) x /= sum;
    return p;
}

std::vector<TokenChoice> topChoices(const std::vector<double>& p, int k) {
    std::vector<int32_t> ids(p.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = int32_t(i);
    const size_t n = std::min(ids.size(), size_t(std::max(k, 0)));
    std::partial_sort(ids.begin(), ids.begin() + long(n), ids.end(), [&](int32_t a, int32_t b) {
        return p[size_t(a)] != p[size_t(b)] ? p[size_t(a)] > p[size_t(b)] : a < b;
    });
    std::vector<TokenChoice> out;
    for (size_t i = 0; i < n; ++i) out.push_back({ids[i], float(p[size_t(ids[i])])});
    return out;
}

double klDivergence(const std::vector<double>& p, const std::vector<double>& q) {
    double kl = 0.0;
    for (size_t i = 0; i < p.size(); ++i)
        if (p[i] > 0.0) kl += p[i] * (std::log(p[i]) - std::log(std::max(q[i], 1e-300)));
    return std::max(kl, 0.0);
}

// Per generated token, the logits mixed at `alpha` (alpha 0: the model's own): the cache holds
// the prompt minus its last token, then prompt's last token + ids minus the last are evaluated
// with every row kept.
std::vector<std::vector<float>> replay(Session& session, const InsightRequest& r, float alpha) {
    std::vector<int32_t> all(r.prompt.begin(), r.prompt.end());
    all.insert(all.end(), r.ids.begin(), r.ids.end() - 1);
    const size_t before = r.prompt.size() - 1;
    if (before > 0)
        session.evaluate(std::span<const int32_t>(all).first(before));
    else
        session.clear();
    session.setAllLogitsAlpha(alpha);
    session.evaluate(all, true);
    session.setAllLogitsAlpha(0.0f);
    std::vector<std::vector<float>> rows;
    for (int i = 0; i < session.logitsCount(); ++i) {
        const auto z = session.mixedLogitsAt(i);
        rows.emplace_back(z.begin(), z.end());
    }
    return rows;
}

} // namespace

float alphaAt(std::span<const AlphaChange> changes, float alpha, int index) {
    for (const AlphaChange& c : changes)
        if (c.tokenIndex <= index) alpha = c.alpha;
    return alpha;
}

std::vector<TokenInsight> inspectTokens(Session& session, const InsightRequest& r) {
    if (r.prompt.empty()) throw EngineError("token insight needs at least one prompt token");
    if (r.ids.empty()) return {};
    if (int64_t(r.prompt.size() + r.ids.size()) - 1 > session.contextLength())
        throw EngineError("token insight: " + std::to_string(r.prompt.size() + r.ids.size()) +
                          " tokens do not fit the context of " +
                          std::to_string(session.contextLength()));
    session.setHead(r.adapter);
    const bool head = r.adapter != nullptr;
    const auto coherence = replay(session, r, 0.0f);
    std::vector<std::vector<float>> diversity;
    std::map<float, std::vector<std::vector<float>>> mixes; // by α, for the α other than 0 and 1
    if (head) {
        diversity = replay(session, r, 1.0f);
        for (int i = 0; i < int(r.ids.size()); ++i) {
            const float a = alphaAt(r.alphaChanges, r.alpha, i);
            if (a != 0.0f && a != 1.0f && !mixes.count(a)) mixes[a] = replay(session, r, a);
        }
    }
    std::vector<TokenInsight> out;
    for (size_t i = 0; i < r.ids.size(); ++i) {
        TokenInsight t;
        t.id = r.ids[i];
        t.alpha = head ? alphaAt(r.alphaChanges, r.alpha, int(i)) : 0.0f;
        const auto pc = probabilities(coherence[i]);
        t.coherence = topChoices(pc, r.topK);
        t.coherenceProbability = float(pc[size_t(t.id)]);
        if (head) {
            const auto pd = probabilities(diversity[i]);
            t.diversity = topChoices(pd, r.topK);
            t.diversityProbability = float(pd[size_t(t.id)]);
            t.divergence = float(klDivergence(pc, pd));
            const auto pm = t.alpha == 0.0f   ? pc
                            : t.alpha == 1.0f ? pd
                                              : probabilities(mixes[t.alpha][i]);
            t.mix = topChoices(pm, r.topK);
            t.mixProbability = float(pm[size_t(t.id)]);
        } else {
            t.mix = t.coherence;
            t.mixProbability = t.coherenceProbability;
        }
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace fabulist::inference
