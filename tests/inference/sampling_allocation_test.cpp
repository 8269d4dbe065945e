// The sampler's hot loop never allocates: after construction, sample() and accept() make no
// heap allocation for any chain configuration. This executable counts calls to the global
// operator new (replaced below, for this test binary only).
#include "inference/sampling/sampler_chain.h"

#include <QTest>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t size) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

using namespace fabulist::inference;

class SamplingAllocationTest : public QObject {
    Q_OBJECT

private slots:
    void sampleDoesNotAllocate_data() {
        QTest::addColumn<int>("topK");
        QTest::addColumn<float>("typical");
        QTest::addColumn<float>("topP");
        QTest::addColumn<float>("minP");
        QTest::addColumn<float>("temperature");
        QTest::addColumn<float>("repeat");
        QTest::newRow("defaults") << 40 << 1.0f << 0.95f << 0.05f << 0.8f << 1.0f;
        QTest::newRow("all stages") << 100 << 0.9f << 0.9f << 0.02f << 1.2f << 1.1f;
        QTest::newRow("whole vocabulary") << 0 << 1.0f << 0.9f << 0.01f << 1.0f << 1.05f;
        QTest::newRow("typical only") << 0 << 0.5f << 1.0f << 0.0f << 1.0f << 1.0f;
        QTest::newRow("greedy") << 40 << 1.0f << 0.95f << 0.05f << 0.0f << 1.3f;
    }

    void sampleDoesNotAllocate() {
        QFETCH(int, topK);
        QFETCH(float, typical);
        QFETCH(float, topP);
        QFETCH(float, minP);
        QFETCH(float, temperature);
        QFETCH(float, repeat);
        const size_t nVocab = 20000;
        std::vector<float> logits(nVocab);
        SamplerSettings s;
        s.topK = topK;
        s.typicalP = typical;
        s.topP = topP;
        s.minP = minP;
        s.temperature = temperature;
        s.repeatPenalty = repeat;
        s.frequencyPenalty = 0.1f;
        s.seed = 3;
        const long beforeConstruction = g_allocations.load();
        SamplerChain chain = SamplerChain::fromSettings(s, nVocab);
        const long before = g_allocations.load();
        QVERIFY2(before > beforeConstruction, "the counting operator new is not in use");
        int32_t sum = 0;
        for (int step = 0; step < 50; ++step) {
            for (size_t i = 0; i < nVocab; ++i)
                logits[i] = 3.0f * std::sin(float(i * (step + 1)) * 0.37f);
            const int32_t id = chain.sample(logits.data(), nVocab);
            chain.accept(id);
            sum += id;
        }
        const long after = g_allocations.load();
        QVERIFY(sum >= 0);
        QCOMPARE(after - before, 0L);
    }

    void dryAndXtcDoNotAllocate() {
        const size_t nVocab = 20000;
        std::vector<float> logits(nVocab);
        SamplerSettings s;
        s.dryMultiplier = 0.8f;
        s.dryAllowedLength = 2;
        s.xtcProbability = 0.5f;
        s.xtcThreshold = 0.01f;
        s.seed = 9;
        const int32_t breakers[] = {7};
        SamplerChain chain = SamplerChain::fromSettings(s, nVocab, breakers, 256);
        const long before = g_allocations.load();
        for (int step = 0; step < 300; ++step) {
            for (size_t i = 0; i < nVocab; ++i)
                logits[i] = 3.0f * std::sin(float(i * (step % 7 + 1)) * 0.37f);
            chain.sample(logits.data(), nVocab);
            chain.accept(int32_t(step % 13)); // a repeating history: DRY finds long repeats
        }
        QCOMPARE(g_allocations.load() - before, 0L);
    }
};

QTEST_APPLESS_MAIN(SamplingAllocationTest)
#include "sampling_allocation_test.moc"
