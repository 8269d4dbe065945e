// Diversity-head adapter files: SHA-256 against published vectors and Qt's independent
// implementation, the model identity of real reference models, a write/read round trip, and
// refusal of adapters made for another model or malformed.

#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"
#include "inference/heads/head_adapter.h"
#include "inference/heads/sha256.h"

#include <QCryptographicHash>
#include <QTemporaryDir>
#include <QtTest>
#include <random>

using namespace fabulist::inference;

namespace {

QString modelPath(const QString& name) {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/" + name;
}

std::unique_ptr<GgufFile> openModel(const QString& name) {
    return GgufFile::open(modelPath(name).toStdString());
}

std::string qtSha256(const void* data, size_t n) {
    return QCryptographicHash::hash(QByteArrayView(static_cast<const char*>(data), qsizetype(n)),
                                    QCryptographicHash::Sha256)
        .toHex()
        .toStdString();
}

HeadAdapter randomAdapter(const HeadAdapterBase& base, int rank, uint32_t seed) {
    HeadAdapter h(base, rank);
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 0.1f);
    for (float& x : h.a()) x = n(rng);
    for (float& x : h.bMatrix()) x = n(rng);
    for (float& x : h.bias()) x = n(rng);
    HeadTrainingInfo& t = h.training();
    t.gamma = 0.5;
    t.learningRate = 1e-3;
    t.batchSize = 64;
    t.corpusSha256 = std::string(64, 'c');
    t.corpusTokens = 12345;
    t.steps = 77;
    t.seed = 9;
    t.date = "2026-11-28T18:00:00Z";
    t.trainLoss = 3.25;
    t.heldOutLossBefore = 4.5;
    t.heldOutLossAfter = 4.25;
    t.bestStep = 60;
    return h;
}

void expectThrowContaining(const std::function<void()>& f, const std::vector<std::string>& parts) {
    try {
        f();
    } catch (const HeadAdapterError& e) {
        const std::string msg = e.what();
        for (const std::string& p : parts)
            QVERIFY2(msg.find(p) != std::string::npos,
                     qPrintable(QString::fromStdString("'" + p + "' not in: " + msg)));
        return;
    }
    QFAIL("no HeadAdapterError thrown");
}

} // namespace

class HeadsAdapterTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!QFile::exists(modelPath("tiny-moe-f32.gguf")))
            QFAIL("reference models not found: set FABULIST_REFERENCE_DIR to shared/reference");
    }

    void sha256KnownVectors() {
        QCOMPARE(Sha256::hex("", 0),
                 std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(Sha256::hex("abc", 3),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        QCOMPARE(Sha256::hex(two.data(), two.size()),
                 std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        // One million 'a' fed in uneven pieces (exercises the partial-block buffering).
        Sha256 h;
        const std::string chunk(997, 'a');
        size_t left = 1000000;
        while (left > 0) {
            const size_t n = std::min(left, chunk.size());
            h.update(chunk.data(), n);
            left -= n;
        }
        QCOMPARE(Sha256::toHex(h.finish()),
                 std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void sha256MatchesQtForEveryLength() {
        // Both the plain path and (where the CPU has them) the SHA-extension path, whole and
        // fed in uneven pieces.
        qInfo("SHA extensions available: %s", Sha256::accelerationAvailable() ? "yes" : "no");
        std::vector<uint8_t> bytes(1000);
        for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i * 37 + 11 + (i >> 8));
        for (bool accelerated : {false, true}) {
            for (size_t n = 0; n <= bytes.size(); n += (n < 300 ? 1 : 37)) {
                const std::string expected = qtSha256(bytes.data(), n);
                Sha256 whole(accelerated);
                whole.update(bytes.data(), n);
                QCOMPARE(Sha256::toHex(whole.finish()), expected);
                Sha256 pieces(accelerated);
                for (size_t at = 0, step = 1; at < n; at += step, step = step * 3 % 190 + 1)
                    pieces.update(bytes.data() + at, std::min(step, n - at));
                QCOMPARE(Sha256::toHex(pieces.finish()), expected);
            }
            Sha256 abc(accelerated);
            abc.update("abc", 3);
            QCOMPARE(
                Sha256::toHex(abc.finish()),
                std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        }
    }

    void modelIdentity() {
        auto moe = openModel("tiny-moe-f32.gguf");
        const HeadAdapterBase b = HeadAdapterBase::fromModel(*moe);
        QCOMPARE(b.architecture, std::string("llama"));
        const GgufTensorInfo* out = moe->findTensor(b.outputTensor);
        QVERIFY(out);
        QCOMPARE(b.nEmbd, moe->getInt("llama.embedding_length"));
        QCOMPARE(b.nVocab, int64_t(4096));
        QCOMPARE(b.outputSha256, qtSha256(out->data, size_t(out->nbytes)));

        // tiny-dense ties its output to the token embedding.
        auto dense = openModel("tiny-dense-f32.gguf");
        const HeadAdapterBase d = HeadAdapterBase::fromModel(*dense);
        QCOMPARE(d.outputTensor, std::string("token_embd.weight"));
        const GgufTensorInfo& emb = dense->tensor("token_embd.weight");
        QCOMPARE(d.outputSha256, qtSha256(emb.data, size_t(emb.nbytes)));
    }

    void roundTrip() {
        auto moe = openModel("tiny-moe-f32.gguf");
        const HeadAdapter h = randomAdapter(HeadAdapterBase::fromModel(*moe), 8, 1);
        QTemporaryDir dir;
        const std::string path = dir.filePath("head.gguf").toStdString();
        h.write(path);

        // The file itself has the documented layout.
        auto f = GgufFile::open(path);
        QCOMPARE(f->getString("general.type"), std::string("adapter"));
        QCOMPARE(f->getString("fabulist.adapter.kind"), std::string("diversity-head"));
        QCOMPARE(f->tensor("diversity.A").ne[0], int64_t(h.nEmbd()));
        QCOMPARE(f->tensor("diversity.A").ne[1], int64_t(8));
        QCOMPARE(f->tensor("diversity.B").ne[0], int64_t(8));
        QCOMPARE(f->tensor("diversity.B").ne[1], int64_t(4096));
        QCOMPARE(f->tensor("diversity.b").ne[0], int64_t(4096));

        const HeadAdapter r = HeadAdapter::load(path, *moe);
        QCOMPARE(r.rank(), 8);
        QCOMPARE(r.a(), h.a());
        QCOMPARE(r.bMatrix(), h.bMatrix());
        QCOMPARE(r.bias(), h.bias());
        QCOMPARE(r.base().outputSha256, h.base().outputSha256);
        const HeadTrainingInfo &a = h.training(), &b = r.training();
        QCOMPARE(b.objective, a.objective);
        QCOMPARE(b.gamma, a.gamma);
        QCOMPARE(b.learningRate, a.learningRate);
        QCOMPARE(b.batchSize, a.batchSize);
        QCOMPARE(b.corpusSha256, a.corpusSha256);
        QCOMPARE(b.corpusTokens, a.corpusTokens);
        QCOMPARE(b.steps, a.steps);
        QCOMPARE(b.seed, a.seed);
        QCOMPARE(b.date, a.date);
        QCOMPARE(b.heldOutLossAfter, a.heldOutLossAfter);
        QCOMPARE(b.bestStep, a.bestStep);
        QCOMPARE(b.trainLoss, a.trainLoss);
        QCOMPARE(b.heldOutLossBefore, a.heldOutLossBefore);
    }

    void f16TensorsAreRead() {
        auto moe = openModel("tiny-moe-f32.gguf");
        const HeadAdapterBase base = HeadAdapterBase::fromModel(*moe);
        const HeadAdapter h = randomAdapter(base, 4, 2);
        GgufWriter w;
        w.setString("general.type", "adapter");
        w.setString("fabulist.adapter.kind", "diversity-head");
        w.setString("fabulist.adapter.base.architecture", base.architecture);
        w.setU64("fabulist.adapter.base.n_embd", uint64_t(base.nEmbd));
        w.setU64("fabulist.adapter.base.n_vocab", uint64_t(base.nVocab));
        w.setString("fabulist.adapter.base.output_sha256", base.outputSha256);
        w.setU32("fabulist.adapter.rank", 4);
        w.addTensorFromFloats("diversity.A", GgmlType::F16, {base.nEmbd, 4}, h.a().data());
        w.addTensorFromFloats("diversity.B", GgmlType::F16, {4, base.nVocab}, h.bMatrix().data());
        w.addTensorFromFloats("diversity.b", GgmlType::F16, {base.nVocab}, h.bias().data());
        QTemporaryDir dir;
        const std::string path = dir.filePath("f16.gguf").toStdString();
        w.write(path);
        const HeadAdapter r = HeadAdapter::load(path, *moe);
        for (size_t i = 0; i < h.a().size(); ++i)
            QVERIFY(std::abs(r.a()[i] - h.a()[i]) <= 1e-3f * std::abs(h.a()[i]) + 1e-7f);
    }

    void adapterForAnotherModelIsRefused() {
        auto moe = openModel("tiny-moe-f32.gguf");
        auto qwen = openModel("tiny-qwen3moe-f32.gguf");
        QTemporaryDir dir;
        const std::string path = dir.filePath("moe-head.gguf").toStdString();
        randomAdapter(HeadAdapterBase::fromModel(*moe), 4, 3).write(path);
        // (Both reference models draw output.weight from the same seeded stream, so their output
        // heads are byte-identical: the architecture is what differs.)
        expectThrowContaining(
            [&] { HeadAdapter::load(path, *qwen); },
            {path, qwen->path(), "architecture llama (adapter) vs qwen3moe", "train-head"});
        // Same architecture and shapes, different weights (a quantized copy): only the hash
        // tells them apart, and it must.
        auto q8 = openModel("tiny-moe-q8_0.gguf");
        expectThrowContaining([&] { HeadAdapter::load(path, *q8); },
                              {path, q8->path(), "output head SHA-256"});
    }

    void malformedAdaptersAreRefused() {
        auto moe = openModel("tiny-moe-f32.gguf");
        const HeadAdapterBase base = HeadAdapterBase::fromModel(*moe);
        QTemporaryDir dir;
        // A model is not an adapter.
        expectThrowContaining([&] { HeadAdapter::load(moe->path(), *moe); },
                              {moe->path(), "not a diversity-head adapter"});
        // A wrong tensor shape.
        GgufWriter w;
        w.setString("general.type", "adapter");
        w.setString("fabulist.adapter.kind", "diversity-head");
        w.setString("fabulist.adapter.base.architecture", base.architecture);
        w.setU64("fabulist.adapter.base.n_embd", uint64_t(base.nEmbd));
        w.setU64("fabulist.adapter.base.n_vocab", uint64_t(base.nVocab));
        w.setString("fabulist.adapter.base.output_sha256", base.outputSha256);
        w.setU32("fabulist.adapter.rank", 4);
        std::vector<float> zeros(size_t(base.nVocab) * 8, 0.0f);
        w.addTensor("diversity.A", GgmlType::F32, {base.nEmbd, 3}, zeros.data(),
                    size_t(base.nEmbd) * 3 * 4);
        w.addTensor("diversity.B", GgmlType::F32, {4, base.nVocab}, zeros.data(),
                    size_t(base.nVocab) * 4 * 4);
        w.addTensor("diversity.b", GgmlType::F32, {base.nVocab}, zeros.data(),
                    size_t(base.nVocab) * 4);
        const std::string bad = dir.filePath("bad.gguf").toStdString();
        w.write(bad);
        expectThrowContaining([&] { HeadAdapter::load(bad, *moe); }, {bad, "diversity.A"});
        // A non-finite value.
        HeadAdapter h(base, 2);
        h.bias()[17] = std::numeric_limits<float>::quiet_NaN();
        const std::string nan = dir.filePath("nan.gguf").toStdString();
        h.write(nan);
        expectThrowContaining([&] { HeadAdapter::load(nan, *moe); },
                              {nan, "diversity.b", "non-finite"});
    }
};

QTEST_GUILESS_MAIN(HeadsAdapterTest)
#include "heads_adapter_test.moc"
