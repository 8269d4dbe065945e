// The head mix z(α) = z_c + α·(B·(A·h) + b) on a real reference model (tiny-moe-f32): against
// a scalar double-precision reference, α = 0 bit-identical to running without an adapter (the
// delta is skipped), α changing between tokens, and the Generator sampling from the mix.

#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/gguf/gguf_file.h"
#include "inference/heads/head_mix.h"
#include "inference/tokenizer/tokenizer.h"

#include <QtTest>
#include <atomic>
#include <random>

using namespace fabulist::inference;

namespace {

QString modelPath(const QString& name) {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/" + name;
}

std::unique_ptr<Engine> load(const QString& name) {
    EngineOptions o;
    o.modelPath = modelPath(name).toStdString();
    o.threads = 2;
    o.contextLength = 256;
    o.kvCacheType = GgmlType::F32;
    return Engine::load(o);
}

HeadAdapter randomAdapter(const GgufFile& model, int rank, uint32_t seed, float scale) {
    HeadAdapter h(HeadAdapterBase::fromModel(model), rank);
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, scale);
    for (float& x : h.a()) x = n(rng);
    for (float& x : h.bMatrix()) x = n(rng);
    for (float& x : h.bias()) x = n(rng);
    return h;
}

// Written from the formula, in double, independent of HeadMix.
std::vector<double> referenceMix(const HeadAdapter& h, std::span<const float> hidden,
                                 std::span<const float> logits, double alpha) {
    const int d = h.nEmbd(), r = h.rank(), v = h.nVocab();
    std::vector<double> t(size_t(r), 0.0);
    for (int j = 0; j < r; ++j)
        for (int k = 0; k < d; ++k)
            t[size_t(j)] += double(h.a()[size_t(j * d + k)]) * hidden[size_t(k)];
    std::vector<double> z(static_cast<size_t>(v));
    for (int i = 0; i < v; ++i) {
        double delta = h.bias()[size_t(i)];
        for (int j = 0; j < r; ++j) delta += double(h.bMatrix()[size_t(i * r + j)]) * t[size_t(j)];
        z[size_t(i)] = double(logits[size_t(i)]) + alpha * delta;
    }
    return z;
}

} // namespace

class HeadsMixTest : public QObject {
    Q_OBJECT

    std::unique_ptr<Engine> m_engine;
    std::vector<int32_t> m_prompt;

private slots:
    void initTestCase() {
        if (!QFile::exists(modelPath("tiny-moe-f32.gguf")))
            QFAIL("reference models not found: set FABULIST_REFERENCE_DIR to shared/reference");
        m_engine = load("tiny-moe-f32.gguf");
        m_prompt = m_engine->tokenizer().encode("The history of the lighthouse is", true, true);
    }

    void mixMatchesDoubleReference() {
        auto session = m_engine->createSession();
        session->evaluate(m_prompt);
        const HeadAdapter h = randomAdapter(m_engine->file(), 16, 5, 0.2f);
        HeadMix mix(h);
        std::vector<float> out(size_t(h.nVocab()));
        for (float alpha : {1.0f, 0.25f, 0.7f}) { // α changes from one call to the next
            mix.mix(session->hiddenState(), session->logits(), alpha, out);
            const std::vector<double> ref =
                referenceMix(h, session->hiddenState(), session->logits(), alpha);
            double maxErr = 0.0, maxDelta = 0.0;
            for (size_t i = 0; i < out.size(); ++i) {
                maxErr = std::max(maxErr, std::abs(double(out[i]) - ref[i]));
                maxDelta = std::max(maxDelta, std::abs(ref[i] - session->logits()[i]));
            }
            QVERIFY2(maxDelta > 0.5, "the adapter must change the logits noticeably");
            QVERIFY2(maxErr < 1e-4 * (1.0 + maxDelta), qPrintable(QString::number(maxErr)));
        }
    }

    void alphaZeroIsTheModelsOwnLogits() {
        auto session = m_engine->createSession();
        session->evaluate(m_prompt);
        const HeadAdapter h = randomAdapter(m_engine->file(), 8, 6, 0.5f);
        HeadMix mix(h);
        const std::span<const float> z =
            mix.mixedLogits(session->hiddenState(), session->logits(), 0.0f);
        QCOMPARE(z.data(), session->logits().data()); // nothing computed, nothing copied
        QCOMPARE(z.size(), session->logits().size());
    }

