// Session::hiddenStateAt(i), which the head trainer needs for every position: each row is the
// final-norm hidden state whose product with the model's output matrix gives logitsAt(i)
// (checked in double against the F32 output.weight of tiny-moe-f32), and the last row is
// hiddenState().

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/gguf/gguf_file.h"

#include <QtTest>
#include <cstring>

using namespace fabulist::inference;

namespace {

QString modelPath(const QString& name) {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/" + name;
}

std::vector<int32_t> sequence(int n) {
    std::vector<int32_t> v;
    uint32_t x = 12345;
    for (int i = 0; i < n; ++i) {
        x = x * 1664525u + 1013904223u;
        v.push_back(int32_t((x >> 8) % 4000));
    }
    return v;
}

} // namespace

class HeadsHiddenStateTest : public QObject {
    Q_OBJECT

private slots:
    void everyPositionsHiddenStateGivesItsLogits() {
        if (!QFile::exists(modelPath("tiny-moe-f32.gguf")))
            QFAIL("reference models not found: set FABULIST_REFERENCE_DIR to shared/reference");
        EngineOptions o;
        o.modelPath = modelPath("tiny-moe-f32.gguf").toStdString();
        o.threads = 2;
        o.contextLength = 128;
        o.batchSize = 16; // several batches, so rows from every batch are checked
        o.kvCacheType = GgmlType::F32;
        auto engine = Engine::load(o);
        const GgufTensorInfo& out = engine->file().tensor("output.weight");
        QCOMPARE(out.type, GgmlType::F32);
        const int d = int(out.ne[0]), v = int(out.ne[1]);
        std::vector<float> w(size_t(d) * size_t(v));
        std::memcpy(w.data(), out.data, w.size() * 4);

        auto session = engine->createSession();
        const std::vector<int32_t> ids = sequence(40);
        session->evaluate(ids, true);
        QCOMPARE(session->logitsCount(), 40);
        for (int i = 0; i < 40; ++i) {
            const std::span<const float> h = session->hiddenStateAt(i);
            const std::span<const float> z = session->logitsAt(i);
            QCOMPARE(int(h.size()), d);
            double maxErr = 0.0, maxAbs = 0.0;
            for (int r = 0; r < v; ++r) {
                double s = 0.0;
                for (int k = 0; k < d; ++k) s += double(w[size_t(r) * d + k]) * h[size_t(k)];
                maxErr = std::max(maxErr, std::abs(s - z[size_t(r)]));
                maxAbs = std::max(maxAbs, std::abs(s));
            }
            QVERIFY2(maxErr < 1e-4 * (1.0 + maxAbs),
                     qPrintable(QString("position %1: %2").arg(i).arg(maxErr)));
        }
        const auto last = session->hiddenStateAt(39);
        QCOMPARE(std::vector<float>(session->hiddenState().begin(), session->hiddenState().end()),
                 std::vector<float>(last.begin(), last.end()));
        QVERIFY(session->hiddenStateAt(40).empty());
        QVERIFY(session->hiddenStateAt(-1).empty());

        // A decode step afterwards: hiddenState() is the new position's; only one row remains.
        session->appendToken(7);
        QCOMPARE(session->logitsCount(), 1);
        QCOMPARE(int(session->hiddenState().size()), d);
        const auto h = session->hiddenState();
        double maxErr = 0.0;
        for (int r = 0; r < v; ++r) {
            double s = 0.0;
            for (int k = 0; k < d; ++k) s += double(w[size_t(r) * d + k]) * h[size_t(k)];
            maxErr = std::max(maxErr, std::abs(s - session->logits()[size_t(r)]));
        }
        QVERIFY(maxErr < 1e-3);
    }
};

QTEST_GUILESS_MAIN(HeadsHiddenStateTest)
#include "heads_hidden_state_test.moc"
