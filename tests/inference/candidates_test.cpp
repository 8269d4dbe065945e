// Several candidates per request (Generator::runCandidates) on real models: candidate i is, token
// for token, what a single run with seed s + i gives (the batched decode is batch-invariant), on
// a dense, a MoE, a quantized MoE with F16 cache, a qk-norm MoE and the default model with its
// diversity head and a live α; cancel stops all of them, a callback stops one, a full context
// stops each where a single run would, and the session still holds the prompt afterwards.

#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/heads/head_adapter.h"
#include "inference/tokenizer/tokenizer.h"

#include <QtTest>
#include <atomic>

using namespace fabulist::inference;

namespace {

std::string referenceModel(const char* name) {
    const QString dir = QString(name).startsWith("next:")
                            ? qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR") + "/models/" +
                                  QString(name).mid(5)
                            : qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/" + name;
    return dir.toStdString();
}

std::unique_ptr<Engine> load(const std::string& path, int ctx = 256, GgmlType kv = GgmlType::F32) {
    EngineOptions o;
    o.modelPath = path;
    o.threads = 2;
    o.contextLength = ctx;
    o.kvCacheType = kv;
    return Engine::load(o);
}

GenerationParams sampled(int maxTokens, uint32_t seed) {
    GenerationParams p;
    p.maxTokens = maxTokens;
    p.sampler.temperature = 1.1f; // wide: candidates differ, so a mix-up between them shows
    p.sampler.topK = 0;
    p.sampler.topP = 1.0f;
    p.sampler.minP = 0.0f;
    p.sampler.seed = seed;
    p.stopAtEndOfGeneration = false;
    return p;
}

// What N single runs give, each in a fresh session.
std::vector<GenerationResult> singleRuns(Engine& engine, std::span<const int32_t> prompt,
                                         const GenerationParams& params, int count) {
    std::vector<GenerationResult> out;
    for (int i = 0; i < count; ++i) {
        GenerationParams one = params;
        one.sampler.seed = params.sampler.seed + uint32_t(i);
        auto session = engine.createSession();
        out.push_back(Generator(*session, engine.tokenizer()).run(prompt, one));
    }
    return out;
}

void compareCandidates(const std::vector<GenerationResult>& got,
                       const std::vector<GenerationResult>& want) {
    QCOMPARE(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        QCOMPARE(got[i].ids, want[i].ids);
        QCOMPARE(got[i].text, want[i].text);
        QCOMPARE(stopReasonName(got[i].stopReason), stopReasonName(want[i].stopReason));
        QCOMPARE(got[i].alphaChanges, want[i].alphaChanges);
    }
    // Different seeds must give different texts, or the comparison proves little.
    bool anyDiffer = false;
    for (size_t i = 1; i < got.size(); ++i) anyDiffer |= got[i].ids != got[0].ids;
    QVERIFY2(anyDiffer, "every candidate came out the same");
}

} // namespace

class CandidatesTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!QFile::exists(QString::fromStdString(referenceModel("tiny-moe-f32.gguf"))))
            QFAIL("reference models not found: set FABULIST_REFERENCE_DIR to shared/reference");
    }

    void candidatesEqualSeededSingleRuns_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<bool>("f16Cache");
        QTest::newRow("dense f32") << "tiny-dense-f32.gguf" << false;
        QTest::newRow("llama3 f16") << "tiny-llama3-f16.gguf" << true;
        QTest::newRow("moe f32") << "tiny-moe-f32.gguf" << false;
        QTest::newRow("moe q4_k_m, f16 cache") << "tiny-moe-q4_k_m.gguf" << true;
        QTest::newRow("qwen3moe q8_0") << "tiny-qwen3moe-q8_0.gguf" << true;
        // Sliding windows shorter than prompt + candidate, sinks, latent attention, GeGLU.
        QTest::newRow("gpt-oss") << "next:tiny-gptoss-f32.gguf" << false;
        QTest::newRow("gemma3, f16 cache") << "next:tiny-gemma3-f32.gguf" << true;
        QTest::newRow("deepseek2 (MLA), f16 cache") << "next:tiny-deepseek2-v3-f32.gguf" << true;
    }
    void candidatesEqualSeededSingleRuns() {
        QFETCH(QString, model);
        QFETCH(bool, f16Cache);
        auto engine = load(referenceModel(model.toUtf8().constData()), 256,
                           f16Cache ? GgmlType::F16 : GgmlType::F32);
        const auto prompt = engine->tokenizer().encode("The lighthouse keeper said", true, true);
        const GenerationParams params = sampled(40, 1000);
        auto session = engine->createSession();
        QVERIFY(session->decodesSequences());
        const auto got = Generator(*session, engine->tokenizer()).runCandidates(prompt, params, 4);
        compareCandidates(got, singleRuns(*engine, prompt, params, 4));
        // The prompt's cache entries were shared, not overwritten: the next request reuses them.
        QCOMPARE(std::vector<int32_t>(session->tokens().begin(), session->tokens().end()),
                 std::vector<int32_t>(prompt.begin(), prompt.end()));
        for (const auto& r : got) QCOMPARE(r.timings.decodedTokens, 40);
    }

    void defaultModelWithHeadAndLiveAlpha() {
        auto engine = load(defaultModelPath(), 512);
        const std::string head =
            defaultModelPath().substr(0, defaultModelPath().size() - 5) + ".head.gguf";
        const HeadAdapter adapter = HeadAdapter::load(head, engine->file());
        const auto prompt = engine->tokenizer().encode(
            "Mira pushed the door of the old bakery open and", true, true);
        GenerationParams params = sampled(48, 77);
        params.sampler.temperature = 0.9f;
        params.adapter = &adapter;
        params.alpha = 0.3f;
        // The slider moves to 0.9 once a run has 12 tokens and back to 0 at 30.
        std::atomic<float> live{0.3f};
        params.liveAlpha = &live;
        auto moveSlider = [&](size_t tokens) {
            if (tokens == 12) live.store(0.9f);
            if (tokens == 30) live.store(0.0f);
        };
        std::vector<GenerationResult> want;
        for (int i = 0; i < 3; ++i) {
            live.store(0.3f);
            GenerationParams one = params;
            one.sampler.seed = params.sampler.seed + uint32_t(i);
            auto session = engine->createSession();
            size_t n = 0;
            want.push_back(Generator(*session, engine->tokenizer())
                               .run(prompt, one, [&](int32_t id, std::string_view) {
                                   if (id >= 0) moveSlider(++n);
                                   return true;
                               }));
        }
        live.store(0.3f);
        auto session = engine->createSession();
        std::vector<size_t> counts(3, 0);
        const auto got =
            Generator(*session, engine->tokenizer())
                .runCandidates(prompt, params, 3, [&](int c, int32_t id, std::string_view) {
                    if (id >= 0 && c == 0) moveSlider(++counts[0]);
                    return true;
                });
        compareCandidates(got, want);
        QCOMPARE(got[0].alphaChanges.size(), size_t(3)); // 0.3, 0.9, 0
    }

    void cancelStopsEveryCandidate() {
        auto engine = load(referenceModel("tiny-moe-f32.gguf"));
        const auto prompt = engine->tokenizer().encode("Once upon a time", true, true);
        std::atomic<bool> cancel{false};
        int seen = 0;
        auto session = engine->createSession();
        const auto got = Generator(*session, engine->tokenizer())
                             .runCandidates(
                                 prompt, sampled(64, 5), 4,
                                 [&](int, int32_t, std::string_view) {
                                     if (++seen == 4 * 5) cancel.store(true);
                                     return true;
                                 },
                                 &cancel);
        QCOMPARE(got.size(), size_t(4));
        for (const auto& r : got) {
            QCOMPARE(stopReasonName(r.stopReason), "cancelled");
            QCOMPARE(r.ids.size(), size_t(5));
        }
    }

    void callbackStopsOnlyItsCandidate() {
        auto engine = load(referenceModel("tiny-moe-f32.gguf"));
        const auto prompt = engine->tokenizer().encode("Once upon a time", true, true);
        auto session = engine->createSession();
        const GenerationParams params = sampled(20, 9);
        const auto got =
            Generator(*session, engine->tokenizer())
                .runCandidates(prompt, params, 3, [&](int c, int32_t id, std::string_view) {
                    return !(c == 1 && id >= 0); // stop 1 at once
                });
        QCOMPARE(stopReasonName(got[1].stopReason), "callback");
        QCOMPARE(got[1].ids.size(), size_t(1));
        const auto want = singleRuns(*engine, prompt, params, 3);
        QCOMPARE(got[0].ids, want[0].ids);
        QCOMPARE(got[2].ids, want[2].ids);
        QCOMPARE(got[1].ids[0], want[1].ids[0]);
    }

    void fullContextStopsEachLikeASingleRun() {
        auto engine = load(referenceModel("tiny-moe-f32.gguf"), 24);
        const auto prompt = engine->tokenizer().encode("Once upon a time there was", true, true);
        const GenerationParams params = sampled(100, 3);
        auto session = engine->createSession();
        const auto got = Generator(*session, engine->tokenizer()).runCandidates(prompt, params, 3);
        const auto want = singleRuns(*engine, prompt, params, 3);
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(stopReasonName(got[i].stopReason), "context_full");
            QCOMPARE(got[i].ids, want[i].ids);
        }
    }

    void bannedPhrasesRunOneAfterAnother() {
        auto engine = load(referenceModel("tiny-moe-f32.gguf"));
        const auto prompt = engine->tokenizer().encode("Once upon a time", true, true);
        GenerationParams params = sampled(24, 11);
        params.bannedPhrases = {"the"};
        auto session = engine->createSession();
        const auto got = Generator(*session, engine->tokenizer()).runCandidates(prompt, params, 3);
        compareCandidates(got, singleRuns(*engine, prompt, params, 3));
    }
};

QTEST_GUILESS_MAIN(CandidatesTest)
#include "candidates_test.moc"
