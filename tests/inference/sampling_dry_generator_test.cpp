// DRY through the Generator on a real reference model (tiny-moe-f32): with a huge multiplier,
// greedy decoding never completes a 3-gram that already occurred (prompt included) unless one
// of its first two tokens is a sequence breaker (a token whose text holds "\n", ":", "\"" or
// "*"), while plain greedy decoding of the same (repetitive) prompt does repeat a 3-gram.
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <QFile>
#include <QTest>

using namespace fabulist::inference;

namespace {

// Positions i >= first in seq whose 3-gram (i-2, i-1, i) occurred earlier, ignoring 3-grams
// whose first two tokens contain a breaker token.
int repeatedTrigrams(const std::vector<int32_t>& seq, size_t first,
                     const std::vector<bool>& isBreaker) {
    int count = 0;
    for (size_t i = std::max<size_t>(first, 2); i < seq.size(); ++i) {
        if (isBreaker[size_t(seq[i - 2])] || isBreaker[size_t(seq[i - 1])]) continue;
        for (size_t j = 2; j < i; ++j)
            if (seq[j - 2] == seq[i - 2] && seq[j - 1] == seq[i - 1] && seq[j] == seq[i]) {
                ++count;
                break;
            }
    }
    return count;
}

} // namespace

class SamplingDryGeneratorTest : public QObject {
    Q_OBJECT

    std::unique_ptr<Engine> m_engine;

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

    void dryStopsGreedyRepeats() {
        const Tokenizer& tok = m_engine->tokenizer();
        std::vector<bool> isBreaker(size_t(tok.vocabSize()), false);
        for (int32_t id = 0; id < tok.vocabSize(); ++id) {
            const std::string b = tok.tokenBytes(id);
            for (const char* s : {"\n", ":", "\"", "*"})
                if (b.find(s) != std::string::npos) isBreaker[size_t(id)] = true;
        }
        const std::vector<int32_t> prompt = tok.encode("one two three one two three one two three one two three one two");
        auto generate = [&](float multiplier) {
            auto session = m_engine->createSession();
            Generator generator(*session, tok);
            GenerationParams p;
            p.maxTokens = 96;
            p.stopAtEndOfGeneration = false;
            p.sampler.temperature = 0.0f;
            p.sampler.dryMultiplier = multiplier;
            std::vector<int32_t> seq(prompt);
            const GenerationResult r = generator.run(prompt, p);
            seq.insert(seq.end(), r.ids.begin(), r.ids.end());
            return seq;
        };
        const std::vector<int32_t> plain = generate(0.0f), dry = generate(1.0e4f);
        QCOMPARE(dry.size(), prompt.size() + 96);
        const int plainRepeats = repeatedTrigrams(plain, prompt.size(), isBreaker);
        const int dryRepeats = repeatedTrigrams(dry, prompt.size(), isBreaker);
        qInfo("repeated 3-grams in 96 greedy tokens: %d plain, %d with DRY", plainRepeats,
              dryRepeats);
        QVERIFY2(plainRepeats > 0, "greedy decoding of the tiny model was expected to loop");
        QCOMPARE(dryRepeats, 0);
    }
};

QTEST_APPLESS_MAIN(SamplingDryGeneratorTest)
#include "sampling_dry_generator_test.moc"
