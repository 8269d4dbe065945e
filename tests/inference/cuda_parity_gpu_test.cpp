// Whole models on the CUDA backend against llama.cpp's reference outputs, with the Vulkan parity
// tests' tolerances for a GPU (vulkan_parity_test, vulkan_next_arch_test): last-position logits
// and final hidden state of the ../shared/reference models, greedy continuations of F32 models
// with both KV cache types, and the newer architectures of ../shared/reference-next (granitemoe,
// gemma3, gpt-oss, glm4moe, deepseek2). Label gpu: skips with the probe's reason without a GPU.

#include "inference/backend/backend.h"
#include "inference/backend/backend_choice.h"
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "tests/inference/reference_json.h"
#include "tests/inference/teacher_forced.h"

#include <QDir>
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

class CudaParityGpuTest : public QObject {
    Q_OBJECT

    QString m_dir;

    QJsonObject reference(const QString& name) {
        QFile f(m_dir + "/" + name + ".json");
        if (!f.open(QIODevice::ReadOnly)) return {};
        return QJsonDocument::fromJson(f.readAll()).object();
    }
    std::unique_ptr<Engine> load(const std::string& path, GgmlType kv, int context = 0,
                                 int cpuMoeLayers = -1) {
        EngineOptions o;
        o.modelPath = path;
        o.device = "cuda";
        o.kvCacheType = kv;
        o.cpuMoeLayers = cpuMoeLayers;
        if (context > 0) o.contextLength = context;
        auto engine = Engine::load(o);
        if (engine->info().device != "cuda") qFatal("the engine did not load on CUDA");
        return engine;
    }

private slots:
    void initTestCase() {
        const std::string why = cudaUnavailableReason();
        if (!why.empty()) QSKIP(qPrintable("no CUDA device: " + QString::fromStdString(why)));
        for (const auto& [k, v] : describeDevice("cuda"))
            if (k == "device") qInfo("CUDA device: %s", v.c_str());
        m_dir = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
        if (m_dir.isEmpty() || !QDir(m_dir).exists())
            QFAIL(qPrintable("reference directory not found: set FABULIST_REFERENCE_DIR (now '" +
                             m_dir + "') to shared/reference"));
    }

