// Q2_K, Q3_K, IQ4_NL, IQ4_XS and MXFP4 against llama.cpp's own files (reference-next):
//  * dequantizing every tensor of every llama-quantize output (and gguf-py's MXFP4 experts of
//    tiny-gptoss) gives values close to the F32 original, which pins the block layouts;
//  * our reference quantizers reproduce llama-quantize byte for byte for these types (ggml's
//    reference quantizers without an importance matrix are deterministic);
//  * the final matmul with our kernels, logits = output . h with llama.cpp's own h, reproduces
//    llama.cpp's logits of each of these files.

#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"
#include "tests/inference/isa_coverage.h"
#include "tests/inference/quant_test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <vector>

using namespace fabulist::inference;

namespace {

const char* const kQuantFiles[] = {"tiny-moe-q2_k", "tiny-moe-q3_k_m", "tiny-moe-iq4_nl",
                                   "tiny-moe-iq4_xs", "tiny-moe-mxfp4_moe"};

QString nextDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR");
}

std::string nextModel(const QString& name) {
    return (nextDir() + "/models/" + name + ".gguf").toStdString();
}

std::string tinyMoeF32() {
    return (qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/tiny-moe-f32.gguf")
        .toStdString();
}

bool isNewType(GgmlType t) {
    return t == GgmlType::Q2_K || t == GgmlType::Q3_K || t == GgmlType::IQ4_NL ||
           t == GgmlType::IQ4_XS || t == GgmlType::MXFP4;
}

using fabulist::test::dequantizeTensor;
using fabulist::test::relativeRmsError;

// ~1.3x the errors these files show (Q2_K 0.296, Q3_K 0.151, IQ4_NL/IQ4_XS 0.077, MXFP4
// 0.115); a wrong layout (nibble order, scale packing, sign) is off by far more.
double errorBound(GgmlType t) {
    switch (t) {
    case GgmlType::F32:
        return 0.0;
    case GgmlType::Q8_0:
        return 0.01;
    case GgmlType::Q6_K:
        return 0.03;
    case GgmlType::Q5_K:
        return 0.06;
    case GgmlType::Q4_K:
        return 0.12;
    case GgmlType::IQ4_NL:
    case GgmlType::IQ4_XS:
        return 0.10;
    case GgmlType::MXFP4:
        return 0.15;
    case GgmlType::Q3_K:
        return 0.20;
    case GgmlType::Q2_K:
        return 0.38;
    default:
        return 0.0;
    }
}

} // namespace

class QuantLowbitReferenceTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void dequantizedCloseToOriginal_data();
    void dequantizedCloseToOriginal();
    void quantizersMatchLlamaQuantize_data();
    void quantizersMatchLlamaQuantize();
    void finalMatmulMatchesLlamaLogits_data();
    void finalMatmulMatchesLlamaLogits();
};

void QuantLowbitReferenceTest::initTestCase() {
    if (!QDir(nextDir() + "/models").exists())
        QFAIL(qPrintable("reference-next models missing: '" + nextDir() +
                         "/models' does not exist; set FABULIST_REFERENCE_NEXT_DIR"));
    if (!QFile::exists(QString::fromStdString(tinyMoeF32())))
        QFAIL("tiny-moe-f32.gguf missing; set FABULIST_REFERENCE_DIR");
}

void QuantLowbitReferenceTest::dequantizedCloseToOriginal_data() {
    QTest::addColumn<QString>("quantized");
    QTest::addColumn<QString>("original");
    for (const char* q : kQuantFiles)
        QTest::newRow(q) << QString::fromStdString(nextModel(q))
                         << QString::fromStdString(tinyMoeF32());
    QTest::newRow("tiny-gptoss-mxfp4") << QString::fromStdString(nextModel("tiny-gptoss-mxfp4"))
                                       << QString::fromStdString(nextModel("tiny-gptoss-f32"));
}

void QuantLowbitReferenceTest::dequantizedCloseToOriginal() {
    QFETCH(QString, quantized);
    QFETCH(QString, original);
    auto q = GgufFile::open(quantized.toStdString());
    auto f = GgufFile::open(original.toStdString());
    QCOMPARE(q->tensors().size(), f->tensors().size());
    int newTypeTensors = 0;
    for (const GgufTensorInfo& t : q->tensors()) {
        const GgufTensorInfo& o = f->tensor(t.name);
        QCOMPARE(o.type, GgmlType::F32);
        QVERIFY(o.ne == t.ne);
        const std::vector<float> ref(reinterpret_cast<const float*>(o.data),
                                     reinterpret_cast<const float*>(o.data) + o.elementCount());
        const double e = relativeRmsError(ref, dequantizeTensor(t));
        if (qEnvironmentVariableIsSet("FABULIST_TEST_VERBOSE"))
            qInfo("%s %s: %.4f", t.name.c_str(), ggmlTypeTraits(t.type).name.data(), e);
        QVERIFY2(e <= errorBound(t.type),
                 qPrintable(QString("%1 (%2): relative RMS error %3")
                                .arg(t.name.c_str(), ggmlTypeTraits(t.type).name.data())
                                .arg(e)));
        newTypeTensors += isNewType(t.type);
    }
    QVERIFY(newTypeTensors >= 6); // 2 layers x gate/up/(down) (+ attn_q, token_embd)
}

