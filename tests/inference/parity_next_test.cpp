// The newer architectures against llama.cpp (../shared/reference-next,
// FABULIST_REFERENCE_NEXT_DIR): per model, the last-position logits and final hidden state (F32
// cache), the greedy continuations with F32 and F16 caches, and teacher-forced top-10 logits at
// every step. The README there: F32 models agree to about 1e-4; where llama.cpp's own top-1 gap is
// tiny, free running may part at a near-tie, so greedy ids are compared up to the first step whose
// reference gap is below kNearTie and every step is checked teacher-forced.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "tests/inference/reference_json.h"

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

constexpr float kNearTie = 2e-3f;

QString nextDir() {
    return fabulist::test::referenceNextDir();
}

QJsonObject reference(const QString& name) {
    return fabulist::test::readReferenceJson(nextDir(), name);
}

// The reference's model (its model_file), with the experts-used override the run had.
std::unique_ptr<Engine> load(const QJsonObject& ref, GgmlType kv, int expertsUsed) {
    EngineOptions o;
    o.modelPath = (nextDir() + "/" + ref["model_file"].toString()).toStdString();
    o.threads = 2;
    o.contextLength = 256;
    o.kvCacheType = kv;
    o.expertsUsed = expertsUsed;
    return Engine::load(o);
}

// The top-1 gap of llama.cpp's distribution at each step (from its top-10 logits).
std::vector<float> referenceGaps(const QJsonArray& steps) {
    std::vector<float> gaps;
    for (const auto& s : steps) {
        const auto l = floats(s.toObject()["logits"]);
        gaps.push_back(l.size() > 1 ? l[0] - l[1] : 1e9f);
    }
    return gaps;
}

} // namespace

class ParityNextTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (nextDir().isEmpty() || !QFile::exists(nextDir() + "/README.md"))
            QFAIL(qPrintable("reference-next not found: FABULIST_REFERENCE_NEXT_DIR is '" +
                             nextDir() + "'"));
    }

    void model_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<float>("logitTol");
        QTest::addColumn<int>("expertsUsed");
        for (const char* n : {"tiny-granitemoe-f32", "tiny-glm4moe-f32", "tiny-gptoss-f32",
                              "tiny-deepseek2-lite-f32", "tiny-deepseek2-v3-f32"})
            QTest::newRow(n) << QString(n) << 1e-4f << 0;
        // The same DeepSeek-V3-style model with one routed expert (llama.cpp's --override-kv
        // deepseek2.expert_used_count=int:1).
        QTest::newRow("tiny-deepseek2-v3-f32.top1-override")
            << QString("tiny-deepseek2-v3-f32.top1-override") << 1e-4f << 1;
        // Gemma 3 agrees less closely (measured: up to 6.4e-4 at the last position, 2.1e-3
        // teacher-forced; greedy identical): its GeGLU looks GELU up through fp16 as ggml does,
        // so a last-bit difference in a matmul sum can move an input to the neighbouring fp16
        // value, a step of ~5e-4 relative, which six layers and post-norms carry on.
        QTest::newRow("tiny-gemma3-f32") << QString("tiny-gemma3-f32") << 2e-3f << 0;
    }

    void model() {
        QFETCH(QString, name);
        QFETCH(float, logitTol);
        QFETCH(int, expertsUsed);
        const QJsonObject ref = reference(name);
        QVERIFY2(!ref.isEmpty(), qPrintable("cannot read " + name + ".json"));
        auto engine = load(ref, GgmlType::F32, expertsUsed);
        auto session = engine->createSession();
        for (const auto& c : ref["logits_last_position"].toArray()) {
            const auto o = c.toObject();
            session->evaluate(ids(o["prompt_ids"]));
            const float d = maxAbsDiff(session->logits(), floats(o["logits"]));
            const float dh =
                maxAbsDiff(session->hiddenState(), floats(o["last_hidden_after_output_norm"]));
            qInfo("%s %s: max |dlogit| %.3g, max |dhidden| %.3g", qPrintable(name),
                  qPrintable(o["name"].toString()), d, dh);
            QVERIFY2(d <= logitTol, qPrintable(o["name"].toString() + ": " + QString::number(d)));
            QVERIFY2(dh <= logitTol / 5, qPrintable("hidden " + QString::number(dh)));
        }
        for (GgmlType kv : {GgmlType::F32, GgmlType::F16}) {
            auto e = load(ref, kv, expertsUsed);
            auto s = e->createSession();
            const bool f32 = kv == GgmlType::F32;
            for (const auto& g : ref["greedy"].toArray()) {
                const auto o = g.toObject();
                const auto prompt = ids(o["prompt_ids"]);
                const auto want = ids(o[f32 ? "ids" : "ids_kv_f16"]);
                const auto steps = o[f32 ? "helper_kv_f32" : "helper_kv_f16"]
                                       .toObject()["top10_per_step"]
                                       .toArray();
                const auto gaps = referenceGaps(steps);
                // Free-running greedy up to the first near-tie of the reference.
                s->evaluate(prompt);
                size_t agreed = 0;
                for (; agreed < want.size(); ++agreed) {
                    const int got = argmax(s->logits());
                    if (gaps[agreed] < kNearTie) break;
                    QVERIFY2(got == want[agreed],
                             qPrintable(QString("%1 %2 kv %3: step %4 gives %5, llama.cpp %6")
                                            .arg(name, o["name"].toString(), f32 ? "f32" : "f16")
                                            .arg(agreed)
                                            .arg(got)
                                            .arg(want[agreed])));
                    if (agreed + 1 < want.size()) s->appendToken(want[agreed]);
                }
                // Teacher-forced: every step's top-10 logits.
                std::vector<int32_t> seq = prompt;
                seq.insert(seq.end(), want.begin(), want.end());
                s->clear();
                s->evaluate(seq, true);
                float worst = 0.0f;
                for (int st = 0; st < steps.size(); ++st) {
                    const auto top = steps[st].toObject();
                    const auto topIds = ids(top["ids"]);
                    const auto topLogits = floats(top["logits"]);
                    const auto l = s->logitsAt(int(prompt.size()) - 1 + st);
                    for (size_t i = 0; i < topIds.size(); ++i)
                        worst = std::max(worst, std::abs(l[size_t(topIds[i])] - topLogits[i]));
                }
                qInfo("%s %s kv %s: greedy agreed %zu/%zu before a near-tie, teacher-forced "
                      "max |dlogit| %.3g",
                      qPrintable(name), qPrintable(o["name"].toString()), f32 ? "f32" : "f16",
                      agreed, want.size(), worst);
                // An F16 cache rounds K/V like llama.cpp's but the products still differ a bit.
                QVERIFY2(worst <= (f32 ? 10 * logitTol : 0.05f),
                         qPrintable("teacher-forced " + QString::number(worst)));
            }
        }
    }
};

QTEST_GUILESS_MAIN(ParityNextTest)
#include "parity_next_test.moc"
