// Compares the engine with llama.cpp on every reference model in $FABULIST_REFERENCE_DIR:
// last-position logits and final hidden state, greedy continuations (exact on F32 models),
// teacher-forced top-10 checks (F16 / quantized models) and perplexity with llama-perplexity's
// chunking. Tolerances follow the reference README ("Tolerances to expect").

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"
#include "tests/inference/reference_json.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <algorithm>
#include <cmath>

using namespace fabulist::inference;

namespace {

QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

using fabulist::test::argmax;
using fabulist::test::floats;
using fabulist::test::ids;
using fabulist::test::maxAbsDiff;

enum class Precision { F32, F16, Quantized };

Precision precisionOf(const QString& name) {
    if (name.endsWith("-f32")) return Precision::F32;
    if (name.endsWith("-f16")) return Precision::F16;
    return Precision::Quantized;
}

struct Reference {
    QString name;
    QJsonObject json;
    QString modelPath;
};

std::unique_ptr<Engine> loadEngine(const QString& path, GgmlType kv) {
    EngineOptions o;
    o.modelPath = path.toStdString();
    o.threads = qEnvironmentVariableIntValue("FABULIST_TEST_THREADS") > 0
                    ? qEnvironmentVariableIntValue("FABULIST_TEST_THREADS")
                    : 1;
    o.kvCacheType = kv;
    return Engine::load(o);
}

} // namespace

class ParityReferenceTest : public QObject {
    Q_OBJECT

private:
    std::vector<Reference> m_refs;

private slots:
    void initTestCase() {
        const QString dir = referenceDir();
        if (dir.isEmpty() || !QDir(dir).exists())
            QFAIL(qPrintable("reference directory not found: set FABULIST_REFERENCE_DIR (now '" +
                             dir + "') to the llama.cpp reference data (shared/reference)"));
        const auto files = QDir(dir).entryList({"tiny-*.json"}, QDir::Files, QDir::Name);
        if (files.isEmpty()) QFAIL(qPrintable("no tiny-*.json reference files in " + dir));
        for (const auto& f : files) {
            QFile file(dir + "/" + f);
            QVERIFY(file.open(QIODevice::ReadOnly));
            Reference r;
            r.name = QFileInfo(f).completeBaseName();
            r.json = QJsonDocument::fromJson(file.readAll()).object();
            r.modelPath = dir + "/" + r.json["model_file"].toString();
            QVERIFY2(QFile::exists(r.modelPath), qPrintable("missing model " + r.modelPath));
            m_refs.push_back(r);
        }
        QCOMPARE(int(m_refs.size()), 11);
    }

    // Logits of the last prompt position and the final hidden state, F32 KV cache.
    void lastPositionLogits() {
        for (const auto& r : m_refs) {
            auto engine = loadEngine(r.modelPath, GgmlType::F32);
            auto session = engine->createSession();
            const Precision p = precisionOf(r.name);
            const float logitTol = p == Precision::F32   ? 1e-4f
                                   : p == Precision::F16 ? 0.05f
                                                         : 0.25f;
            const float hiddenTol = p == Precision::F32   ? 2e-5f
                                    : p == Precision::F16 ? 0.01f
                                                          : 0.05f;
            for (const auto& c : r.json["logits_last_position"].toArray()) {
                const auto o = c.toObject();
                const auto prompt = ids(o["prompt_ids"]);
                const auto want = floats(o["logits"]);
                const auto hidden = floats(o["last_hidden_after_output_norm"]);
                session->evaluate(prompt);
                const auto got = session->logits();
                QCOMPARE(got.size(), want.size());
                const float d = maxAbsDiff(got, want);
                const float dh = maxAbsDiff(session->hiddenState(), hidden);
                qInfo("%s %s: max |dlogit| %.3g, max |dhidden| %.3g", qPrintable(r.name),
                      qPrintable(o["name"].toString()), d, dh);
                QVERIFY2(d <= logitTol, qPrintable(r.name + " " + o["name"].toString() +
                                                   ": logit diff " + QString::number(d)));
                QVERIFY2(dh <= hiddenTol,
                         qPrintable(r.name + ": hidden diff " + QString::number(dh)));
                QCOMPARE(argmax(got), argmax(std::span<const float>(want)));
            }
        }
    }

    // F32 and F16 models: the greedy continuation must equal llama.cpp's with both KV cache types
    // (the README: greedy ids of the F16 models still match).
    void greedyFloatModels() {
        for (const auto& r : m_refs) {
            if (precisionOf(r.name) == Precision::Quantized) continue;
            for (GgmlType kv : {GgmlType::F32, GgmlType::F16}) {
                auto engine = loadEngine(r.modelPath, kv);
                auto session = engine->createSession();
                for (const auto& g : r.json["greedy"].toArray()) {
                    const auto o = g.toObject();
                    const auto prompt = ids(o["prompt_ids"]);
                    const auto want = ids(o[kv == GgmlType::F32 ? "ids" : "ids_kv_f16"]);
                    session->evaluate(prompt);
                    std::vector<int32_t> got;
                    for (size_t i = 0; i < want.size(); ++i) {
                        got.push_back(argmax(session->logits()));
                        if (i + 1 < want.size()) session->appendToken(got.back());
                    }
                    QVERIFY2(got == want,
                             qPrintable(r.name + " " + o["name"].toString() +
                                        (kv == GgmlType::F32 ? " kv f32" : " kv f16")));
                }
            }
        }
    }

