// Diversity metrics on hand-computed examples (values worked out in the comments).
#include "inference/eval/diversity_metrics.h"

#include <QTest>
#include <cmath>
#include <vector>

using namespace fabulist::inference;

namespace {
bool near(double a, double b) {
    return std::abs(a - b) < 1e-9;
}
} // namespace

class EvalDiversityMetricsTest : public QObject {
    Q_OBJECT

private slots:
    void distinctIsPooledOverTheSamples() {
        const std::vector<TokenSample> s{{1, 2, 3, 1, 2}, {1, 2, 4}};
        // unigrams 1 2 3 1 2 1 2 4: 4 distinct of 8
        QVERIFY(near(distinctN(s, 1), 0.5));
        // bigrams 12 23 31 12 | 12 24: 4 distinct of 6
        QVERIFY(near(distinctN(s, 2), 4.0 / 6.0));
        // trigrams 123 231 312 | 124: all distinct
        QVERIFY(near(distinctN(s, 3), 1.0));
        QVERIFY(near(distinctN(std::vector<TokenSample>{{1}}, 2), 0.0)); // no bigram at all
    }

    void repFourCountsRepeatsInsideOneSample() {
        // 4-grams 1234 2341 3412 4123 1234 2341: 4 distinct of 6 -> 1 - 4/6
        QVERIFY(near(repN({1, 2, 3, 4, 1, 2, 3, 4, 1}, 4), 1.0 / 3.0));
        QVERIFY(near(repN({1, 2, 3, 4, 5}, 4), 0.0));
        QVERIFY(near(repN({1, 2, 3}, 4), 0.0)); // shorter than n
    }

    void bleuFourPrecisionsAndBrevity() {
        const std::vector<TokenSample> same{{1, 2, 3, 4, 5}};
        QVERIFY(near(bleu4({1, 2, 3, 4, 5}, same), 1.0));
        // p1..p4 = 4/5, 3/4, 2/3, 1/2; equal lengths: BLEU = (0.2)^(1/4)
        const std::vector<TokenSample> other{{1, 2, 3, 4, 6}};
        QVERIFY(near(bleu4({1, 2, 3, 4, 5}, other), std::pow(0.2, 0.25)));
        // Smoothing: p1 = 1, p2 = 0.1/2, p3 = 0.1/1, p4 = 0.1/max(0, 1) -> (0.0005)^(1/4)
        const std::vector<TokenSample> reversed{{3, 2, 1}};
        QVERIFY(near(bleu4({1, 2, 3}, reversed), std::pow(0.0005, 0.25)));
        // Brevity: all precisions 1, c = 4, r = 6: exp(1 - 6/4)
        const std::vector<TokenSample> longer{{1, 2, 3, 4, 5, 6}};
        QVERIFY(near(bleu4({1, 2, 3, 4}, longer), std::exp(-0.5)));
        // Closest reference length (6 beats 9 for c = 4), clipped against the best reference.
        const std::vector<TokenSample> two{{1, 2, 3, 4, 5, 6}, {9, 9, 9, 9, 9, 9, 9, 9, 9}};
        QVERIFY(near(bleu4({1, 2, 3, 4}, two), std::exp(-0.5)));
    }

    void selfBleuComparesEachSampleWithTheOthers() {
        const std::vector<TokenSample> twins{{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}};
        QVERIFY(near(selfBleu4(twins), 1.0));
        const std::vector<TokenSample> pair{{1, 2, 3, 4, 5}, {1, 2, 3, 4, 6}};
        QVERIFY(near(selfBleu4(pair), std::pow(0.2, 0.25))); // symmetric here
        QVERIFY(near(selfBleu4(std::vector<TokenSample>{{1, 2, 3}}), 0.0));
        // Subsampling scores every 2nd hypothesis (0 and 2) against all the others.
        const std::vector<TokenSample> three{{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}, {7, 7, 7, 7, 7}};
        // h0 vs {s1, s2}: identical to s1 -> 1. h2 = 7 7 7 7 7 vs s0, s1: no match at all:
        // p_n = 0.1 / (5 - n + 1) -> BLEU = (0.1/5 * 0.1/4 * 0.1/3 * 0.1/2)^(1/4)
        const double h2 = std::pow(0.1 / 5 * 0.1 / 4 * 0.1 / 3 * 0.1 / 2, 0.25);
        QVERIFY(near(selfBleu4(three, 2), (1.0 + h2) / 2.0));
    }

    void entropyAndLogSoftmax() {
        const std::vector<float> half{0.5f, 0.5f, 0.0f};
        QVERIFY(std::abs(entropyNats(half) - std::log(2.0)) < 1e-7);
        const std::vector<float> one{1.0f};
        QVERIFY(near(entropyNats(one), 0.0));
        // softmax(0, ln 3) = (1/4, 3/4)
        const std::vector<float> logits{0.0f, float(std::log(3.0))};
        QVERIFY(std::abs(logSoftmaxAt(logits, 1) - std::log(0.75)) < 1e-7);
        QVERIFY(std::abs(logSoftmaxAt(logits, 0) - std::log(0.25)) < 1e-7);
    }
};

QTEST_APPLESS_MAIN(EvalDiversityMetricsTest)
#include "eval_diversity_metrics_test.moc"
