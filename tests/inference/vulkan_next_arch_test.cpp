// The newer architectures on the Vulkan backend (lavapipe here): granitemoe (multipliers through
// the scale op), gemma3 (GeGLU, sandwich norms, sliding windows), gpt-oss (sinks, YaRN, biases,
// clamped SwiGLU, softmax of the chosen experts, MXFP4), glm4moe (sigmoid routing with its bias
// and scale, shared expert, partial NeoX RoPE) and deepseek2 (latent attention with its one
// cached row per token, per-head absorbed queries, YaRN, the q LoRA) agree with llama.cpp as on
// the CPU.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "tests/inference/reference_json.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace fabulist::inference;
using fabulist::test::argmax;
using fabulist::test::floats;
using fabulist::test::ids;
using fabulist::test::maxAbsDiff;

namespace {

QString nextDir() {
    return fabulist::test::referenceNextDir();
}

EngineOptions vulkanOptions(const QString& model) {
    EngineOptions o;
    o.modelPath = (nextDir() + "/models/" + model + ".gguf").toStdString();
    o.device = "vulkan";
    o.contextLength = 256;
    o.kvCacheType = GgmlType::F32;
    return o;
}

} // namespace

class VulkanNextArchTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
#ifndef FABULIST_HAVE_VULKAN
        QSKIP("this build has no Vulkan backend");
#endif
        qputenv("FABULIST_VULKAN_ALLOW_CPU", "1"); // lavapipe counts as a device here
        QVERIFY2(QFile::exists(nextDir() + "/README.md"), "set FABULIST_REFERENCE_NEXT_DIR");
    }

    void agreesWithLlamaCpp_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<float>("tol");
        // F32 files: parity_next_test's bounds for the CPU backend (gemma3's fp16 GELU lookup
        // can step to a neighbouring fp16 value: 2e-3; measured 4.5e-4 here, 2.5e-4 on the CPU).
        for (const char* m : {"tiny-granitemoe-f32", "tiny-gptoss-f32", "tiny-glm4moe-f32",
                              "tiny-deepseek2-lite-f32", "tiny-deepseek2-v3-f32"})
            QTest::newRow(m) << QString(m) << 1e-4f;
        QTest::newRow("tiny-gemma3-f32") << QString("tiny-gemma3-f32") << 2e-3f;
        // MXFP4 experts and Q8_0 matrices: the reference README's bound for quantized files,
        // one flipped activation rounding (measured 0.236 on one prompt here, 1.9e-6 on the
        // CPU); free-running greedy is not compared for it (a flip may change a near-tie).
        QTest::newRow("tiny-gptoss-mxfp4moe-q") << QString("tiny-gptoss-mxfp4moe-q") << 0.25f;
    }

    void agreesWithLlamaCpp() {
        QFETCH(QString, model);
        QFETCH(float, tol);
        const QJsonObject ref = fabulist::test::readReferenceJson(nextDir(), model);
        QVERIFY(!ref.isEmpty());
        std::unique_ptr<Engine> engine;
        try {
            engine = Engine::load(vulkanOptions(model));
        } catch (const EngineError& e) {
            if (QString(e.what()).contains("no Vulkan device")) QSKIP(e.what());
            QFAIL(e.what());
        }
        QCOMPARE(QString::fromStdString(engine->info().device), QString("vulkan"));
        auto session = engine->createSession();
        for (const auto& c : ref["logits_last_position"].toArray()) {
            const auto o = c.toObject();
            session->evaluate(ids(o["prompt_ids"]));
            const float d = maxAbsDiff(session->logits(), floats(o["logits"]));
            qInfo("%s %s: max |dlogit| %.3g", qPrintable(model), qPrintable(o["name"].toString()),
                  d);
            QVERIFY2(d <= tol, qPrintable(QString::number(d)));
            QCOMPARE(argmax(session->logits()), argmax(std::span<const float>(floats(o["logits"]))));
        }
        if (!model.endsWith("f32")) return;
        const auto g = ref["greedy"].toArray()[0].toObject();
        const auto want = ids(g["ids"]);
        session->evaluate(ids(g["prompt_ids"]));
        for (size_t i = 0; i < want.size(); ++i) {
            QCOMPARE(argmax(session->logits()), want[i]);
            if (i + 1 < want.size()) session->appendToken(want[i]);
        }
    }
};

QTEST_GUILESS_MAIN(VulkanNextArchTest)
#include "vulkan_next_arch_test.moc"
