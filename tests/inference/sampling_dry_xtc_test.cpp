// DRY and XTC stages on small hand-computed cases (edge cases: DRY's allowed_length boundary
// and sequence breakers, XTC with a single token above the threshold), the banned-tokens stage,
// and the default stage order of a full chain.
#include "inference/sampling/banned_tokens_stage.h"
#include "inference/sampling/dry_stage.h"
#include "inference/sampling/sampler_chain.h"
#include "inference/sampling/xtc_stage.h"

#include <QTest>
#include <cmath>
#include <string>
#include <vector>

using namespace fabulist::inference;

namespace {

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

// Runs a DRY stage over zero logits after accepting `history`; returns the logits.
std::vector<float> dryLogits(std::vector<int32_t> history, float multiplier, float base,
                             int32_t allowed, int32_t lastN, std::vector<int32_t> breakers = {}) {
    const size_t nVocab = 10;
    DryStage dry(nVocab, multiplier, base, allowed, lastN, breakers);
    for (int32_t t : history) dry.accept(t);
    std::vector<float> zeros(nVocab, 0.0f);
    TokenCandidates c(nVocab);
    c.load(zeros.data(), nVocab);
    SamplerRng rng(1);
    dry.apply(c, rng);
    std::vector<float> out;
    for (const TokenCandidate& t : c.items()) out.push_back(t.logit);
    return out;
}

std::vector<float> withPenalty(size_t id, float penalty) {
    std::vector<float> out(10, 0.0f);
    out[id] = -penalty;
    return out;
}

} // namespace

class SamplingDryXtcTest : public QObject {
    Q_OBJECT

private slots:
    void dryPenalizesTheTokenThatExtendsARepeat() {
        // "1 2 3 4 1 2 3": the suffix "1 2 3" (3 tokens) occurred before, followed by 4.
        // Penalty = 1.5 * 2^(3 - 2) = 3 on token 4 only.
        QCOMPARE(dryLogits({1, 2, 3, 4, 1, 2, 3}, 1.5f, 2.0f, 2, -1), withPenalty(4, 3.0f));
        // The same with base 1.75, multiplier 0.8: 0.8 * 1.75^1 = 1.4.
        QCOMPARE(dryLogits({1, 2, 3, 4, 1, 2, 3}, 0.8f, 1.75f, 2, -1), withPenalty(4, 1.4f));
    }

    void dryTakesTheLongestRepeatPerToken() {
        // "5 6 1 5 6 7 1 5 6": "5 6" is followed by 1 (repeat of 2 at the start) and by 7
        // (repeat "1 5 6" of 3 in the middle). 7 gets 2^(3-2) = 2, 1 gets 2^0 = 1.
        std::vector<float> expected(10, 0.0f);
        expected[7] = -2.0f;
        expected[1] = -1.0f;
        QCOMPARE(dryLogits({5, 6, 1, 5, 6, 7, 1, 5, 6}, 1.0f, 2.0f, 2, -1), expected);
    }

    void dryAllowedLengthBoundary() {
        // "1 2 5 1 2": a repeat of exactly 2 tokens; allowed 2 -> penalty 1 * 3^0 = 1.
        QCOMPARE(dryLogits({1, 2, 5, 1, 2}, 1.0f, 3.0f, 2, -1), withPenalty(5, 1.0f));
        // allowed 3: a 2-token repeat is allowed, nothing changes.
        QCOMPARE(dryLogits({1, 2, 5, 1, 2}, 1.0f, 3.0f, 3, -1), std::vector<float>(10, 0.0f));
    }

    void drySequenceBreakersStopMatching() {
        // Breaker 1: the match may not reach back over the last "1", so "1 2 3" counts as
        // "2 3" (length 2): 1.5 * 2^0 = 1.5 on token 4.
        QCOMPARE(dryLogits({1, 2, 3, 4, 1, 2, 3}, 1.5f, 2.0f, 2, -1, {1}), withPenalty(4, 1.5f));
        // Breaker 2: only "3" is left (length 1 < 2): no penalty at all.
        QCOMPARE(dryLogits({1, 2, 3, 4, 1, 2, 3}, 1.5f, 2.0f, 2, -1, {2}),
                 std::vector<float>(10, 0.0f));
    }

    void dryWindowAndOff() {
        // A window of 4 sees "4 1 2 3": no repeat.
        QCOMPARE(dryLogits({1, 2, 3, 4, 1, 2, 3}, 1.5f, 2.0f, 2, 4), std::vector<float>(10, 0.0f));
        // A window of 6 sees "2 3 4 1 2 3": "2 3" followed by 4, length 2 -> 1.5.
        QCOMPARE(dryLogits({1, 2, 3, 4, 1, 2, 3}, 1.5f, 2.0f, 2, 6), withPenalty(4, 1.5f));
        // Multiplier 0 is off.
        QCOMPARE(dryLogits({1, 2, 3, 4, 1, 2, 3}, 0.0f, 2.0f, 2, -1), std::vector<float>(10, 0.0f));
    }

