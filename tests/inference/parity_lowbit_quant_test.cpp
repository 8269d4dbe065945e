// The engine on llama-quantize's Q2_K, Q3_K_M, IQ4_NL, IQ4_XS and MXFP4_MOE files of tiny-moe
// (reference-next) against llama.cpp's run of the same files: the last prompt position's
// logits, and teacher-forced (prompt + llama.cpp's greedy ids, all logits in one evaluation)
// the top-10 logits of every step, with the same argmax wherever llama.cpp's top-1 gap leaves
// room for rounding differences.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "tests/inference/reference_json.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <cmath>

using namespace fabulist::inference;
using fabulist::test::argmax;
using fabulist::test::floats;
using fabulist::test::ids;
using fabulist::test::maxAbsDiff;

namespace {

QString nextDir() {
    return fabulist::test::referenceNextDir();
}

QJsonObject readJson(const QString& name) {
    return fabulist::test::readReferenceJson(nextDir(), name);
}

std::unique_ptr<Engine> loadEngine(const QString& name) {
    EngineOptions o;
    o.modelPath = (nextDir() + "/models/" + name + ".gguf").toStdString();
    o.threads = 1;
    o.kvCacheType = GgmlType::F32;
    return Engine::load(o);
}

// Our activation rounding is ggml's, so most steps agree to ~1e-5; where one activation rounds
// the other way (summation order) a step moves by up to 0.16 (seen); the logits have a std of ~4.
constexpr float kLogitTol = 0.3f;
// Below this top-1 gap llama.cpp's own argmax is within rounding noise.
constexpr float kClearGap = 0.01f;

} // namespace

class ParityLowbitQuantTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        if (!QDir(nextDir() + "/models").exists())
            QFAIL(qPrintable("reference-next models missing: '" + nextDir() +
                             "/models'; set FABULIST_REFERENCE_NEXT_DIR"));
    }

    void model_data() {
        QTest::addColumn<QString>("name");
        for (const char* m : {"tiny-moe-q2_k", "tiny-moe-q3_k_m", "tiny-moe-iq4_nl",
                              "tiny-moe-iq4_xs", "tiny-moe-mxfp4_moe"})
            QTest::newRow(m) << QString(m);
    }

    void model() {
        QFETCH(QString, name);
        const QJsonObject json = readJson(name);
        QVERIFY2(!json.isEmpty(), qPrintable("cannot read " + name + ".json"));
        auto engine = loadEngine(name);
        auto session = engine->createSession();

        for (const auto& c : json["logits_last_position"].toArray()) {
            const auto o = c.toObject();
            const auto want = floats(o["logits"]);
            session->clear();
            session->evaluate(ids(o["prompt_ids"]));
            const auto got = session->logits();
            QCOMPARE(got.size(), want.size());
            const float d = maxAbsDiff(got, want);
            qInfo("%s %s: last position max |dlogit| %.3g", qPrintable(name),
                  qPrintable(o["name"].toString()), d);
            QVERIFY2(d <= kLogitTol, qPrintable(o["name"].toString() + ": " + QString::number(d)));
            QCOMPARE(argmax(got), argmax(std::span<const float>(want)));
        }

        for (const auto& g : json["greedy"].toArray()) {
            const auto o = g.toObject();
            auto seq = ids(o["prompt_ids"]);
            const size_t promptLen = seq.size();
            const auto cont = ids(o["ids"]);
            seq.insert(seq.end(), cont.begin(), cont.end());
            session->clear();
            session->evaluate(seq, true);
            const auto steps = o["helper_kv_f32"].toObject()["top10_per_step"].toArray();
            QCOMPARE(size_t(steps.size()), cont.size());
            float worst = 0.f;
            int outliers = 0, flips = 0, worstRank = 0, checkedArgmax = 0;
            for (int s = 0; s < steps.size(); ++s) {
                const auto st = steps[s].toObject();
                const auto topIds = ids(st["ids"]);
                const auto topLogits = floats(st["logits"]);
                const auto l = session->logitsAt(int(promptLen) - 1 + s);
                float stepWorst = 0.f;
                for (size_t i = 0; i < topIds.size(); ++i)
                    stepWorst = std::max(stepWorst, std::abs(l[size_t(topIds[i])] - topLogits[i]));
                worst = std::max(worst, stepWorst);
                outliers += stepWorst > kLogitTol;
                if (topLogits[0] - topLogits[1] > kClearGap) {
                    flips += argmax(l) != topIds[0];
                    ++checkedArgmax;
                }
                int rank = 0;
                for (float v : l) rank += v > l[size_t(topIds[0])];
                worstRank = std::max(worstRank, rank);
            }
            qInfo("%s %s: teacher-forced top-10 max |dlogit| %.3g over %d steps, %d beyond %.2g, "
                  "%d of %d clear argmaxes differ, llama.cpp's token at worst rank %d",
                  qPrintable(name), qPrintable(o["name"].toString()), worst, int(steps.size()),
                  outliers, double(kLogitTol), flips, checkedArgmax, worstRank);
            // As parity_reference_test: one step of 32 may flip a rounding decision of the
            // activation quantization (and with it an expert choice); never more.
            QVERIFY2(outliers <= 1 && flips <= 1,
                     qPrintable(o["name"].toString() + ": " + QString::number(outliers) +
                                " steps beyond tolerance, " + QString::number(flips) +
                                " argmax flips"));
            QVERIFY2(worst <= 2.f,
                     qPrintable(o["name"].toString() + ": top-10 diff " + QString::number(worst)));
            QVERIFY2(worstRank <= 2, qPrintable(o["name"].toString() + ": llama.cpp's token rank " +
                                                QString::number(worstRank)));
        }
    }
};

QTEST_GUILESS_MAIN(ParityLowbitQuantTest)
#include "parity_lowbit_quant_test.moc"
