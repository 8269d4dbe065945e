// writeSynthModel: the files it writes have the reference files' KV pairs (names, types,
// values) and tensors (names, types, shapes, sizes), the source vocabulary verbatim, and weights
// with the intended statistics.
#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"
#include "inference/synth/synth_model.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

using namespace fabulist::inference;

namespace {

QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

// The newer architectures' references are in reference-next.
QJsonObject loadReference(const QString& base) {
    const QString inReference = referenceDir() + "/" + base + ".json";
    QFile f(QFile::exists(inReference)
                ? inReference
                : qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR") + "/" + base + ".json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

// The reference JSON's type names for GGUF value types.
QString typeName(const GgufFile& f, const std::string& key) {
    static const char* names[] = {"UINT8",  "INT8",    "UINT16", "INT16",  "UINT32",
                                  "INT32",  "FLOAT32", "BOOL",   "STRING", "ARRAY",
                                  "UINT64", "INT64",   "FLOAT64"};
    const GgufValueType t = *f.typeOf(key);
    if (t == GgufValueType::Array)
        return QString("ARRAY[%1]").arg(names[static_cast<int>(f.arrayElementType(key))]);
    return names[static_cast<int>(t)];
}

} // namespace

class SynthModelTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (referenceDir().isEmpty() || !QFile::exists(referenceDir() + "/README.md"))
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the llama.cpp reference "
                  "data (expected ../shared/reference next to the source tree)");
    }

    void matchesReferenceLayout_data() {
        QTest::addColumn<QString>("reference");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("vocab");
        QTest::newRow("tiny-moe q4_k_m") << "tiny-moe-q4_k_m"
                                         << "tiny-moe"
                                         << "q4_k_m"
                                         << "tiny-moe-f32";
        QTest::newRow("tiny-moe q6_k") << "tiny-moe-q6_k"
                                       << "tiny-moe"
                                       << "q6_k"
                                       << "tiny-moe-f32";
        QTest::newRow("tiny-dense f32") << "tiny-dense-f32"
                                        << "tiny-dense"
                                        << "f32"
                                        << "tiny-dense-f32";
        QTest::newRow("tiny-qwen3moe f32") << "tiny-qwen3moe-f32"
                                           << "tiny-qwen3moe"
                                           << "f32"
                                           << "tiny-qwen3moe-f32";
        QTest::newRow("tiny-qwen3moe q8_0") << "tiny-qwen3moe-q8_0"
                                            << "tiny-qwen3moe"
                                            << "q8_0"
                                            << "tiny-qwen3moe-f32";
        // reference-next's files use tiny-moe's tokenizer.
        const char* newer[][2] = {{"tiny-deepseek2-lite-f32", "tiny-deepseek2-lite"},
                                  {"tiny-deepseek2-v3-f32", "tiny-deepseek2-v3"},
                                  {"tiny-gptoss-f32", "tiny-gptoss"},
                                  {"tiny-gemma3-f32", "tiny-gemma3"},
                                  {"tiny-glm4moe-f32", "tiny-glm4moe"},
                                  {"tiny-granitemoe-f32", "tiny-granitemoe"}};
        for (const auto& [reference, shape] : newer)
            QTest::newRow(qPrintable(QString("%1 f32").arg(shape)))
                << reference << shape << "f32"
                << "tiny-moe-f32";
        QTest::newRow("tiny-gptoss mxfp4_moe") << "tiny-gptoss-mxfp4moe-q"
                                               << "tiny-gptoss"
                                               << "mxfp4_moe"
                                               << "tiny-moe-f32";
    }

    void matchesReferenceLayout() {
        QFETCH(QString, reference);
        QFETCH(QString, shape);
        QFETCH(QString, type);
        QFETCH(QString, vocab);
        QTemporaryDir dir;
        SynthOptions o;
        o.shapeName = shape.toStdString();
        o.fileType = *parseSynthFileType(type.toStdString());
        o.vocabFrom = (referenceDir() + "/models/" + vocab + ".gguf").toStdString();
        o.outputPath = dir.filePath("m.gguf").toStdString();
        o.seed = 1234;
        writeSynthModel(o);
        auto file = GgufFile::open(o.outputPath);
        auto source = GgufFile::open(o.vocabFrom);
        const QJsonObject ref = loadReference(reference)["gguf"].toObject();

        // KV pairs: same keys, same types, same scalar values (the description aside).
        const QJsonObject kv = ref["kv"].toObject();
        QCOMPARE(file->keys().size(), size_t(kv.size()));
        for (const std::string& key : file->keys()) {
            const QString k = QString::fromStdString(key);
            QVERIFY2(kv.contains(k), qPrintable("extra key " + k));
            const QJsonObject want = kv[k].toObject();
            QCOMPARE(typeName(*file, key), want["type"].toString());
            if (want.contains("length")) {
                QCOMPARE(qint64(file->arrayLength(key)), want["length"].toInteger());
            } else if (key == "general.description") {
                continue;
            } else if (want["type"] == "STRING") {
                QCOMPARE(QString::fromStdString(file->getString(key)), want["value"].toString());
            } else if (want["type"] == "FLOAT32") {
                QCOMPARE(float(file->getFloat(key)), float(want["value"].toDouble()));
            } else if (want["type"] == "BOOL") {
                QCOMPARE(file->getBool(key), want["value"].toBool());
            } else {
                QCOMPARE(qint64(file->getInt(key)), want["value"].toInteger());
            }
        }
        // The vocabulary is the source file's, entry by entry.
        QVERIFY(file->getStringArray("tokenizer.ggml.tokens") ==
                source->getStringArray("tokenizer.ggml.tokens"));
        QVERIFY(file->getStringArray("tokenizer.ggml.merges") ==
                source->getStringArray("tokenizer.ggml.merges"));
        QVERIFY(file->getIntArray("tokenizer.ggml.token_type") ==
                source->getIntArray("tokenizer.ggml.token_type"));

        // Tensors: by name, the same type, shape and byte size.
        const QJsonArray tensors = ref["tensors"].toArray();
        QCOMPARE(file->tensors().size(), size_t(tensors.size()));
        for (const QJsonValue& v : tensors) {
            const QJsonObject t = v.toObject();
            const GgufTensorInfo* mine = file->findTensor(t["name"].toString().toStdString());
            QVERIFY2(mine, qPrintable("missing tensor " + t["name"].toString()));
            const std::string_view typeName = ggmlTypeTraits(mine->type).name;
            QCOMPARE(QString::fromUtf8(typeName.data(), qsizetype(typeName.size())),
                     t["type"].toString());
            const QJsonArray ne = t["ne"].toArray();
            QCOMPARE(mine->nDims, uint32_t(ne.size()));
            for (int i = 0; i < ne.size(); ++i) QCOMPARE(mine->ne[size_t(i)], ne[i].toInteger());
            QCOMPARE(qint64(mine->nbytes), t["n_bytes"].toInteger());
        }
    }

    // Weights follow the README's table: token_embd ~ N(0, 0.5^2), attn_q ~ N(0, (1.5/16)^2)
    // for n_embd 256, norms ~ 1 + N(0, 0.1^2).
    void weightStatistics() {
        QTemporaryDir dir;
        SynthOptions o;
        o.shapeName = "tiny-moe";
        o.fileType = SynthFileType::F32;
        o.vocabFrom = (referenceDir() + "/models/tiny-moe-f32.gguf").toStdString();
        o.outputPath = dir.filePath("m.gguf").toStdString();
        writeSynthModel(o);
        auto file = GgufFile::open(o.outputPath);
        auto moments = [&](const char* name, double& mean, double& sd) {
            const GgufTensorInfo& t = file->tensor(name);
            const float* v = reinterpret_cast<const float*>(t.data);
            const int64_t n = t.elementCount();
            double s = 0.0, s2 = 0.0;
            for (int64_t i = 0; i < n; ++i) s += v[i], s2 += double(v[i]) * v[i];
            mean = s / double(n);
            sd = std::sqrt(s2 / double(n) - mean * mean);
        };
        double mean = 0.0, sd = 0.0;
        moments("token_embd.weight", mean, sd); // 1M values
        QVERIFY2(std::fabs(mean) < 0.005 && std::fabs(sd - 0.5) < 0.005,
                 qPrintable(QString("%1 %2").arg(mean).arg(sd)));
        moments("blk.0.attn_q.weight", mean, sd); // 65536 values
        QVERIFY2(std::fabs(mean) < 0.002 && std::fabs(sd - 1.5 / 16.0) < 0.002,
                 qPrintable(QString("%1 %2").arg(mean).arg(sd)));
        moments("blk.1.ffn_norm.weight", mean, sd); // 256 values
        QVERIFY2(std::fabs(mean - 1.0) < 0.03 && std::fabs(sd - 0.1) < 0.02,
                 qPrintable(QString("%1 %2").arg(mean).arg(sd)));
        moments("blk.0.ffn_down_exps.weight", mean, sd); // g / sqrt(fan_in) = 2 / 16 for MoE
        QVERIFY2(std::fabs(sd - 2.0 / 16.0) < 0.002, qPrintable(QString("%1").arg(sd)));
    }

    void reportsUsableErrors() {
        QTemporaryDir dir;
        SynthOptions o;
        o.shapeName = "no-such-shape";
        o.vocabFrom = (referenceDir() + "/models/tiny-moe-f32.gguf").toStdString();
        o.outputPath = dir.filePath("x.gguf").toStdString();
        try {
            writeSynthModel(o);
            QFAIL("an unknown shape was accepted");
        } catch (const SynthError& e) {
            QVERIFY2(std::string(e.what()).find("granite-1b-a400m") != std::string::npos, e.what());
        }
        o.shapeName = "tiny-moe";
        o.outputPath = "/nonexistent-dir/x.gguf";
        try {
            writeSynthModel(o);
            QFAIL("an unwritable path was accepted");
        } catch (const SynthError& e) {
            QVERIFY2(std::string(e.what()).find("/nonexistent-dir/x.gguf") != std::string::npos,
                     e.what());
        }
        QVERIFY(!QFile::exists(dir.filePath("x.gguf.partial")));
    }
};

QTEST_APPLESS_MAIN(SynthModelTest)
#include "synth_model_test.moc"