void QuantLowbitReferenceTest::quantizersMatchLlamaQuantize_data() {
    QTest::addColumn<QString>("quantized");
    for (const char* q : kQuantFiles) QTest::newRow(q) << QString(q);
}

// Every tensor of a new type (and Q8_0, the known-exact reference) quantized from the F32
// original must equal llama-quantize's bytes.
void QuantLowbitReferenceTest::quantizersMatchLlamaQuantize() {
    QFETCH(QString, quantized);
    auto q = GgufFile::open(nextModel(quantized));
    auto f = GgufFile::open(tinyMoeF32());
    int compared = 0;
    for (const GgufTensorInfo& t : q->tensors()) {
        if (!isNewType(t.type) && t.type != GgmlType::Q8_0) continue;
        const GgufTensorInfo& o = f->tensor(t.name);
        const size_t rowBytes = ggmlRowBytes(t.type, t.ne[0]);
        std::vector<uint8_t> mine(t.nbytes);
        for (int64_t r = 0; r < t.rowCount(); ++r)
            quantizeRow(t.type, reinterpret_cast<const float*>(o.data) + r * t.ne[0],
                        mine.data() + r * rowBytes, t.ne[0]);
        size_t firstDiff = 0;
        while (firstDiff < t.nbytes && mine[firstDiff] == t.data[firstDiff]) ++firstDiff;
        QVERIFY2(firstDiff == t.nbytes,
                 qPrintable(QString("%1: %2 (%3) differs from llama-quantize at byte %4 (block "
                                    "%5, byte %6 in it)")
                                .arg(quantized, t.name.c_str(), ggmlTypeTraits(t.type).name.data())
                                .arg(firstDiff)
                                .arg(firstDiff / ggmlTypeTraits(t.type).blockBytes)
                                .arg(firstDiff % ggmlTypeTraits(t.type).blockBytes)));
        compared += isNewType(t.type);
    }
    QVERIFY(compared >= 4);
}

void QuantLowbitReferenceTest::finalMatmulMatchesLlamaLogits_data() {
    QTest::addColumn<QString>("model");
    for (const char* q : kQuantFiles) QTest::newRow(q) << QString(q);
}

void QuantLowbitReferenceTest::finalMatmulMatchesLlamaLogits() {
    QFETCH(QString, model);
    QFile jf(nextDir() + "/" + model + ".json");
    QVERIFY(jf.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(jf.readAll()).object();
    auto file = GgufFile::open(nextModel(model));
    const GgufTensorInfo& out = file->tensor("output.weight");
    const int64_t nEmbd = out.ne[0], nVocab = out.ne[1];
    const size_t rowBytes = ggmlRowBytes(out.type, nEmbd);
    std::vector<uint8_t> act(activationBytes(out.type, nEmbd));
    const QJsonArray cases = json["logits_last_position"].toArray();
    QCOMPARE(cases.size(), 3);
    for (QuantIsa isa : {QuantIsa::Scalar, QuantIsa::Avx2, QuantIsa::Avx512}) {
        const QuantKernels* k = quantKernelsFor(out.type, isa);
        if (!k) continue;
        for (const QJsonValue& cv : cases) {
            const QJsonObject c = cv.toObject();
            const QJsonArray hJson = c["last_hidden_after_output_norm"].toArray();
            const QJsonArray logits = c["logits"].toArray();
            QCOMPARE(hJson.size(), nEmbd);
            QCOMPARE(logits.size(), nVocab);
            std::vector<float> h(static_cast<size_t>(nEmbd));
            for (int64_t i = 0; i < nEmbd; ++i) h[i] = float(hJson[i].toDouble());
            k->quantizeActivations(h.data(), act.data(), nEmbd);
            double maxDiff = 0;
            for (int64_t v = 0; v < nVocab; ++v) {
                const float got = k->vecDot(out.data + v * rowBytes, act.data(), nEmbd);
                maxDiff = std::max(maxDiff, std::fabs(double(got) - logits[v].toDouble()));
            }
            qInfo("%s %s (%s, %s): max |logit - llama.cpp| = %.3g", qPrintable(model),
                  qPrintable(c["name"].toString()), ggmlTypeTraits(out.type).name.data(), k->isa,
                  maxDiff);
            QVERIFY2(maxDiff <= 2e-5,
                     qPrintable(QString("%1: max diff %2").arg(k->isa).arg(maxDiff)));
        }
    }
    SKIP_UNTESTED_ISAS();
}

QTEST_GUILESS_MAIN(QuantLowbitReferenceTest)
#include "quant_lowbit_reference_test.moc"
