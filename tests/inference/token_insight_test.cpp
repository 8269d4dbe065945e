// Token insight (inference/engine/token_insight.h) on the default model and its diversity head:
// the replayed distributions are the ones the generation sampled from (greedy picks are the top
// choice of the mix at every token, also when α moves mid-run), equal the one-token path's
// numbers, and the heads' KL is what the two distributions give; without a head only the
// coherence side is there.

#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/engine/token_insight.h"
#include "inference/heads/head_adapter.h"
#include "inference/tokenizer/tokenizer.h"

#include <QtTest>
#include <atomic>
#include <cmath>

using namespace fabulist::inference;

namespace {

std::unique_ptr<Engine> loadDefault() {
    EngineOptions o;
    o.modelPath = defaultModelPath();
    o.threads = 2;
    o.contextLength = 256;
    return Engine::load(o);
}

std::string headPath() {
    const std::string p = defaultModelPath();
    return p.substr(0, p.size() - 5) + ".head.gguf";
}

std::vector<double> softmax(std::span<const float> z) {
    double mx = -1e300, sum = 0.0;
    for (float v : z) mx = std::max(mx, double(v));
    std::vector<double> p;
    for (float v : z) sum += p.emplace_back(std::exp(double(v) - mx));
    for (double& x : p) x /= sum;
    return p;
}

} // namespace

class TokenInsightTest : public QObject {
    Q_OBJECT

    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<HeadAdapter> m_head;
    std::vector<int32_t> m_prompt;

private slots:
    void initTestCase() {
        m_engine = loadDefault();
        m_head = std::make_unique<HeadAdapter>(HeadAdapter::load(headPath(), m_engine->file()));
        m_prompt = m_engine->tokenizer().encode("The rain had not stopped for three days, and",
                                                true, true);
    }

    void greedyPicksAreTheMixTopChoiceAsAlphaMoves() {
        GenerationParams p;
        p.maxTokens = 30;
        p.sampler.temperature = 0.0f;
        p.stopAtEndOfGeneration = false;
        p.adapter = m_head.get();
        std::atomic<float> live{0.2f};
        p.liveAlpha = &live;
        int n = 0;
        auto session = m_engine->createSession();
        const auto result = Generator(*session, m_engine->tokenizer())
                                .run(m_prompt, p, [&](int32_t id, std::string_view) {
                                    if (id >= 0 && ++n == 10) live.store(1.0f);
                                    if (id >= 0 && n == 20) live.store(0.6f);
                                    return true;
                                });
        QCOMPARE(result.alphaChanges.size(), size_t(3));
        InsightRequest r;
        r.prompt = m_prompt;
        r.ids = result.ids;
        r.adapter = m_head.get();
        r.alpha = 0.2f;
        r.alphaChanges = result.alphaChanges;
        auto other = m_engine->createSession();
        const auto insights = inspectTokens(*other, r);
        QCOMPARE(insights.size(), result.ids.size());
        bool anyDisagree = false;
        for (size_t i = 0; i < insights.size(); ++i) {
            QCOMPARE(insights[i].id, result.ids[i]);
            QCOMPARE(insights[i].mix.front().id, result.ids[i]); // greedy took the mix's argmax
            QCOMPARE(insights[i].alpha, alphaAt(result.alphaChanges, 0.2f, int(i)));
            QCOMPARE(insights[i].mix.size(), size_t(10));
            anyDisagree |= insights[i].coherence.front().id != insights[i].diversity.front().id;
        }
        QCOMPARE(insights[9].alpha, 0.2f);
        QCOMPARE(insights[10].alpha, 1.0f);
        QCOMPARE(insights[25].alpha, 0.6f);
        QVERIFY2(anyDisagree, "the heads never disagreed on a top choice in 30 tokens");
    }

    void numbersEqualTheOneTokenPath() {
        // A sampled text; each position recomputed alone (evaluate the prefix, mix at α).
        GenerationParams p;
        p.maxTokens = 12;
        p.sampler.seed = 4;
        p.adapter = m_head.get();
        p.alpha = 0.5f;
        p.stopAtEndOfGeneration = false;
        auto session = m_engine->createSession();
        const auto result = Generator(*session, m_engine->tokenizer()).run(m_prompt, p);
        InsightRequest r;
        r.prompt = m_prompt;
        r.ids = result.ids;
        r.adapter = m_head.get();
        r.alpha = 0.5f;
        r.topK = 5;
        auto other = m_engine->createSession();
        const auto insights = inspectTokens(*other, r);
        auto check = m_engine->createSession();
        check->setHead(m_head.get());
        for (size_t i : {size_t(0), size_t(5), size_t(11)}) {
            std::vector<int32_t> prefix = m_prompt;
            prefix.insert(prefix.end(), result.ids.begin(), result.ids.begin() + long(i));
            check->evaluate(prefix);
            const auto pc = softmax(check->logits());
            const auto pm = softmax(check->mixedLogits(0.5f));
            const auto pd = softmax(check->mixedLogits(1.0f));
            const TokenInsight& t = insights[i];
            QCOMPARE(t.coherenceProbability, float(pc[size_t(t.id)]));
            QCOMPARE(t.mixProbability, float(pm[size_t(t.id)]));
            QCOMPARE(t.diversityProbability, float(pd[size_t(t.id)]));
            for (const TokenChoice& c : t.diversity)
                QCOMPARE(c.probability, float(pd[size_t(c.id)]));
            double kl = 0.0;
            for (size_t v = 0; v < pc.size(); ++v)
                if (pc[v] > 0) kl += pc[v] * std::log(pc[v] / pd[v]);
            QVERIFY2(std::abs(t.divergence - kl) < 1e-5 * (1 + kl),
                     qPrintable(QString("%1 vs %2").arg(t.divergence).arg(kl)));
            QVERIFY(t.divergence >= 0.0f);
            // Sorted, most likely first.
            for (size_t k = 1; k < t.mix.size(); ++k)
                QVERIFY(t.mix[k - 1].probability >= t.mix[k].probability);
        }
    }

    void withoutAHeadOnlyCoherence() {
        const std::vector<int32_t> ids = m_engine->tokenizer().encode(" the sea was", false, false);
        InsightRequest r;
        r.prompt = m_prompt;
        r.ids = ids;
        auto session = m_engine->createSession();
        const auto insights = inspectTokens(*session, r);
        QCOMPARE(insights.size(), ids.size());
        for (const auto& t : insights) {
            QVERIFY(t.diversity.empty());
            QCOMPARE(t.divergence, 0.0f);
            QCOMPARE(t.mixProbability, t.coherenceProbability);
            QCOMPARE(t.mix.front().id, t.coherence.front().id);
        }
    }

    void tooLongForTheContextIsAnError() {
        std::vector<int32_t> ids(300, 5);
        InsightRequest r;
        r.prompt = m_prompt;
        r.ids = ids;
        auto session = m_engine->createSession();
        QVERIFY_THROWS_EXCEPTION(EngineError, inspectTokens(*session, r));
    }
};

QTEST_GUILESS_MAIN(TokenInsightTest)
#include "token_insight_test.moc"