    void generatorAtAlphaZeroIsIdenticalToNoAdapter() {
        const HeadAdapter h = randomAdapter(m_engine->file(), 8, 7, 0.5f);
        for (float temp : {0.0f, 0.9f}) {
            GenerationParams plain;
            plain.maxTokens = 24;
            plain.sampler.temperature = temp;
            plain.sampler.seed = 42;
            plain.stopAtEndOfGeneration = false;
            GenerationParams withHead = plain;
            withHead.adapter = &h;
            withHead.alpha = 0.0f;
            auto s1 = m_engine->createSession();
            auto s2 = m_engine->createSession();
            const auto a = Generator(*s1, m_engine->tokenizer()).run(m_prompt, plain);
            const auto b = Generator(*s2, m_engine->tokenizer()).run(m_prompt, withHead);
            QCOMPARE(b.ids, a.ids);
            QCOMPARE(a.ids.size(), size_t(24));
        }
    }

    void generatorSamplesFromTheMix() {
        // An adapter whose bias strongly favours one token: at α = 1 greedy decoding picks it
        // every time; switching the live α to 0 mid-run returns to the model's own choice.
        HeadAdapter h(HeadAdapterBase::fromModel(m_engine->file()), 4);
        const int32_t favourite = 1234;
        h.bias()[favourite] = 1000.0f;
        std::atomic<float> alpha{1.0f};
        GenerationParams p;
        p.maxTokens = 12;
        p.sampler.temperature = 0.0f;
        p.stopAtEndOfGeneration = false;
        p.adapter = &h;
        p.liveAlpha = &alpha;
        auto session = m_engine->createSession();
        int seen = 0;
        const auto r = Generator(*session, m_engine->tokenizer())
                           .run(m_prompt, p, [&](int32_t id, std::string_view) {
                               if (id >= 0 && ++seen == 6) alpha.store(0.0f);
                               return true;
                           });
        QCOMPARE(r.ids.size(), size_t(12));
        for (int i = 0; i < 6; ++i) QCOMPARE(r.ids[size_t(i)], favourite);
        // Where α changed is in the result: 1 from the first token, 0 from the seventh.
        QCOMPARE(r.alphaChanges, (std::vector<AlphaChange>{{0, 1.0f}, {6, 0.0f}}));

        // The tail must equal what the model alone generates after those six tokens.
        std::vector<int32_t> context = m_prompt;
        context.insert(context.end(), r.ids.begin(), r.ids.begin() + 6);
        GenerationParams plain = p;
        plain.adapter = nullptr;
        plain.liveAlpha = nullptr;
        plain.maxTokens = 6;
        auto s2 = m_engine->createSession();
        const auto tail = Generator(*s2, m_engine->tokenizer()).run(context, plain);
        QCOMPARE(std::vector<int32_t>(r.ids.begin() + 6, r.ids.end()), tail.ids);
    }

    // Moving the slider mid-run changes nothing before the move: the tokens up to it are bit
    // for bit those of a run at the first α throughout (sampling at temperature 0.8, seeded).
    void liveAlphaLeavesTheTokensBeforeTheChangeAlone() {
        HeadAdapter h(HeadAdapterBase::fromModel(m_engine->file()), 4);
        for (size_t i = 0; i < h.bias().size(); ++i) h.bias()[i] = float((i * 37) % 11) * 0.3f;
        GenerationParams fixed;
        fixed.maxTokens = 20;
        fixed.sampler.temperature = 0.8f;
        fixed.sampler.seed = 7;
        fixed.stopAtEndOfGeneration = false;
        fixed.adapter = &h;
        fixed.alpha = 0.3f;
        auto s1 = m_engine->createSession();
        const auto steady = Generator(*s1, m_engine->tokenizer()).run(m_prompt, fixed);
        QVERIFY(steady.alphaChanges.empty()); // no live α: nothing to record

        std::atomic<float> alpha{0.3f};
        GenerationParams moved = fixed;
        moved.liveAlpha = &alpha;
        auto s2 = m_engine->createSession();
        int seen = 0;
        const auto r = Generator(*s2, m_engine->tokenizer())
                           .run(m_prompt, moved, [&](int32_t id, std::string_view) {
                               if (id >= 0 && ++seen == 10) alpha.store(0.9f);
                               return true;
                           });
        QCOMPARE(std::vector<int32_t>(r.ids.begin(), r.ids.begin() + 10),
                 std::vector<int32_t>(steady.ids.begin(), steady.ids.begin() + 10));
        QCOMPARE(r.alphaChanges, (std::vector<AlphaChange>{{0, 0.3f}, {10, 0.9f}}));
    }

    void adapterOfAnotherShapeIsRefused() {
        HeadAdapterBase base = HeadAdapterBase::fromModel(m_engine->file());
        base.nVocab = 100;
        const HeadAdapter h(base, 2);
        GenerationParams p;
        p.adapter = &h;
        auto session = m_engine->createSession();
        QVERIFY_THROWS_EXCEPTION(EngineError,
                                 Generator(*session, m_engine->tokenizer()).run(m_prompt, p));
    }
};

QTEST_GUILESS_MAIN(HeadsMixTest)
#include "heads_mix_test.moc"
