// Sampler chain: each stage on small hand-computed cases, the default order, greedy, and
// seeded determinism.
#include "inference/sampling/penalty_stage.h"
#include "inference/sampling/sampler_chain.h"
#include "inference/sampling/truncation_stages.h"

#include <QTest>
#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

using namespace fabulist::inference;

namespace {

// Logits whose softmax is exactly the given distribution.
std::vector<float> logitsOf(std::initializer_list<double> probs) {
    std::vector<float> out;
    for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
    return out;
}

std::vector<int32_t> ids(const TokenCandidates& c) {
    std::vector<int32_t> out;
    for (const TokenCandidate& t : c.items()) out.push_back(t.id);
    return out;
}

std::set<int32_t> idSet(const TokenCandidates& c) {
    auto v = ids(c);
    return {v.begin(), v.end()};
}

} // namespace

class SamplingChainTest : public QObject {
    Q_OBJECT

private slots:
    void topKKeepsTheKBest() {
        std::vector<float> logits{1, 4, 2, 3, 0};
        TokenCandidates c(logits.size());
        c.load(logits.data(), logits.size());
        SamplerRng rng(1);
        TopKStage(2).apply(c, rng);
        QCOMPARE(ids(c), (std::vector<int32_t>{1, 3}));
        c.load(logits.data(), logits.size());
        TopKStage(0).apply(c, rng); // off
        QCOMPARE(c.size(), size_t(5));
        TopKStage(100).apply(c, rng); // k > n keeps all, sorted
        QCOMPARE(ids(c), (std::vector<int32_t>{1, 3, 2, 0, 4}));
    }

    void topPKeepsTheNucleus() {
        auto logits = logitsOf({0.5, 0.3, 0.15, 0.05});
        TokenCandidates c(4);
        SamplerRng rng(1);
        c.load(logits.data(), 4);
        TopPStage(0.7f).apply(c, rng); // 0.5 < 0.7 <= 0.8
        QCOMPARE(ids(c), (std::vector<int32_t>{0, 1}));
        c.load(logits.data(), 4);
        TopPStage(0.85f).apply(c, rng); // 0.8 < 0.85 <= 0.95
        QCOMPARE(ids(c), (std::vector<int32_t>{0, 1, 2}));
        c.load(logits.data(), 4);
        TopPStage(0.3f).apply(c, rng); // the best token alone already has 0.5
        QCOMPARE(ids(c), (std::vector<int32_t>{0}));
        QVERIFY(std::fabs(c[0].p - 0.5f) < 1e-6f); // p was computed before truncation
        c.load(logits.data(), 4);
        TopPStage(1.0f).apply(c, rng);
        QCOMPARE(c.size(), size_t(4));
    }

    void minPKeepsTokensNearTheBest() {
        auto logits = logitsOf({0.15, 0.5, 0.05, 0.3});
        TokenCandidates c(4);
        SamplerRng rng(1);
        c.load(logits.data(), 4);
        MinPStage(0.25f).apply(c, rng); // threshold 0.125: keeps 0.5, 0.3, 0.15
        QCOMPARE(idSet(c), (std::set<int32_t>{1, 3, 0}));
        c.load(logits.data(), 4);
        MinPStage(0.7f).apply(c, rng); // threshold 0.35: only 0.5
        QCOMPARE(idSet(c), (std::set<int32_t>{1}));
        c.load(logits.data(), 4);
        MinPStage(0.0f).apply(c, rng);
        QCOMPARE(c.size(), size_t(4));
    }

    void typicalKeepsTheLeastSurprising() {
        // p = 0.5, 0.3, 0.15, 0.05: entropy H = 1.14212 nats; surprises -ln p = 0.693, 1.204,
        // 1.897, 2.996; |surprise - H| = 0.449, 0.062, 0.755, 1.854. Order: 1, 0, 2, 3.
        auto logits = logitsOf({0.5, 0.3, 0.15, 0.05});
        TokenCandidates c(4);
        SamplerRng rng(1);
        TypicalStage typicalHalf(4, 0.5f); // mass 0.3 (not > 0.5), then 0.8 > 0.5
        c.load(logits.data(), 4);
        typicalHalf.apply(c, rng);
        QCOMPARE(ids(c), (std::vector<int32_t>{1, 0}));
        TypicalStage typicalSmall(4, 0.2f); // 0.3 > 0.2 at once
        c.load(logits.data(), 4);
        typicalSmall.apply(c, rng);
        QCOMPARE(ids(c), (std::vector<int32_t>{1}));
        TypicalStage typicalMost(4, 0.9f); // 0.3, 0.8, 0.95 > 0.9
        c.load(logits.data(), 4);
        typicalMost.apply(c, rng);
        QCOMPARE(ids(c), (std::vector<int32_t>{1, 0, 2}));
    }

