// Sliding-window layers in a ring (EngineOptions::slidingWindowRing): on gpt-oss (window 16,
// every other layer) and Gemma 3 (window 16, five of six layers), with a small batch so the ring
// (window + batch) wraps many times, the logits are bit for bit those of full caches — batched
// prompt, decoding, prefix reuse after a cut (within and beyond what the ring still holds),
// candidates — and the cache is smaller.

#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"

#include <QtTest>

using namespace fabulist::inference;

namespace {

std::unique_ptr<Engine> load(const QString& name, bool ring, const QString& device = "cpu") {
    EngineOptions o;
    o.device = device.toStdString();
    o.modelPath =
        (qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR") + "/models/" + name).toStdString();
    o.threads = 2;
    o.contextLength = 256;
    o.batchSize = 8; // ring = 16 + 8 positions
    o.kvCacheType = GgmlType::F16;
    o.slidingWindowRing = ring;
    return Engine::load(o);
}

std::vector<int32_t> sequence(int n, uint32_t seed) {
    std::vector<int32_t> v;
    uint32_t x = seed * 2654435761u + 1;
    for (int i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        v.push_back(int32_t((x >> 8) % 4000));
    }
    return v;
}

std::vector<float> copy(std::span<const float> s) {
    return {s.begin(), s.end()};
}

} // namespace

class SlidingWindowRingTest : public QObject {
    Q_OBJECT

private slots:
    void ringEqualsFullCache_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("device");
        QTest::addColumn<int>("promptLength");
        QTest::addColumn<int>("decoded");
        QTest::newRow("gpt-oss") << "tiny-gptoss-f32.gguf" << "cpu" << 150 << 40;
        QTest::newRow("gemma3") << "tiny-gemma3-f32.gguf" << "cpu" << 150 << 40;
#ifdef FABULIST_HAVE_VULKAN
        // The Vulkan backend's rings (lavapipe here, slow: shorter, still wrapping the 24-slot
        // ring twice): the same bits as its full caches.
        QTest::newRow("gemma3 vulkan") << "tiny-gemma3-f32.gguf" << "vulkan" << 48 << 8;
#endif
    }
    void ringEqualsFullCache() {
        QFETCH(QString, model);
        QFETCH(QString, device);
        QFETCH(int, promptLength);
        QFETCH(int, decoded);
        qputenv("FABULIST_VULKAN_ALLOW_CPU", "1");
        std::unique_ptr<Engine> ringEngine;
        try {
            ringEngine = load(model, true, device);
        } catch (const EngineError& e) {
            if (QString(e.what()).contains("no Vulkan device")) QSKIP(e.what());
            throw;
        }
        auto fullEngine = load(model, false, device);
        if (device == "vulkan")
            QVERIFY2(ringEngine->info().kvCacheBytes < fullEngine->info().kvCacheBytes,
                     "the Vulkan ring cache is not smaller");
        auto ring = ringEngine->createSession();
        auto full = fullEngine->createSession();
        const auto text = sequence(promptLength, 3);
        // Prompt in batches of 8, all positions' logits.
        ring->evaluate(text, true);
        full->evaluate(text, true);
        for (int i = 0; i < full->logitsCount(); i += 7)
            QCOMPARE(copy(ring->logitsAt(i)), copy(full->logitsAt(i)));
        // Decoding 40 more tokens.
        for (int32_t t : sequence(decoded, 4)) {
            ring->appendToken(t);
            full->appendToken(t);
            QCOMPARE(copy(ring->logits()), copy(full->logits()));
        }
        // A cut the ring still holds (5 back), then one it does not (beyond the ring's 24
        // slots: starts over).
        const size_t total = size_t(promptLength + decoded);
        for (size_t keep : {total - 5, total - 36}) {
            std::vector<int32_t> next(text.begin(), text.end());
            const auto more = sequence(decoded, 4);
            next.insert(next.end(), more.begin(), more.end());
            next.resize(keep);
            const auto tail = sequence(12, uint32_t(keep));
            next.insert(next.end(), tail.begin(), tail.end());
            ring->evaluate(next);
            auto fresh = fullEngine->createSession();
            fresh->evaluate(next);
            QCOMPARE(copy(ring->logits()), copy(fresh->logits()));
        }
        QVERIFY(ringEngine->info().kvBytesPerToken > 0);
    }

    void candidatesOverARing() {
        auto ringEngine = load("tiny-gptoss-f32.gguf", true);
        auto fullEngine = load("tiny-gptoss-f32.gguf", false);
        const auto prompt = sequence(100, 9);
        GenerationParams p;
        p.maxTokens = 30;
        p.sampler.temperature = 1.0f;
        p.sampler.seed = 21;
        p.stopAtEndOfGeneration = false;
        auto ring = ringEngine->createSession();
        const auto got = Generator(*ring, ringEngine->tokenizer()).runCandidates(prompt, p, 3);
        auto full = fullEngine->createSession();
        const auto want = Generator(*full, fullEngine->tokenizer()).runCandidates(prompt, p, 3);
        for (size_t i = 0; i < 3; ++i) QCOMPARE(got[i].ids, want[i].ids);
        QVERIFY(got[0].ids != got[1].ids);
    }

    void ringCacheIsSmaller() {
        // gpt-oss: two of four layers windowed; at a 4096-token context their rings hold
        // 16 + 512 positions instead of 4096.
        EngineOptions o;
        o.modelPath =
            (qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR") + "/models/tiny-gptoss-f32.gguf")
                .toStdString();
        o.contextLength = 4096;
        auto engine = Engine::load(o);
        const ModelInfo& i = engine->info();
        QVERIFY2(i.kvCacheBytes < i.kvBytesPerToken * 4096,
                 qPrintable(QString("%1 vs %2").arg(i.kvCacheBytes).arg(i.kvBytesPerToken * 4096)));
        QCOMPARE(i.kvCacheBytes, i.kvBytesPerToken / 2 * (4096 + 16 + 512));
    }
};

QTEST_GUILESS_MAIN(SlidingWindowRingTest)
#include "sliding_window_ring_test.moc"
