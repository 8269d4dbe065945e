// Attention on Vulkan without a scores scratch: when the scores of a call would not fit the
// scratch limit (a long prompt deep in a text), the keys are streamed in tiles instead. The
// streamed path must give the same bits as the scratch path: F32, F16 and Q8_0 caches, GQA,
// sliding-window rings (gemma3, gpt-oss with its sinks) and DeepSeek's shared latent row.
// FABULIST_VULKAN_ATTENTION_SCRATCH_MIB=0 forces streaming; the default keeps these small
// contexts on the scratch path.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "tests/inference/reference_json.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace fabulist::inference;
using fabulist::test::ids;

namespace {

// Logits of every position of the reference's first greedy prompt and continuation.
std::vector<std::vector<float>> logits(const QString& dir, const QString& model, GgmlType kv,
                                       const char* scratchMib) {
    if (scratchMib)
        qputenv("FABULIST_VULKAN_ATTENTION_SCRATCH_MIB", scratchMib);
    else
        qunsetenv("FABULIST_VULKAN_ATTENTION_SCRATCH_MIB");
    EngineOptions o;
    o.modelPath = (dir + "/models/" + model + ".gguf").toStdString();
    o.device = "vulkan";
    o.contextLength = 256;
    o.kvCacheType = kv;
    auto engine = Engine::load(o);
    const QJsonObject ref = fabulist::test::readReferenceJson(dir, model);
    const auto g = ref["greedy"].toArray().first().toObject();
    auto seq = ids(g["prompt_ids"]);
    auto more = ids(g["ids"]);
    more.resize(std::min<size_t>(more.size(), 6)); // a few decode steps are enough
    seq.insert(seq.end(), more.begin(), more.end());
    auto session = engine->createSession();
    std::vector<std::vector<float>> out;
    // The prompt in one batch, then one token at a time: both attention shapes.
    const size_t promptLen = seq.size() - more.size();
    session->evaluate(std::vector<int32_t>(seq.begin(), seq.begin() + promptLen), true);
    for (size_t i = promptLen; i <= seq.size(); ++i) {
        const auto l = session->logitsAt(int(i - 1));
        out.emplace_back(l.begin(), l.end());
        if (i < seq.size())
            session->evaluate(std::vector<int32_t>(seq.begin(), seq.begin() + i + 1), true);
    }
    return out;
}

} // namespace

class VulkanAttentionStreamTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
#ifndef FABULIST_HAVE_VULKAN
        QSKIP("this build has no Vulkan backend");
#endif
        qputenv("FABULIST_VULKAN_ALLOW_CPU", "1"); // lavapipe counts as a device here
        QVERIFY2(QFile::exists(fabulist::test::referenceDir() + "/README.md"),
                 "set FABULIST_REFERENCE_DIR");
        QVERIFY2(QFile::exists(fabulist::test::referenceNextDir() + "/README.md"),
                 "set FABULIST_REFERENCE_NEXT_DIR");
    }
    void cleanup() { qunsetenv("FABULIST_VULKAN_ATTENTION_SCRATCH_MIB"); }

    void streamedEqualsScratch_data() {
        QTest::addColumn<QString>("dir");
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("kv");
        const QString ref = fabulist::test::referenceDir(),
                      next = fabulist::test::referenceNextDir();
        QTest::newRow("tiny-moe f32 cache") << ref << "tiny-moe-f32" << int(GgmlType::F32);
        QTest::newRow("tiny-moe f16 cache") << ref << "tiny-moe-f32" << int(GgmlType::F16);
        QTest::newRow("tiny-qwen3moe q8_0 cache")
            << ref << "tiny-qwen3moe-f32" << int(GgmlType::Q8_0);
        QTest::newRow("gemma3 rings") << next << "tiny-gemma3-f32" << int(GgmlType::F16);
        QTest::newRow("gpt-oss sinks") << next << "tiny-gptoss-f32" << int(GgmlType::F32);
        QTest::newRow("deepseek2 latent") << next << "tiny-deepseek2-lite-f32" << int(GgmlType::F32);
    }
    void streamedEqualsScratch() {
        QFETCH(QString, dir);
        QFETCH(QString, model);
        QFETCH(int, kv);
        std::vector<std::vector<float>> scratch;
        try {
            scratch = logits(dir, model, GgmlType(kv), nullptr);
        } catch (const EngineError& e) {
            if (QString(e.what()).contains("no Vulkan device")) QSKIP(e.what());
            QFAIL(e.what());
        }
        const auto streamed = logits(dir, model, GgmlType(kv), "0");
        QCOMPARE(streamed.size(), scratch.size());
        QVERIFY(scratch.size() >= 7);
        for (size_t i = 0; i < scratch.size(); ++i)
            QVERIFY2(streamed[i] == scratch[i], qPrintable(QString("position %1 differs").arg(i)));
    }
};

QTEST_GUILESS_MAIN(VulkanAttentionStreamTest)
#include "vulkan_attention_stream_test.moc"
