// Engine::load on the reference models: ModelInfo against the reference JSON's own tensor list
// and KV pairs, progress and cancellation, and clear errors for bad requests.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

using namespace fabulist::inference;

namespace {

QString refDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

QJsonObject referenceJson(const QString& name) {
    QFile f(refDir() + "/" + name + ".json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

EngineOptions options(const QString& name) {
    EngineOptions o;
    o.modelPath = (refDir() + "/models/" + name + ".gguf").toStdString();
    o.threads = 1;
    return o;
}

} // namespace

class EngineLoadTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (refDir().isEmpty() || !QDir(refDir() + "/models").exists())
            QFAIL(qPrintable("reference models not found: set FABULIST_REFERENCE_DIR (now '" +
                             refDir() + "') to the llama.cpp reference data (shared/reference)"));
    }

    void infoMatchesReferenceMetadata_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("embd");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("kvHeads");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<int>("experts");
        QTest::newRow("dense") << "tiny-dense-f32" << 2 << 64 << 4 << 2 << 16 << 0;
        QTest::newRow("moe q4_k_m") << "tiny-moe-q4_k_m" << 2 << 256 << 4 << 2 << 64 << 8;
        QTest::newRow("qwen3moe") << "tiny-qwen3moe-q8_0" << 2 << 256 << 4 << 2 << 128 << 8;
        QTest::newRow("llama3") << "tiny-llama3-f16" << 2 << 64 << 4 << 2 << 16 << 0;
    }

    void infoMatchesReferenceMetadata() {
        QFETCH(QString, name);
        QFETCH(int, layers);
        QFETCH(int, embd);
        QFETCH(int, heads);
        QFETCH(int, kvHeads);
        QFETCH(int, headDim);
        QFETCH(int, experts);
        const QJsonObject ref = referenceJson(name);
        QVERIFY(!ref.isEmpty());
        std::vector<float> fractions;
        EngineOptions o = options(name);
        o.kvCacheType = GgmlType::F32;
        o.progress = [&](float f) {
            fractions.push_back(f);
            return true;
        };
        auto engine = Engine::load(o);
        const ModelInfo& i = engine->info();
        QCOMPARE(i.nLayer, layers);
        QCOMPARE(i.nEmbd, embd);
        QCOMPARE(i.nHead, heads);
        QCOMPARE(i.nHeadKv, kvHeads);
        QCOMPARE(i.headDim, headDim);
        QCOMPARE(i.nExpert, experts);
        QCOMPARE(i.nCtxTrain, 256);
        QCOMPARE(i.contextLength, 256);
        QCOMPARE(i.fileBytes, uint64_t(ref["model_size_bytes"].toInteger()));
        QCOMPARE(i.kvBytesPerToken, uint64_t(layers) * kvHeads * headDim * 2 * 4);
        QCOMPARE(i.nVocab, engine->tokenizer().vocabSize());
        // Parameter counts and type counts from the reference's own tensor list.
        int64_t params = 0, active = 0;
        std::map<std::string, int64_t> types;
        for (const auto& tv : ref["gguf"].toObject()["tensors"].toArray()) {
            const auto t = tv.toObject();
            int64_t n = 1;
            for (const auto& d : t["ne"].toArray()) n *= d.toInteger();
            params += n;
            active += t["name"].toString().contains("_exps.") ? n / experts * 2 : n;
            types[t["type"].toString().toStdString()] += 1;
        }
        QCOMPARE(i.parameterCount, params);
        QCOMPARE(i.activeParameterCount, active);
        QVERIFY(i.tensorTypeCounts == types);
        QVERIFY(!fractions.empty());
        QCOMPARE(fractions.back(), 1.0f);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
    }

    void loadingCanBeCancelled() {
        EngineOptions o = options("tiny-moe-f32");
        int calls = 0;
        o.progress = [&](float) { return ++calls < 2; };
        try {
            Engine::load(o);
            QFAIL("not cancelled");
        } catch (const EngineError& e) {
            QVERIFY(QString(e.what()).contains("cancelled"));
        }
    }

    void clearErrors() {
        EngineOptions o = options("does-not-exist");
        try {
            Engine::load(o);
            QFAIL("no error for a missing file");
        } catch (const std::exception& e) {
            QVERIFY2(QString(e.what()).contains("does-not-exist.gguf"), e.what());
        }
        o = options("tiny-dense-f32");
        o.device = "quantum";
        try {
            Engine::load(o);
            QFAIL("no error for an unknown device");
        } catch (const EngineError& e) {
            QVERIFY(QString(e.what()).contains("quantum"));
#ifdef FABULIST_HAVE_VULKAN
            QVERIFY2(QString(e.what()).contains("available: cpu, vulkan"), e.what());
#else
            QVERIFY2(QString(e.what()).contains("available: cpu)"), e.what());
#endif
        }
        o = options("tiny-dense-f32");
        o.kvCacheType = GgmlType::Q4_0;
        QVERIFY_THROWS_EXCEPTION(EngineError, Engine::load(o));
        o = options("tiny-dense-f32");
        o.expertsUsed = 1; // dense model: no experts to choose
        QVERIFY_THROWS_EXCEPTION(EngineError, Engine::load(o));

        // A truncated copy of a model is refused with the file named.
        QTemporaryDir dir;
        const QString path = dir.path() + "/truncated.gguf";
        QFile src(refDir() + "/models/tiny-dense-f32.gguf");
        QVERIFY(src.open(QIODevice::ReadOnly));
        QFile dst(path);
        QVERIFY(dst.open(QIODevice::WriteOnly));
        dst.write(src.read(src.size() / 2));
        dst.close();
        o = options("tiny-dense-f32");
        o.modelPath = path.toStdString();
        try {
            Engine::load(o);
            QFAIL("no error for a truncated file");
        } catch (const std::exception& e) {
            QVERIFY2(QString(e.what()).contains("truncated.gguf"), e.what());
        }
    }

    void contextLengthOption() {
        EngineOptions o = options("tiny-dense-f32");
        o.contextLength = 48;
        auto e = Engine::load(o);
        QCOMPARE(e->info().contextLength, 48);
        QCOMPARE(e->createSession()->contextLength(), 48);
        QCOMPARE(e->info().kvCacheType, GgmlType::F16);
        QCOMPARE(e->info().kvBytesPerToken, uint64_t(2 * 2 * 16 * 2 * 2));
    }
};

QTEST_GUILESS_MAIN(EngineLoadTest)
#include "engine_load_test.moc"