    void lastPositionLogits_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<float>("logitTol");
        QTest::addColumn<float>("hiddenTol");
        // parity_reference_test's tolerances per precision; quantized: the README's bound for a
        // GPU (one flipped activation rounding can cost about 0.2), as vulkan_parity_test.
        QTest::newRow("tiny-dense-f32") << "tiny-dense-f32" << 1e-4f << 2e-5f;
        QTest::newRow("tiny-moe-f32") << "tiny-moe-f32" << 1e-4f << 2e-5f;
        QTest::newRow("tiny-qwen3moe-f32") << "tiny-qwen3moe-f32" << 1e-4f << 2e-5f;
        QTest::newRow("tiny-llama3-f16") << "tiny-llama3-f16" << 0.05f << 0.01f;
        QTest::newRow("tiny-moe-f16") << "tiny-moe-f16" << 0.05f << 0.01f;
        for (const char* m : {"tiny-moe-q8_0", "tiny-moe-q4_0", "tiny-moe-q4_k_m", "tiny-moe-q6_k",
                              "tiny-qwen3moe-q8_0", "tiny-qwen3moe-q4_k_m"})
            QTest::newRow(m) << QString(m) << 0.25f << 0.05f;
    }

    void lastPositionLogits() {
        QFETCH(QString, model);
        QFETCH(float, logitTol);
        QFETCH(float, hiddenTol);
        const QJsonObject ref = reference(model);
        QVERIFY2(!ref.isEmpty(), qPrintable("missing reference " + model));
        auto engine = load((m_dir + "/" + ref["model_file"].toString()).toStdString(),
                           GgmlType::F32);
        auto session = engine->createSession();
        for (const auto& c : ref["logits_last_position"].toArray()) {
            const auto o = c.toObject();
            const auto want = floats(o["logits"]);
            session->evaluate(ids(o["prompt_ids"]));
            const auto got = session->logits();
            QCOMPARE(got.size(), want.size());
            const float d = maxAbsDiff(got, want);
            const float dh =
                maxAbsDiff(session->hiddenState(), floats(o["last_hidden_after_output_norm"]));
            qInfo("%s %s: max |dlogit| %.3g, max |dhidden| %.3g", qPrintable(model),
                  qPrintable(o["name"].toString()), d, dh);
            QVERIFY2(d <= logitTol,
                     qPrintable(o["name"].toString() + ": logit diff " + QString::number(d)));
            QVERIFY2(dh <= hiddenTol, qPrintable("hidden diff " + QString::number(dh)));
            QCOMPARE(argmax(got), argmax(std::span<const float>(want)));
        }
    }

    // Experts of the first layer kept on the CPU (--cpu-moe 1): that layer's experts run on a
    // CpuBackend in the same forward pass; the logits stay within the same bounds, and the hit
    // rate counts the slots the CPU served.
    void cpuExpertsOfFirstLayer_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<float>("logitTol");
        QTest::newRow("tiny-moe-f32") << "tiny-moe-f32" << 1e-4f;
        QTest::newRow("tiny-qwen3moe-q4_k_m") << "tiny-qwen3moe-q4_k_m" << 0.25f;
    }
    void cpuExpertsOfFirstLayer() {
        QFETCH(QString, model);
        QFETCH(float, logitTol);
        const QJsonObject ref = reference(model);
        QVERIFY2(!ref.isEmpty(), qPrintable("missing reference " + model));
        auto engine = load((m_dir + "/" + ref["model_file"].toString()).toStdString(),
                           GgmlType::F32, 0, 1);
        auto session = engine->createSession();
        const auto o = ref["logits_last_position"].toArray().first().toObject();
        session->evaluate(ids(o["prompt_ids"]));
        const float d = maxAbsDiff(session->logits(), floats(o["logits"]));
        qInfo("%s with layer 0's experts on the CPU: max |dlogit| %.3g", qPrintable(model), d);
        QVERIFY2(d <= logitTol, qPrintable(QString::number(d)));
        QString rate, placement;
        for (const auto& [k, v] : engine->describeDevice()) {
            if (k == "expert hit rate (GPU)") rate = QString::fromStdString(v);
            if (k == "placement") placement += QString::fromStdString(v) + "\n";
        }
        qInfo("placement:\n%shit rate: %s", qPrintable(placement), qPrintable(rate));
        QVERIFY2(!rate.isEmpty() && !rate.startsWith("100.0"), qPrintable(rate));
    }

    void greedy_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<bool>("kvF16");
        // F32 models only: a quantized model's free-running steps may flip a rounding on a GPU.
        for (const char* m : {"tiny-dense-f32", "tiny-moe-f32", "tiny-qwen3moe-f32"})
            for (bool f16 : {false, true})
                QTest::newRow(qPrintable(QString("%1 kv %2").arg(m, f16 ? "f16" : "f32")))
                    << QString(m) << f16;
    }

    // Decode steps run as replayed CUDA graphs after the first two.
    void greedy() {
        QFETCH(QString, model);
        QFETCH(bool, kvF16);
        const QJsonObject ref = reference(model);
        auto engine = load((m_dir + "/" + ref["model_file"].toString()).toStdString(),
                           kvF16 ? GgmlType::F16 : GgmlType::F32);
        auto session = engine->createSession();
        const auto o = ref["greedy"].toArray().first().toObject();
        const auto want = ids(o[kvF16 ? "ids_kv_f16" : "ids"]);
        session->evaluate(ids(o["prompt_ids"]));
        std::vector<int32_t> got;
        for (size_t i = 0; i < want.size(); ++i) {
            got.push_back(argmax(session->logits()));
            if (i + 1 < want.size()) session->appendToken(got.back());
        }
        QVERIFY2(got == want, qPrintable(model + " " + o["name"].toString()));
        for (const auto& [k, v] : engine->describeDevice())
            if (k == "graphs") qInfo("%s graphs: %s", qPrintable(model), v.c_str());
    }

    void nextArchitectures_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<float>("tol");
        // vulkan_next_arch_test's bounds.
        for (const char* m : {"tiny-granitemoe-f32", "tiny-gptoss-f32", "tiny-glm4moe-f32",
                              "tiny-deepseek2-lite-f32", "tiny-deepseek2-v3-f32"})
            QTest::newRow(m) << QString(m) << 1e-4f;
        QTest::newRow("tiny-gemma3-f32") << QString("tiny-gemma3-f32") << 2e-3f;
        QTest::newRow("tiny-gptoss-mxfp4moe-q") << QString("tiny-gptoss-mxfp4moe-q") << 0.25f;
    }

    void nextArchitectures() {
        QFETCH(QString, model);
        QFETCH(float, tol);
        const QString dir = fabulist::test::referenceNextDir();
        QVERIFY2(QFile::exists(dir + "/README.md"), "set FABULIST_REFERENCE_NEXT_DIR");
        const QJsonObject ref = fabulist::test::readReferenceJson(dir, model);
        QVERIFY(!ref.isEmpty());
        auto engine =
            load((dir + "/models/" + model + ".gguf").toStdString(), GgmlType::F32, 256);
        auto session = engine->createSession();
        for (const auto& c : ref["logits_last_position"].toArray()) {
            const auto o = c.toObject();
            session->evaluate(ids(o["prompt_ids"]));
            const float d = maxAbsDiff(session->logits(), floats(o["logits"]));
            qInfo("%s %s: max |dlogit| %.3g", qPrintable(model), qPrintable(o["name"].toString()),
                  d);
            QVERIFY2(d <= tol, qPrintable(QString::number(d)));
            QCOMPARE(argmax(session->logits()),
                     argmax(std::span<const float>(floats(o["logits"]))));
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

    // A Q8_0 KV cache: teacher-forced along llama.cpp's greedy path, the logits stay within
    // vulkan_kv_q8_test's bound of the CPU backend's Q8_0 cache (the GPU sums in another order).
    void q8CacheEqualsCpus_data() {
        QTest::addColumn<QString>("dir");
        QTest::addColumn<QString>("model");
        QTest::newRow("tiny-moe-f32") << m_dir << "tiny-moe-f32";
        QTest::newRow("tiny-qwen3moe-f32") << m_dir << "tiny-qwen3moe-f32";
        QTest::newRow("tiny-gemma3-f32 (ring)")
            << fabulist::test::referenceNextDir() << "tiny-gemma3-f32";
    }
    void q8CacheEqualsCpus() {
        QFETCH(QString, dir);
        QFETCH(QString, model);
        const QJsonObject ref = fabulist::test::readReferenceJson(dir, model);
        QVERIFY(!ref.isEmpty());
        const std::string path = (dir + "/models/" + model + ".gguf").toStdString();
        auto gpu = load(path, GgmlType::Q8_0, 256);
        EngineOptions o;
        o.modelPath = path;
        o.device = "cpu";
        o.kvCacheType = GgmlType::Q8_0;
        o.contextLength = 256;
        auto cpu = Engine::load(o);
        auto a = gpu->createSession();
        auto b = cpu->createSession();
        const float worst = fabulist::test::worstTeacherForcedDiff(*a, *b, ref);
        qInfo("%s: |dlogit| CUDA vs CPU, both with a Q8_0 cache: %.3g at worst", qPrintable(model),
              worst);
        QVERIFY2(worst < 0.1f, qPrintable(QString::number(worst)));
    }
};

QTEST_GUILESS_MAIN(CudaParityGpuTest)
#include "cuda_parity_gpu_test.moc"
