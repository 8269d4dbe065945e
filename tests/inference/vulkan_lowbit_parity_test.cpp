// The low-bit weight types (Q2_K, Q3_K, IQ4_NL, IQ4_XS, MXFP4) on the Vulkan backend (lavapipe
// here): reference-next's llama-quantize files of tiny-moe against llama.cpp's last-position
// logits and greedy ids, with the quantized models' tolerances of vulkan_parity_test. The op
// tests (vulkan_ops_test) check each shader against the CPU's kernels on odd shapes.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "tests/inference/reference_json.h"
#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/vulkan/vulkan_device.h"
#endif

#include <QtTest>

using namespace fabulist::inference;
using fabulist::test::argmax;
using fabulist::test::floats;
using fabulist::test::ids;
using fabulist::test::maxAbsDiff;

class VulkanLowbitParityTest : public QObject {
    Q_OBJECT

    bool m_lavapipe = false; // the device the engine picks is Mesa's CPU implementation

    std::unique_ptr<Engine> load(const QString& model) {
        EngineOptions o;
        o.modelPath = (fabulist::test::referenceNextDir() + "/models/" + model + ".gguf")
                          .toStdString();
        o.device = "vulkan";
        o.contextLength = 256;
        o.kvCacheType = GgmlType::F32;
        return Engine::load(o);
    }

private slots:
    void initTestCase() {
#ifndef FABULIST_HAVE_VULKAN
        QSKIP("this build has no Vulkan backend");
#endif
        qputenv("FABULIST_VULKAN_ALLOW_CPU", "1"); // lavapipe counts as a device here
        if (fabulist::test::referenceNextDir().isEmpty())
            QFAIL("set FABULIST_REFERENCE_NEXT_DIR to shared/reference-next");
#ifdef FABULIST_HAVE_VULKAN
        try {
            m_lavapipe = fabulist::inference::vulkan::VulkanDevice().isCpu(); // the same choice
        } catch (const std::exception& e) {
            QSKIP(qPrintable(QString("no Vulkan device: ") + e.what()));
        }
#endif
    }

    void matchesLlamaCpp_data() {
        QTest::addColumn<QString>("model");
        for (const char* m : {"tiny-moe-q2_k", "tiny-moe-q3_k_m", "tiny-moe-iq4_nl",
                              "tiny-moe-iq4_xs", "tiny-moe-mxfp4_moe"})
            QTest::newRow(m) << QString(m);
    }

    void matchesLlamaCpp() {
        QFETCH(QString, model);
        std::unique_ptr<Engine> engine;
        try {
            engine = load(model);
        } catch (const EngineError& e) {
            if (QString(e.what()).contains("no Vulkan device")) QSKIP(e.what());
            QFAIL(e.what());
        }
        QCOMPARE(QString::fromStdString(engine->info().device), QString("vulkan"));
        const QJsonObject ref =
            fabulist::test::readReferenceJson(fabulist::test::referenceNextDir(), model);
        QVERIFY2(!ref.isEmpty(), qPrintable("missing reference " + model));
        auto session = engine->createSession();
        const auto o = ref["logits_last_position"].toArray().first().toObject();
        const auto want = floats(o["logits"]);
        session->evaluate(ids(o["prompt_ids"]));
        const float d = maxAbsDiff(session->logits(), want);
        qInfo("%s: max |dlogit| %.3g", qPrintable(model), d);
        // vulkan_parity_test's bound for quantized models on lavapipe (0.25 on a GPU).
        QVERIFY2(d <= (m_lavapipe ? 2e-3f : 0.25f), qPrintable(QString("logit diff %1").arg(d)));
        QCOMPARE(argmax(session->logits()), argmax(std::span<const float>(want)));

        const auto g = ref["greedy"].toArray().first().toObject();
        const auto wantIds = ids(g["ids"]);
        auto greedy = engine->createSession();
        greedy->evaluate(ids(g["prompt_ids"]));
        std::vector<int32_t> got;
        for (size_t i = 0; i < wantIds.size(); ++i) {
            got.push_back(argmax(greedy->logits()));
            if (i + 1 < wantIds.size()) greedy->appendToken(got.back());
        }
        if (m_lavapipe) // a GPU's summation order may flip one activation rounding
            QVERIFY2(got == wantIds, qPrintable(model + " greedy differs from llama.cpp"));
    }
};

QTEST_GUILESS_MAIN(VulkanLowbitParityTest)
#include "vulkan_lowbit_parity_test.moc"
