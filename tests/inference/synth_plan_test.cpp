// The synthetic-model plan reproduces the reference files' tensor names, shapes and (for the
// quantized files) llama-quantize's type choices, read from the reference JSONs.
#include "inference/synth/synth_plan.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <map>

using namespace fabulist::inference;

namespace {

QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

// reference-next holds llama-quantize's Q2_K, Q3_K_M, IQ4_NL, IQ4_XS and MXFP4_MOE files.
QString referenceNextDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR");
}

QJsonObject loadReference(const QString& base) {
    const QString inReference = referenceDir() + "/" + base + ".json";
    QFile f(QFile::exists(inReference) ? inReference : referenceNextDir() + "/" + base + ".json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class SynthPlanTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (referenceDir().isEmpty() || !QFile::exists(referenceDir() + "/README.md"))
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the llama.cpp reference "
                  "data (expected ../shared/reference next to the source tree)");
    }

    void matchesReference_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QString>("type");
        QTest::newRow("tiny-dense-f32") << "tiny-dense-f32"
                                        << "tiny-dense"
                                        << "f32";
        QTest::newRow("tiny-moe-f32") << "tiny-moe-f32"
                                      << "tiny-moe"
                                      << "f32";
        QTest::newRow("tiny-moe-f16") << "tiny-moe-f16"
                                      << "tiny-moe"
                                      << "f16";
        QTest::newRow("tiny-moe-q8_0") << "tiny-moe-q8_0"
                                       << "tiny-moe"
                                       << "q8_0";
        QTest::newRow("tiny-moe-q4_0") << "tiny-moe-q4_0"
                                       << "tiny-moe"
                                       << "q4_0";
        QTest::newRow("tiny-moe-q4_k_m") << "tiny-moe-q4_k_m"
                                         << "tiny-moe"
                                         << "q4_k_m";
        QTest::newRow("tiny-moe-q6_k") << "tiny-moe-q6_k"
                                       << "tiny-moe"
                                       << "q6_k";
        QTest::newRow("tiny-qwen3moe-f32") << "tiny-qwen3moe-f32"
                                           << "tiny-qwen3moe"
                                           << "f32";
        QTest::newRow("tiny-qwen3moe-q8_0") << "tiny-qwen3moe-q8_0"
                                            << "tiny-qwen3moe"
                                            << "q8_0";
        QTest::newRow("tiny-qwen3moe-q4_k_m") << "tiny-qwen3moe-q4_k_m"
                                              << "tiny-qwen3moe"
                                              << "q4_k_m";
        for (const char* t : {"q2_k", "q3_k_m", "iq4_nl", "iq4_xs", "mxfp4_moe"})
            QTest::newRow(qPrintable(QString("tiny-moe-%1").arg(t)))
                << QString("tiny-moe-%1").arg(t) << "tiny-moe" << QString(t);
        for (const char* shape : {"tiny-gptoss", "tiny-gemma3", "tiny-glm4moe", "tiny-granitemoe",
                                  "tiny-deepseek2-v3", "tiny-deepseek2-lite"})
            QTest::newRow(qPrintable(QString("%1-f32").arg(shape)))
                << QString("%1-f32").arg(shape) << shape << "f32";
        QTest::newRow("tiny-gptoss-mxfp4moe-q") << "tiny-gptoss-mxfp4moe-q"
                                                << "tiny-gptoss"
                                                << "mxfp4_moe";
    }

    void matchesReference() {
        QFETCH(QString, file);
        QFETCH(QString, shape);
        QFETCH(QString, type);
        QJsonObject ref = loadReference(file);
        QVERIFY2(!ref.isEmpty(), qPrintable("cannot read reference " + file + ".json"));
        QJsonObject gguf = ref["gguf"].toObject();
        const int64_t nVocab =
            gguf["kv"].toObject()["tokenizer.ggml.tokens"].toObject()["length"].toInteger();
        QVERIFY(nVocab > 0);
        const SynthShape* s = findSynthShape(shape.toStdString());
        QVERIFY(s);
        auto fileType = parseSynthFileType(type.toStdString());
        QVERIFY(fileType);
        auto plan = planSynthTensors(*s, nVocab, *fileType);

        std::map<std::string, const SynthTensor*> byName;
        for (const SynthTensor& t : plan) byName[t.name] = &t;
        QJsonArray tensors = gguf["tensors"].toArray();
        QCOMPARE(plan.size(), size_t(tensors.size()));
        for (const QJsonValue& v : tensors) {
            QJsonObject t = v.toObject();
            const std::string name = t["name"].toString().toStdString();
            auto it = byName.find(name);
            QVERIFY2(it != byName.end(), name.c_str());
            const SynthTensor& mine = *it->second;
            QJsonArray ne = t["ne"].toArray();
            QCOMPARE(mine.nDims, uint32_t(ne.size()));
            for (int i = 0; i < ne.size(); ++i) QCOMPARE(mine.ne[size_t(i)], ne[i].toInteger());
            const std::string refType = t["type"].toString().toStdString();
            QVERIFY2(std::string(ggmlTypeTraits(mine.type).name) == refType,
                     (name + ": planned " + std::string(ggmlTypeTraits(mine.type).name) +
                      ", llama-quantize chose " + refType)
                         .c_str());
        }
        // And the F32 originals list the tensors in the same order as the plan.
        if (type == "f32")
            for (int i = 0; i < tensors.size(); ++i)
                QCOMPARE(plan[size_t(i)].name,
                         tensors[i].toObject()["name"].toString().toStdString());
    }

    void bigShapesHaveTheRightSize() {
        // granite-1b-a400m: 24 x (attention 1024x(1024+512+512) + 1024x1024, 32 experts x 3 x
        // 1024x512, router 1024x32, 2 norms) + embeddings and output 2 x 1024 x 50257 + norm.
        const SynthShape* g = findSynthShape("granite-1b-a400m");
        QVERIFY(g);
        int64_t total = 0;
        for (const SynthTensor& t : planSynthTensors(*g, 50257, SynthFileType::Q4_K_M))
            total += t.elementCount();
        const int64_t perLayer =
            1024LL * 2048 + 1024LL * 1024 + 32LL * 3 * 1024 * 512 + 1024 * 32 + 2 * 1024;
        QCOMPARE(total, 24 * perLayer + 2LL * 1024 * 50257 + 1024);
        // Q4_K_M on a 32-expert model: attn_k stays Q4_K; attn_v / ffn_down use Q6_K on the
        // "more bits" layers (0..2, 21..23, and every third from 5), Q4_K elsewhere.
        auto plan = planSynthTensors(*g, 50257, SynthFileType::Q4_K_M);
        auto typeOf = [&](const std::string& name) {
            for (const SynthTensor& t : plan)
                if (t.name == name) return t.type;
            return GgmlType::F32;
        };
        QCOMPARE(typeOf("blk.0.attn_k.weight"), GgmlType::Q4_K);
        QCOMPARE(typeOf("blk.0.attn_v.weight"), GgmlType::Q6_K);
        QCOMPARE(typeOf("blk.3.attn_v.weight"), GgmlType::Q4_K);
        QCOMPARE(typeOf("blk.5.ffn_down_exps.weight"), GgmlType::Q6_K);
        QCOMPARE(typeOf("blk.6.ffn_down_exps.weight"), GgmlType::Q4_K);
        QCOMPARE(typeOf("blk.23.ffn_down_exps.weight"), GgmlType::Q6_K);
        QCOMPARE(typeOf("blk.7.attn_output.weight"), GgmlType::Q4_K);
        QCOMPARE(typeOf("output.weight"), GgmlType::Q6_K);
        QCOMPARE(typeOf("token_embd.weight"), GgmlType::Q4_K);
        QCOMPARE(typeOf("blk.7.ffn_gate_inp.weight"), GgmlType::F32);

        const SynthShape* o = findSynthShape("olmoe-1b-7b");
        QVERIFY(o);
        auto olmoe = planSynthTensors(*o, 50304, SynthFileType::F16);
        bool sawQNorm = false;
        for (const SynthTensor& t : olmoe)
            if (t.name == "blk.0.attn_q_norm.weight") {
                sawQNorm = true;
                QCOMPARE(t.ne[0], int64_t(2048));
                QCOMPARE(t.type, GgmlType::F32);
            }
        QVERIFY(sawQNorm);
    }

    void qwen3MoeShapeHasQwen3_30bA3bsSize() {
        // 48 x (q and o 2048x4096, k and v 2048x512, per-head q/k norms, 2 norms, router
        // 2048x128, 128 experts x 3 x 2048x768) + embeddings and output 2 x 2048 x 151936 +
        // norm: Qwen3-30B-A3B's 30.5 B parameters.
        const SynthShape* q = findSynthShape("qwen3-30b-a3b");
        QVERIFY(q);
        int64_t total = 0;
        for (const SynthTensor& t : planSynthTensors(*q, 151936, SynthFileType::Q4_K_M))
            total += t.elementCount();
        const int64_t perLayer = 2 * 2048LL * 4096 + 2 * 2048LL * 512 + 2 * 128 + 2 * 2048 +
                                 2048LL * 128 + 128LL * 3 * 2048 * 768;
        QCOMPARE(total, 48 * perLayer + 2LL * 2048 * 151936 + 2048);
        QCOMPARE(total, int64_t(30532122624));
    }

    void fileTypeNames() {
        QCOMPARE(parseSynthFileType("q4_k_m"), std::optional(SynthFileType::Q4_K_M));
        QCOMPARE(parseSynthFileType("F16"), std::optional(SynthFileType::F16));
        QVERIFY(!parseSynthFileType("q5_k_s"));
        QCOMPARE(llamaFileTypeId(SynthFileType::Q4_K_M), 15u);
        QCOMPARE(llamaFileTypeId(SynthFileType::Q6_K), 18u);
        QCOMPARE(parseSynthFileType("mxfp4_moe"), std::optional(SynthFileType::MXFP4_MOE));
        QCOMPARE(parseSynthFileType("Q3_K_M"), std::optional(SynthFileType::Q3_K_M));
        QCOMPARE(llamaFileTypeId(SynthFileType::Q2_K), 10u);
        QCOMPARE(llamaFileTypeId(SynthFileType::Q3_K_M), 12u);
        QCOMPARE(llamaFileTypeId(SynthFileType::IQ4_NL), 25u);
        QCOMPARE(llamaFileTypeId(SynthFileType::IQ4_XS), 30u);
        QCOMPARE(llamaFileTypeId(SynthFileType::MXFP4_MOE), 38u);
    }

    // The rules the tiny reference files (8 experts, 2 layers) do not reach: a dense 32-layer
    // model with 4 query heads per KV head, as llama-quantize types it.
    void lowBitMixesOfADenseModel() {
        auto type = [](SynthFileType f, const char* name, int layer, int64_t rowLength = 4096) {
            return llamaQuantizeType(f, name, layer, 32, 0, false, rowLength, 4, 1);
        };
        using F = SynthFileType;
        QCOMPARE(type(F::Q2_K, "blk.3.attn_v.weight", 3), GgmlType::Q4_K);
        QCOMPARE(type(F::Q2_K, "blk.3.attn_output.weight", 3), GgmlType::Q3_K);
        QCOMPARE(type(F::Q2_K, "blk.3.ffn_down.weight", 3), GgmlType::Q3_K);
        QCOMPARE(type(F::Q2_K, "blk.3.ffn_up.weight", 3), GgmlType::Q2_K);
        QCOMPARE(type(F::Q3_K_M, "blk.1.attn_v.weight", 1), GgmlType::Q5_K);
        QCOMPARE(type(F::Q3_K_M, "blk.2.attn_v.weight", 2), GgmlType::Q4_K);
        QCOMPARE(type(F::Q3_K_M, "blk.1.ffn_down.weight", 1), GgmlType::Q5_K);
        QCOMPARE(type(F::Q3_K_M, "blk.2.ffn_down.weight", 2), GgmlType::Q4_K);
        QCOMPARE(type(F::Q3_K_M, "blk.2.attn_output.weight", 2), GgmlType::Q4_K);
        QCOMPARE(type(F::IQ4_XS, "blk.2.attn_v.weight", 2), GgmlType::Q5_K);
        QCOMPARE(type(F::IQ4_XS, "blk.3.ffn_down.weight", 3), GgmlType::Q5_K);
        QCOMPARE(type(F::IQ4_XS, "blk.4.ffn_down.weight", 4), GgmlType::IQ4_XS);
        QCOMPARE(type(F::IQ4_XS, "blk.4.attn_output.weight", 4), GgmlType::IQ4_XS);
        QCOMPARE(type(F::IQ4_XS, "output.weight", -1), GgmlType::Q6_K);
        QCOMPARE(type(F::MXFP4_MOE, "output.weight", -1), GgmlType::Q8_0);
        QCOMPARE(type(F::MXFP4_MOE, "blk.4.ffn_down.weight", 4), GgmlType::Q8_0);
        QCOMPARE(llamaQuantizeType(F::MXFP4_MOE, "blk.4.ffn_down_exps.weight", 4, 32, 8, false,
                                   4096, 4, 8),
                 GgmlType::MXFP4);
        // Rows that do not split into 256-blocks: llama-quantize falls back to IQ4_NL.
        QCOMPARE(type(F::Q2_K, "blk.4.ffn_up.weight", 4, 96), GgmlType::IQ4_NL);
        QCOMPARE(type(F::IQ4_XS, "blk.4.ffn_up.weight", 4, 96), GgmlType::IQ4_NL);
    }
};

QTEST_APPLESS_MAIN(SynthPlanTest)
#include "synth_plan_test.moc"
