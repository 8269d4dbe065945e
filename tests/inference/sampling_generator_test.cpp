// Generator on a real reference model (tiny-moe-f32, F32 KV cache): greedy decoding reproduces
// llama.cpp's ids, the streamed pieces add up to the text, and stop/cancel/limits behave.
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>
#include <QTest>
#include <atomic>

using namespace fabulist::inference;

class SamplingGeneratorTest : public QObject {
    Q_OBJECT

    QString m_ref;
    std::unique_ptr<Engine> m_engine;
    QJsonObject m_reference;

    GenerationParams greedy(int n) const {
        GenerationParams p;
        p.maxTokens = n;
        p.sampler.temperature = 0.0f;
        return p;
    }

private slots:
    void initTestCase() {
        m_ref = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
        if (m_ref.isEmpty() || !QFile::exists(m_ref + "/README.md"))
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the llama.cpp reference "
                  "data (expected ../shared/reference next to the source tree)");
        EngineOptions o;
        o.modelPath = (m_ref + "/models/tiny-moe-f32.gguf").toStdString();
        o.kvCacheType = GgmlType::F32;
        o.threads = 2;
        m_engine = Engine::load(o);
        QFile f(m_ref + "/tiny-moe-f32.json");
        QVERIFY(f.open(QIODevice::ReadOnly));
        m_reference = QJsonDocument::fromJson(f.readAll()).object();
    }

    void greedyMatchesLlamaCpp() {
        for (const QJsonValue& v : m_reference["greedy"].toArray()) {
            const QJsonObject g = v.toObject();
            std::vector<int32_t> prompt;
            for (const QJsonValue& id : g["prompt_ids"].toArray()) prompt.push_back(id.toInt());
            auto session = m_engine->createSession();
            Generator generator(*session, m_engine->tokenizer());
            std::string streamed;
            int calls = 0;
            GenerationResult r =
                generator.run(prompt, greedy(32), [&](int32_t, std::string_view piece) {
                    streamed += piece;
                    ++calls;
                    return true;
                });
            std::vector<int32_t> want;
            for (const QJsonValue& id : g["ids"].toArray()) want.push_back(id.toInt());
            QCOMPARE(r.ids, want);
            QCOMPARE(r.stopReason, StopReason::MaxTokens);
            QCOMPARE(r.timings.promptTokens, int(prompt.size()));
            QCOMPARE(r.timings.decodedTokens, 32);
            QVERIFY(calls >= 32);
            QCOMPARE(streamed, r.text);
            // Random weights produce invalid byte sequences too: the stream turns those into
            // U+FFFD, so the text is always valid UTF-8.
            QStringDecoder utf8(QStringDecoder::Utf8);
            (void)utf8.decode(QByteArray::fromStdString(r.text));
            QVERIFY(!utf8.hasError());
        }
    }

    void callbackStopsAndPromptIsReused() {
        const std::vector<int32_t> prompt = m_engine->tokenizer().encode("The quick brown fox");
        auto session = m_engine->createSession();
        Generator generator(*session, m_engine->tokenizer());
        int seen = 0;
        GenerationResult r = generator.run(
            prompt, greedy(32), [&](int32_t id, std::string_view) { return id < 0 || ++seen < 5; });
        QCOMPARE(r.stopReason, StopReason::Callback);
        QCOMPARE(r.ids.size(), size_t(5));
        // The session still holds the prompt: a second run reuses it (all but the last token,
        // whose logits must be recomputed), and (greedy) its first 5 ids are the same.
        GenerationResult again = generator.run(prompt, greedy(5));
        QVERIFY(again.timings.reusedTokens >= int(prompt.size()) - 1);
        QCOMPARE(again.ids, r.ids);
    }

    void cancelFlagStopsBeforeDecoding() {
        const std::vector<int32_t> prompt = m_engine->tokenizer().encode("Once upon a time");
        auto session = m_engine->createSession();
        Generator generator(*session, m_engine->tokenizer());
        std::atomic<bool> cancel{true};
        GenerationResult r = generator.run(prompt, greedy(16), {}, &cancel);
        QCOMPARE(r.stopReason, StopReason::Cancelled);
        QVERIFY(r.ids.empty());
        // Cancelling from the callback (as a UI thread would between tokens).
        cancel = false;
        r = generator.run(
            prompt, greedy(16),
            [&](int32_t, std::string_view) {
                cancel = true;
                return true;
            },
            &cancel);
        QCOMPARE(r.stopReason, StopReason::Cancelled);
        QCOMPARE(r.ids.size(), size_t(1));
    }

    void seededSamplingIsReproducible() {
        const std::vector<int32_t> prompt = m_engine->tokenizer().encode("Once upon a time");
        auto runWith = [&](uint32_t seed) {
            auto session = m_engine->createSession();
            Generator generator(*session, m_engine->tokenizer());
            GenerationParams p;
            p.maxTokens = 20;
            p.sampler.temperature = 1.0f;
            p.sampler.seed = seed;
            return generator.run(prompt, p).ids;
        };
        const auto a = runWith(11), b = runWith(11), c = runWith(12);
        QCOMPARE(a.size(), size_t(20));
        QCOMPARE(a, b);
        QVERIFY(a != c);
    }

    void zeroTokensAndFullContext() {
        const std::vector<int32_t> prompt = m_engine->tokenizer().encode("Hello");
        auto session = m_engine->createSession();
        Generator generator(*session, m_engine->tokenizer());
        QVERIFY_THROWS_EXCEPTION(EngineError, generator.run({}, greedy(4)));
        GenerationResult r = generator.run(prompt, greedy(0));
        QVERIFY(r.ids.empty());
        QCOMPARE(r.stopReason, StopReason::MaxTokens);
        // More tokens than the context holds: stops with ContextFull (default overflow policy
        // is Throw), having filled the context.
        const int ctx = session->contextLength();
        r = generator.run(prompt, greedy(ctx + 10));
        QCOMPARE(r.stopReason, StopReason::ContextFull);
        QCOMPARE(int(session->tokens().size()), ctx);
    }
};

QTEST_APPLESS_MAIN(SamplingGeneratorTest)
#include "sampling_generator_test.moc"
