// Compares the engine's log-probabilities with llama-perplexity's --kl-divergence-base files
// ($FABULIST_REFERENCE_DIR/kld/*.kld-base.c64.kvf32.bin): every scored position (32..62) of
// every 64-token chunk, every token that llama.cpp did not clamp. Format and resolution
// (16/65535 nats) are described in the reference README.

#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/tokenizer/tokenizer.h"

#include <QDir>
#include <QFile>
#include <QtTest>
#include <cmath>
#include <cstring>

using namespace fabulist::inference;

class ParityKldTest : public QObject {
    Q_OBJECT

private slots:
    void logProbabilitiesMatchKldBase() {
        const QString dir = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
        if (dir.isEmpty() || !QDir(dir + "/kld").exists())
            QFAIL(qPrintable("reference kld files not found: set FABULIST_REFERENCE_DIR (now '" +
                             dir + "') to the llama.cpp reference data (shared/reference)"));
        const auto files =
            QDir(dir + "/kld").entryList({"tiny-*.kld-base.c64.kvf32.bin"}, QDir::Files);
        QCOMPARE(files.size(), 11);
        for (const auto& name : files) {
            const QString model = name.left(name.indexOf(".kld-base"));
            QFile f(dir + "/kld/" + name);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray data = f.readAll();
            QVERIFY(data.size() > 20 && data.startsWith("_logits_"));
            int32_t nCtx, nVocab, nChunk;
            std::memcpy(&nCtx, data.constData() + 8, 4);
            std::memcpy(&nVocab, data.constData() + 12, 4);
            std::memcpy(&nChunk, data.constData() + 16, 4);
            QCOMPARE(nCtx, 64);
            const qsizetype tokensAt = 20, recordsAt = tokensAt + qsizetype(nChunk) * nCtx * 4;
            const int nv = 2 * ((nVocab + 1) / 2) + 4;
            const int perChunk = nCtx - 1 - nCtx / 2;
            QCOMPARE(data.size(), recordsAt + qsizetype(nChunk) * perChunk * nv * 2);

            EngineOptions o;
            o.modelPath = (dir + "/models/" + model + ".gguf").toStdString();
            o.kvCacheType = GgmlType::F32;
            o.threads = 1;
            auto engine = Engine::load(o);
            QCOMPARE(engine->info().nVocab, nVocab);
            auto session = engine->createSession();
            double maxDiff = 0.0, sumDiff = 0.0;
            int64_t count = 0;
            for (int c = 0; c < nChunk; ++c) {
                std::vector<int32_t> chunk(static_cast<size_t>(nCtx));
                std::memcpy(chunk.data(), data.constData() + tokensAt + qsizetype(c) * nCtx * 4,
                            size_t(nCtx) * 4);
                if (engine->tokenizer().addsBos()) chunk[0] = engine->tokenizer().bos();
                session->clear();
                session->evaluate(chunk, true);
                for (int j = nCtx / 2; j < nCtx - 1; ++j) {
                    const char* rec = data.constData() + recordsAt +
                                      (qsizetype(c) * perChunk + (j - nCtx / 2)) * nv * 2;
                    float scale, minLog;
                    std::memcpy(&scale, rec, 4);
                    std::memcpy(&minLog, rec + 4, 4);
                    const auto* q = reinterpret_cast<const uint16_t*>(rec + 8);
                    const auto l = session->logitsAt(j);
                    const float mx = *std::max_element(l.begin(), l.end());
                    double sum = 0.0;
                    for (float v : l) sum += std::exp(double(v) - mx);
                    const double lse = mx + std::log(sum);
                    for (int t = 0; t < nVocab; ++t) {
                        if (q[t] == 0)
                            continue; // clamped by llama.cpp (more than 16 nats below the best)
                        const double d = std::abs((double(l[size_t(t)]) - lse) -
                                                  (minLog + double(scale) * q[t]));
                        maxDiff = std::max(maxDiff, d);
                        sumDiff += d;
                        ++count;
                    }
                }
            }
            const double mean = sumDiff / double(std::max<int64_t>(count, 1));
            qInfo("%s: %lld log-probs, max |d| %.3g, mean |d| %.3g", qPrintable(model),
                  (long long)count, maxDiff, mean);
            QVERIFY(count > 1000);
            // Quantization step of the file is 2.4e-4 nats; F32 models also carry float noise.
            if (model.endsWith("-f32")) {
                QVERIFY2(maxDiff < 1e-3, qPrintable(model));
            } else if (model.endsWith("-f16")) {
                QVERIFY2(maxDiff < 0.05 && mean < 5e-3, qPrintable(model));
            } else {
                // Quantized: rare single rounding flips of ggml's activation quantization (README).
                QVERIFY2(maxDiff < 2.0 && mean < 0.05, qPrintable(model));
            }
        }
    }
};

QTEST_GUILESS_MAIN(ParityKldTest)
#include "parity_kld_test.moc"
