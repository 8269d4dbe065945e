// Banned phrases on a real reference model (tiny-moe-f32): a phrase that spans a token boundary
// of the greedy text is backed off from (case-insensitively), the tokens before it stay, the
// session's cache after the rewind gives the same continuation as a fresh session, streamed
// pieces add up to the text, and the same seed gives the same text.
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <QFile>
#include <QTest>
#include <algorithm>

using namespace fabulist::inference;

namespace {

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    return s;
}

} // namespace

class SamplingBannedPhraseTest : public QObject {
    Q_OBJECT

    std::unique_ptr<Engine> m_engine;

    GenerationParams greedy(int n) const {
        GenerationParams p;
        p.maxTokens = n;
        p.sampler.temperature = 0.0f;
        p.stopAtEndOfGeneration = false;
        return p;
    }

private slots:
    void initTestCase() {
        const QString ref = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
        if (ref.isEmpty() || !QFile::exists(ref + "/README.md"))
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the llama.cpp reference "
                  "data (expected ../shared/reference next to the source tree)");
        EngineOptions o;
        o.modelPath = (ref + "/models/tiny-moe-f32.gguf").toStdString();
        o.kvCacheType = GgmlType::F32;
        o.threads = 2;
        m_engine = Engine::load(o);
    }

    void phraseAcrossTokensIsBackedOffFrom() {
        const Tokenizer& tok = m_engine->tokenizer();
        const std::vector<int32_t> prompt = tok.encode("Once upon a time");
        auto session = m_engine->createSession();
        Generator generator(*session, tok);
        const int n = 24;
        GenerationResult plain = generator.run(prompt, greedy(n));
        QCOMPARE(plain.ids.size(), size_t(n));

        // A phrase made of the last 2 bytes of token j and the first 2 bytes of token j + 1,
        // for the first j where both tokens have that many bytes.
        size_t j = 0, start = 0;
        std::string phrase, text;
        for (size_t i = 0; i + 1 < plain.ids.size(); ++i) {
            const std::string a = tok.tokenBytes(plain.ids[i]),
                              b = tok.tokenBytes(plain.ids[i + 1]);
            if (phrase.empty() && i >= 2 && a.size() >= 2 && b.size() >= 2) {
                j = i;
                start = text.size() + a.size() - 2;
                phrase = a.substr(a.size() - 2) + b.substr(0, 2);
            }
            text += a;
        }
        QVERIFY2(!phrase.empty(), "the greedy text has no two adjacent tokens of 2+ bytes");
        // The phrase must not occur earlier in the greedy text (else j is not where it starts).
        QVERIFY(lower(text).find(lower(phrase)) == start);

        auto fresh = m_engine->createSession();
        Generator banned(*fresh, tok);
        GenerationParams p = greedy(n);
        p.bannedPhrases = {upper(phrase)}; // case-insensitive
        std::string streamed;
        GenerationResult r = banned.run(prompt, p, [&](int32_t, std::string_view piece) {
            streamed += piece;
            return true;
        });
        QCOMPARE(r.ids.size(), size_t(n));
        QVERIFY(r.timings.rewinds >= 1);
        qInfo("phrase %s at token %zu, %d back-off(s)", phrase.c_str(), j, r.timings.rewinds);
        QVERIFY(lower(r.text).find(lower(phrase)) == std::string::npos);
        QCOMPARE(streamed, r.text);
        // Held-back pieces are neither lost nor repeated: the text is the ids' text.
        TokenTextStream stream(tok);
        std::string joined;
        for (int32_t id : r.ids) joined += stream.push(id);
        joined += stream.flush();
        QCOMPARE(r.text, joined);
        // Tokens before the one where the phrase started are kept; that one is replaced.
        QVERIFY(std::equal(plain.ids.begin(), plain.ids.begin() + long(j), r.ids.begin()));
        QVERIFY(r.ids[j] != plain.ids[j]);

        // The rewound cache must give what a fresh session gives for the same prefix.
        if (r.timings.rewinds == 1) {
            std::vector<int32_t> forced(prompt);
            forced.insert(forced.end(), r.ids.begin(), r.ids.begin() + long(j) + 1);
            auto check = m_engine->createSession();
            Generator again(*check, tok);
            GenerationResult rest = again.run(forced, greedy(n - int(j) - 1));
            QVERIFY(std::equal(rest.ids.begin(), rest.ids.end(), r.ids.begin() + long(j) + 1));
        }
    }

    void sameSeedSameTextWithBannedPhrases() {
        const Tokenizer& tok = m_engine->tokenizer();
        const std::vector<int32_t> prompt = tok.encode("The quick brown fox");
        auto runWith = [&](uint32_t seed) {
            auto session = m_engine->createSession();
            Generator generator(*session, tok);
            GenerationParams p;
            p.maxTokens = 24;
            p.sampler.temperature = 1.0f;
            p.sampler.seed = seed;
            p.sampler.dryMultiplier = 0.8f;
            p.sampler.xtcProbability = 0.5f;
            p.bannedPhrases = {"e", "the"}; // "e" is frequent: forces many back-offs
            p.maxRewinds = 1000;
            return generator.run(prompt, p);
        };
        const GenerationResult a = runWith(5), b = runWith(5);
        QCOMPARE(a.text, b.text);
        QCOMPARE(a.ids, b.ids);
        QVERIFY(a.timings.rewinds > 0);
        QVERIFY(lower(a.text).find('e') == std::string::npos);
    }
};

QTEST_APPLESS_MAIN(SamplingBannedPhraseTest)
#include "sampling_banned_phrase_test.moc"