    // A whole vocabulary (no top-k first) takes the no-full-sort paths; they must keep exactly
    // the set a plain sort-and-cut computes (done here independently, in double).
    void largeVocabularyTopPAndMinP() {
        const size_t n = 50000;
        std::vector<float> logits(n);
        std::mt19937 gen(3);
        std::normal_distribution<float> normal(0.0f, 3.0f);
        for (float& v : logits) v = normal(gen);
        std::vector<std::pair<double, int32_t>> order;
        double maxLogit = *std::max_element(logits.begin(), logits.end()), sum = 0.0;
        for (size_t i = 0; i < n; ++i) sum += std::exp(double(logits[i]) - maxLogit);
        for (size_t i = 0; i < n; ++i)
            order.push_back({std::exp(double(logits[i]) - maxLogit) / sum, int32_t(i)});
        std::sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.first > b.first; });
        for (float p : {0.5f, 0.9f, 0.99f}) {
            std::set<int32_t> want;
            double mass = 0.0;
            for (auto& [prob, id] : order) {
                want.insert(id);
                mass += prob;
                if (mass >= p) break;
            }
            TokenCandidates c(n);
            SamplerRng rng(1);
            c.load(logits.data(), n);
            TopPStage(p).apply(c, rng);
            QCOMPARE(idSet(c), want);
        }
        std::set<int32_t> want;
        for (auto& [prob, id] : order)
            if (prob >= 0.05 * order[0].first) want.insert(id);
        TokenCandidates c(n);
        SamplerRng rng(1);
        c.load(logits.data(), n);
        MinPStage(0.05f).apply(c, rng);
        QCOMPARE(idSet(c), want);
    }

    void temperatureScalesOrPicksTheBest() {
        std::vector<float> logits{1.0f, 3.0f, 2.0f};
        TokenCandidates c(3);
        SamplerRng rng(1);
        c.load(logits.data(), 3);
        TemperatureStage(0.5f).apply(c, rng);
        QCOMPARE(c[0].logit, 2.0f);
        QCOMPARE(c[1].logit, 6.0f);
        QCOMPARE(c[2].logit, 4.0f);
        c.load(logits.data(), 3);
        TemperatureStage(0.0f).apply(c, rng);
        QCOMPARE(ids(c), (std::vector<int32_t>{1}));
    }

    void penaltiesFollowLlamaCppFormula() {
        // history 0, 1, 0: id 0 twice, id 1 once. repeat 2, frequency 0.5, presence 0.25.
        //   id 0: 2 / 2 - 2 * 0.5 - 0.25 = -0.25
        //   id 1: -1 * 2 - 1 * 0.5 - 0.25 = -2.75
        //   ids 2, 3 untouched.
        std::vector<float> logits{2.0f, -1.0f, 3.0f, 0.5f};
        PenaltyStage penalties(4, 64, 2.0f, 0.5f, 0.25f);
        for (int32_t t : {0, 1, 0}) penalties.accept(t);
        TokenCandidates c(4);
        SamplerRng rng(1);
        c.load(logits.data(), 4); // id-ordered fast path
        penalties.apply(c, rng);
        QCOMPARE(c[0].logit, -0.25f);
        QCOMPARE(c[1].logit, -2.75f);
        QCOMPARE(c[2].logit, 3.0f);
        QCOMPARE(c[3].logit, 0.5f);
        // Applying again from fresh logits gives the same result (counts were restored).
        c.load(logits.data(), 4);
        penalties.apply(c, rng);
        QCOMPARE(c[0].logit, -0.25f);
        // Reordered candidates take the general path with the same result.
        c.load(logits.data(), 4);
        c.sortDescending(); // 2, 0, 3, 1
        penalties.apply(c, rng);
        QCOMPARE(c[1].id, 0);
        QCOMPARE(c[1].logit, -0.25f);
        QCOMPARE(c[3].id, 1);
        QCOMPARE(c[3].logit, -2.75f);
    }

    void penaltyWindowForgetsOldTokens() {
        std::vector<float> logits{2.0f, 2.0f, 2.0f};
        PenaltyStage penalties(3, 2, 2.0f, 0.0f, 0.0f);
        for (int32_t t : {0, 1, 2}) penalties.accept(t); // window now holds 1, 2
        TokenCandidates c(3);
        SamplerRng rng(1);
        c.load(logits.data(), 3);
        penalties.apply(c, rng);
        QCOMPARE(c[0].logit, 2.0f);
        QCOMPARE(c[1].logit, 1.0f);
        QCOMPARE(c[2].logit, 1.0f);
        penalties.reset();
        c.load(logits.data(), 3);
        penalties.apply(c, rng);
        QCOMPARE(c[1].logit, 2.0f);
    }

    void defaultChainHasLlamaCppOrder() {
        SamplerSettings s;
        s.repeatPenalty = 1.1f;
        s.typicalP = 0.9f;
        auto chain = SamplerChain::fromSettings(s, 10);
        std::vector<std::string> names;
        for (size_t i = 0; i < chain.stageCount(); ++i) names.push_back(chain.stage(i).name());
        QCOMPARE(names, (std::vector<std::string>{"penalties", "top-k", "typical", "top-p", "min-p",
                                                  "temperature"}));
    }

    void chainNarrowsThenDraws() {
        // top-k 3 drops 0.05; top-p 0.7 keeps 0.5 + 0.3; min-p 0.05 keeps both. Every draw is
        // 0 or 1, each about as often as 0.5 : 0.3.
        auto logits = logitsOf({0.5, 0.3, 0.15, 0.05});
        SamplerSettings s;
        s.topK = 3;
        s.topP = 0.7f;
        s.minP = 0.05f;
        s.temperature = 1.0f;
        s.seed = 7;
        auto chain = SamplerChain::fromSettings(s, 4);
        int count[4] = {0, 0, 0, 0};
        const int n = 8000;
        for (int i = 0; i < n; ++i) ++count[chain.sample(logits.data(), 4)];
        QCOMPARE(count[2] + count[3], 0);
        QCOMPARE(idSet(chain.candidates()), (std::set<int32_t>{0, 1}));
        // Renormalised over the kept two: 0.625 / 0.375. Binomial sd at n = 8000 is 0.0054.
        QVERIFY(std::fabs(count[0] / double(n) - 0.625) < 0.03);
    }

    void drawFollowsTheDistribution() {
        auto logits = logitsOf({0.5, 0.3, 0.15, 0.05});
        SamplerChain chain(4, 42); // only the final draw
        int count[4] = {0, 0, 0, 0};
        const int n = 20000;
        for (int i = 0; i < n; ++i) ++count[chain.sample(logits.data(), 4)];
        const double expected[4] = {0.5, 0.3, 0.15, 0.05};
        // Pearson's chi-square, 3 degrees of freedom: above 16.27 happens by chance once in a
        // thousand seeds; a draw biased by a tenth of one probability (0.05 -> 0.055) lands
        // near 10 + 3 on average and a fifth (0.06) near 40.
        double chiSquare = 0.0;
        for (int i = 0; i < 4; ++i) {
            const double e = expected[i] * n;
            chiSquare += (count[i] - e) * (count[i] - e) / e;
        }
        QVERIFY2(chiSquare < 16.27, qPrintable(QString("chi-square %1").arg(chiSquare)));
    }

    void greedyIsArgmaxAfterPenalties() {
        std::vector<float> logits{0.1f, 5.0f, 4.9f, -3.0f};
        for (uint32_t seed : {1u, 2u, 3u}) {
            SamplerSettings s;
            s.temperature = 0.0f;
            s.seed = seed;
            auto chain = SamplerChain::fromSettings(s, 4);
            QCOMPARE(chain.sample(logits.data(), 4), 1);
            SamplerSettings k1;
            k1.topK = 1;
            k1.seed = seed;
            auto topOne = SamplerChain::fromSettings(k1, 4);
            QCOMPARE(topOne.sample(logits.data(), 4), 1);
        }
        // With a repeat penalty, a repeated best token loses: 5 / 1.1 = 4.545 < 4.9.
        SamplerSettings s;
        s.temperature = 0.0f;
        s.repeatPenalty = 1.1f;
        auto chain = SamplerChain::fromSettings(s, 4);
        chain.accept(1);
        QCOMPARE(chain.sample(logits.data(), 4), 2);
    }

    void sameSeedSameTokens() {
        std::vector<float> logits(50);
        for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(float(i)) * 2.0f;
        SamplerSettings s;
        s.temperature = 1.5f;
        s.topK = 0;
        s.topP = 0.99f;
        s.minP = 0.0f;
        s.repeatPenalty = 1.2f;
        s.seed = 1234;
        auto run = [&](uint32_t seed) {
            s.seed = seed;
            auto chain = SamplerChain::fromSettings(s, logits.size());
            std::vector<int32_t> out;
            for (int i = 0; i < 200; ++i) {
                int32_t t = chain.sample(logits.data(), logits.size());
                chain.accept(t);
                out.push_back(t);
            }
            return out;
        };
        auto a = run(1234), b = run(1234), c = run(4321);
        QCOMPARE(a, b);
        QVERIFY(a != c);
        // The same chain, reset to the seed, repeats itself too.
        s.seed = 1234;
        auto chain = SamplerChain::fromSettings(s, logits.size());
        std::vector<int32_t> first;
        for (int i = 0; i < 20; ++i) {
            first.push_back(chain.sample(logits.data(), logits.size()));
            chain.accept(first.back());
        }
        chain.reset(1234);
        for (int i = 0; i < 20; ++i) {
            int32_t t = chain.sample(logits.data(), logits.size());
            chain.accept(t);
            QCOMPARE(t, first[size_t(i)]);
        }
    }
};

QTEST_APPLESS_MAIN(SamplingChainTest)
#include "sampling_chain_test.moc"