    // F16 and quantized models: feed prompt + reference continuation and check every step.
    void teacherForcedTop10() {
        for (const auto& r : m_refs) {
            const Precision p = precisionOf(r.name);
            if (p == Precision::F32) continue;
            auto engine = loadEngine(r.modelPath, GgmlType::F32);
            auto session = engine->createSession();
            const float tol = p == Precision::F16 ? 0.05f : 0.3f;
            for (const auto& g : r.json["greedy"].toArray()) {
                const auto o = g.toObject();
                auto seq = ids(o["prompt_ids"]);
                const size_t promptLen = seq.size();
                const auto cont = ids(o["ids"]);
                seq.insert(seq.end(), cont.begin(), cont.end());
                session->clear();
                session->evaluate(seq, true);
                const auto steps = o["helper_kv_f32"].toObject()["top10_per_step"].toArray();
                int worstRank = 0, outliers = 0;
                float worst = 0.0f;
                for (int s = 0; s < steps.size(); ++s) {
                    const auto st = steps[s].toObject();
                    const auto topIds = ids(st["ids"]);
                    const auto topLogits = floats(st["logits"]);
                    const auto l = session->logitsAt(int(promptLen) - 1 + s);
                    float stepWorst = 0.0f;
                    for (size_t i = 0; i < topIds.size(); ++i)
                        stepWorst =
                            std::max(stepWorst, std::abs(l[size_t(topIds[i])] - topLogits[i]));
                    if (qEnvironmentVariableIsSet("FABULIST_TEST_VERBOSE"))
                        qInfo("  step %d: %.3g", s, stepWorst);
                    worst = std::max(worst, stepWorst);
                    outliers += stepWorst > tol;
                    // The reference's greedy token must be among our top 3.
                    const float ref = l[size_t(cont[size_t(s)])];
                    int rank = 0;
                    for (float v : l) rank += v > ref;
                    worstRank = std::max(worstRank, rank);
                }
                qInfo("%s %s: teacher-forced top10 max |dlogit| %.3g, worst rank %d",
                      qPrintable(r.name), qPrintable(o["name"].toString()), worst, worstRank);
                // A quantized model can flip one rounding decision of ggml's activation
                // quantization (and with it an expert choice); the README documents such flips.
                // Allow one step of 32 beyond the tolerance for quantized models, none otherwise.
                const int allowed = p == Precision::Quantized ? 1 : 0;
                QVERIFY2(outliers <= allowed,
                         qPrintable(r.name + ": " + QString::number(outliers) +
                                    " steps beyond tolerance, worst " + QString::number(worst)));
                QVERIFY2(worst <= 5.0f,
                         qPrintable(r.name + ": top10 logit diff " + QString::number(worst)));
                QVERIFY2(worstRank <= 2, qPrintable(r.name + ": reference token rank " +
                                                    QString::number(worstRank)));
            }
        }
    }

    // llama-perplexity -c 64: chunks of 64 tokens, BOS substituted when the model adds BOS,
    // positions 32..62 scored.
    void perplexity() {
        for (const auto& r : m_refs) {
            auto engine = loadEngine(r.modelPath, GgmlType::F32);
            auto session = engine->createSession();
            const auto pj = r.json["perplexity"].toObject();
            const auto tokens = ids(pj["tokens_of_text_llama_tokenize"]);
            const double want = pj["kv_f32"].toObject()["ppl"].toDouble();
            const int nChunk =
                int(pj["kv_f32"].toObject()["running_ppl_per_chunk"].toArray().size());
            const int ctx = 64;
            QVERIFY(int(tokens.size()) >= nChunk * ctx);
            double nll = 0.0;
            int count = 0;
            for (int c = 0; c < nChunk; ++c) {
                std::vector<int32_t> chunk(tokens.begin() + c * ctx,
                                           tokens.begin() + (c + 1) * ctx);
                if (engine->tokenizer().addsBos()) chunk[0] = engine->tokenizer().bos();
                session->clear();
                session->evaluate(chunk, true);
                for (int j = ctx / 2; j < ctx - 1; ++j) {
                    const auto l = session->logitsAt(j);
                    const float mx = *std::max_element(l.begin(), l.end());
                    double sum = 0.0;
                    for (float v : l) sum += std::exp(double(v) - mx);
                    nll += std::log(sum) + mx - l[size_t(chunk[size_t(j + 1)])];
                    ++count;
                }
            }
            const double ppl = std::exp(nll / count);
            const double rel = std::abs(std::log(ppl) - std::log(want)) / std::log(want);
            qInfo("%s: ppl %.6g vs %.6g (ln rel diff %.3g)", qPrintable(r.name), ppl, want, rel);
            const Precision p = precisionOf(r.name);
            QVERIFY2(rel <= (p == Precision::F32   ? 1e-4
                             : p == Precision::F16 ? 1e-3
                                                   : 1e-2),
                     qPrintable(r.name + ": perplexity " + QString::number(ppl) + " vs " +
                                QString::number(want)));
        }
    }
};

QTEST_GUILESS_MAIN(ParityReferenceTest)
#include "parity_reference_test.moc"