    void xtcRemovesTheTopChoicesButTheLeastProbableOfThem() {
        auto logits = logitsOf({0.4, 0.3, 0.2, 0.1});
        TokenCandidates c(4);
        SamplerRng rng(1);
        c.load(logits.data(), 4);
        XtcStage(1.0f, 0.25f).apply(c, rng); // 0.4 and 0.3 reach 0.25: 0.4 goes
        QCOMPARE(ids(c), (std::vector<int32_t>{1, 2, 3}));
        c.load(logits.data(), 4);
        XtcStage(1.0f, 0.15f).apply(c, rng); // 0.4, 0.3, 0.2 reach it: keep 0.2 and below
        QCOMPARE(ids(c), (std::vector<int32_t>{2, 3}));
    }

    void xtcEdgeCases() {
        auto logits = logitsOf({0.4, 0.3, 0.2, 0.1});
        TokenCandidates c(4);
        SamplerRng rng(1);
        c.load(logits.data(), 4);
        XtcStage(1.0f, 0.35f).apply(c, rng); // only one token above the threshold
        QCOMPARE(c.size(), size_t(4));
        c.load(logits.data(), 4);
        XtcStage(1.0f, 0.6f).apply(c, rng); // threshold > 0.5: off
        QCOMPARE(c.size(), size_t(4));
        c.load(logits.data(), 4);
        XtcStage(0.0f, 0.25f).apply(c, rng); // probability 0: off
        QCOMPARE(c.size(), size_t(4));
    }

    void xtcUsesTheChainsSeededGenerator() {
        // The first output of a default-seeded mt19937 (seed 5489) is 3499211612, a published
        // value of the reference implementation. chance = (3499211612 >> 8) / 2^24 = 0.81477...
        auto logits = logitsOf({0.4, 0.3, 0.2, 0.1});
        TokenCandidates c(4);
        {
            SamplerRng rng; // 5489
            c.load(logits.data(), 4);
            XtcStage(0.81f, 0.25f).apply(c, rng); // 0.8148 >= 0.81: skipped
            QCOMPARE(c.size(), size_t(4));
        }
        {
            SamplerRng rng;
            c.load(logits.data(), 4);
            XtcStage(0.82f, 0.25f).apply(c, rng); // 0.8148 < 0.82: applied
            QCOMPARE(ids(c), (std::vector<int32_t>{1, 2, 3}));
        }
    }

    void bannedTokensAreNeverDrawn() {
        auto logits = logitsOf({0.7, 0.1, 0.1, 0.1});
        SamplerSettings s;
        s.temperature = 0.0f; // greedy: would pick 0
        SamplerChain chain = SamplerChain::fromSettings(s, 4);
        auto banned = std::make_unique<BannedTokensStage>();
        BannedTokensStage* stage = banned.get();
        chain.insertStage(0, std::move(banned));
        QCOMPARE(chain.sample(logits.data(), 4), 0);
        stage->ban(0);
        QCOMPARE(chain.sample(logits.data(), 4), 1);
        stage->ban(1);
        stage->ban(2);
        QCOMPARE(chain.sample(logits.data(), 4), 3);
        // Sampling with temperature never draws a banned token either.
        SamplerSettings t;
        t.topK = 0;
        t.topP = 1.0f;
        t.minP = 0.0f;
        t.temperature = 1.5f;
        SamplerChain hot = SamplerChain::fromSettings(t, 4);
        auto b2 = std::make_unique<BannedTokensStage>();
        b2->ban(0);
        b2->ban(2);
        hot.insertStage(0, std::move(b2));
        for (int i = 0; i < 200; ++i) {
            int32_t id = hot.sample(logits.data(), 4);
            QVERIFY(id == 1 || id == 3);
        }
    }

    void defaultOrderFollowsLlamaCpp() {
        SamplerSettings s;
        s.repeatPenalty = 1.1f;
        s.typicalP = 0.9f;
        s.dryMultiplier = 0.8f;
        s.xtcProbability = 0.5f;
        SamplerChain chain = SamplerChain::fromSettings(s, 16);
        std::vector<std::string> names;
        for (size_t i = 0; i < chain.stageCount(); ++i) names.push_back(chain.stage(i).name());
        QCOMPARE(names, (std::vector<std::string>{"penalties", "dry", "top-k", "typical", "top-p",
                                                  "min-p", "xtc", "temperature"}));
    }

    void sameSeedSameTokensWithDryAndXtc() {
        SamplerSettings s;
        s.dryMultiplier = 0.8f;
        s.xtcProbability = 0.5f;
        s.xtcThreshold = 0.05f;
        s.seed = 42;
        std::vector<float> logits(32);
        auto run = [&] {
            SamplerChain chain = SamplerChain::fromSettings(s, logits.size());
            std::vector<int32_t> out;
            for (int step = 0; step < 64; ++step) {
                for (size_t i = 0; i < logits.size(); ++i)
                    logits[i] = float(std::sin(double(i * 7 + step % 5)));
                int32_t id = chain.sample(logits.data(), logits.size());
                chain.accept(id);
                out.push_back(id);
            }
            return out;
        };
        QCOMPARE(run(), run());
    }
};

QTEST_APPLESS_MAIN(SamplingDryXtcTest)
#include "sampling_dry_xtc_test.moc"
