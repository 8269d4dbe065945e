// The newer architectures on the Vulkan backend (lavapipe here): granitemoe runs there (its
// multipliers through the scale op) and agrees with llama.cpp as on the CPU; the ones whose ops
// Vulkan lacks (GeGLU, sinks, YaRN, sigmoid routing, latent attention) are refused at load with
// a message that names the way out, never part-way through a generation.

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

    void granitemoeAgreesWithLlamaCpp() {
        const QJsonObject ref = fabulist::test::readReferenceJson(nextDir(), "tiny-granitemoe-f32");
        QVERIFY(!ref.isEmpty());
        std::unique_ptr<Engine> engine;
        try {
            engine = Engine::load(vulkanOptions("tiny-granitemoe-f32"));
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
            qInfo("%s: max |dlogit| %.3g", qPrintable(o["name"].toString()), d);
            QVERIFY2(d <= 1e-4f, qPrintable(QString::number(d)));
        }
        const auto g = ref["greedy"].toArray()[0].toObject();
        const auto want = ids(g["ids"]);
        session->evaluate(ids(g["prompt_ids"]));
        for (size_t i = 0; i < want.size(); ++i) {
            QCOMPARE(argmax(session->logits()), want[i]);
            if (i + 1 < want.size()) session->appendToken(want[i]);
        }
    }

    void othersAreRefusedAtLoad_data() {
        QTest::addColumn<QString>("model");
        for (const char* m :
             {"tiny-gemma3-f32", "tiny-gptoss-f32", "tiny-glm4moe-f32", "tiny-deepseek2-v3-f32"})
            QTest::newRow(m) << QString(m);
    }
    void othersAreRefusedAtLoad() {
        QFETCH(QString, model);
        try {
            Engine::load(vulkanOptions(model));
            QFAIL("loaded on Vulkan");
        } catch (const EngineError& e) {
            if (QString(e.what()).contains("no Vulkan device")) QSKIP(e.what());
            QVERIFY2(QString(e.what()).contains("--device cpu"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(VulkanNextArchTest)
#include "vulkan_next_arch_test.moc"
