// Resumable head training (inference/head_training/head_checkpoint.h, runHeadTraining): a run
// stopped and resumed, even several times and between the periodic checkpoints, ends with exactly
// the adapter (tensors, metadata and file bytes) of an uninterrupted run; a checkpoint of another
// run (rank, learning rate, corpus) is refused with a message that names what differs; resume =
// false starts over; a damaged checkpoint is refused naming the file. A kept on-disk position
// cache is mapped again (same values, same adapter) only when its fingerprint matches and it is
// complete. Real model: tiny-moe-f32.
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/head_training/head_position_cache.h"
#include "inference/head_training/head_trainer.h"
#include "inference/tokenizer/tokenizer.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <optional>

using namespace fabulist::inference;

namespace {

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class HeadsCheckpointTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Session> m_session;
    std::vector<int32_t> m_trainTokens;
    std::optional<HeadTrainingData> m_train, m_heldOut;
    HeadAdapterBase m_base;
    HeadTrainerOptions m_options;

    HeadTrainerOptions withCheckpoint(const char* name) const {
        HeadTrainerOptions o = m_options;
        o.checkpointPath = m_dir.filePath(name).toStdString();
        return o;
    }
    HeadTrainingRun train(const HeadTrainerOptions& o) {
        return runHeadTraining(m_base, *m_train, *m_heldOut, o);
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        const QString ref = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
        QFile json(ref + "/tiny-moe-f32.json");
        if (!json.open(QIODevice::ReadOnly))
            QFAIL("reference data not found: set FABULIST_REFERENCE_DIR to shared/reference");
        const QString text = QJsonDocument::fromJson(json.readAll())
                                 .object()["perplexity"]
                                 .toObject()["text"]
                                 .toString();
        EngineOptions eo;
        eo.modelPath = (ref + "/models/tiny-moe-f32.gguf").toStdString();
        eo.threads = 2;
        eo.contextLength = 64;
        eo.kvCacheType = GgmlType::F32;
        m_engine = Engine::load(eo);
        Engine* engine = m_engine.get();
        const std::vector<int32_t> tokens =
            engine->tokenizer().encode(text.toStdString(), true, false);
        QVERIFY(tokens.size() > 200);
        const size_t split = tokens.size() * 4 / 5;
        m_options.rank = 4;
        m_options.steps = 40;
        m_options.batchSize = 16;
        m_options.threads = 2;
        m_options.chunkLength = 64;
        m_options.evalEvery = 10;
        m_options.checkpointEvery = 10;
        m_options.seed = 5;
        m_options.corpusFingerprint = "tiny-moe perplexity passage";
        m_session = engine->createSession();
        const std::span<const int32_t> all(tokens);
        m_trainTokens.assign(tokens.begin(), tokens.begin() + long(split));
        m_train = collectHeadTrainingData(*m_session, m_trainTokens, m_options);
        m_heldOut = collectHeadTrainingData(*m_session, all.subspan(split), m_options);
        m_base = HeadAdapterBase::fromModel(engine->file());
    }

    void resumedRunEqualsUninterruptedRun() {
        const HeadTrainingRun full = train(m_options);
        QVERIFY(full.finished);
        QCOMPARE(full.resumedFromStep, 0);
        QVERIFY(full.adapter.training().bestStep > 0); // the parameters moved

        // Stop at 7 (before the first periodic checkpoint), resume and stop at 23 (after the
        // checkpoints of steps 10 and 20, mid-way through an evaluation interval), finish.
        HeadTrainerOptions o = withCheckpoint("resume.ckpt");
        o.stopAfterStep = 7;
        HeadTrainingRun run = train(o);
        QVERIFY(!run.finished);
        QCOMPARE(run.stepsDone, 7);
        QVERIFY(QFile::exists(QString::fromStdString(o.checkpointPath)));
        o.stopAfterStep = 23;
        run = train(o);
        QVERIFY(!run.finished);
        QCOMPARE(run.resumedFromStep, 7);
        QCOMPARE(run.stepsDone, 23);
        o.stopAfterStep = 0;
        run = train(o);
        QVERIFY(run.finished);
        QCOMPARE(run.resumedFromStep, 23);
        QCOMPARE(run.stepsDone, 40);

        QVERIFY(sameBits(run.adapter.a(), full.adapter.a()));
        QVERIFY(sameBits(run.adapter.bMatrix(), full.adapter.bMatrix()));
        QVERIFY(sameBits(run.adapter.bias(), full.adapter.bias()));
        const HeadTrainingInfo &x = run.adapter.training(), &y = full.adapter.training();
        QCOMPARE(x.bestStep, y.bestStep);
        QCOMPARE(x.trainLoss, y.trainLoss);
        QCOMPARE(x.heldOutLossBefore, y.heldOutLossBefore);
        QCOMPARE(x.heldOutLossAfter, y.heldOutLossAfter);
        const QString a = m_dir.filePath("full.gguf"), b = m_dir.filePath("resumed.gguf");
        full.adapter.write(a.toStdString());
        run.adapter.write(b.toStdString());
        QVERIFY(!fileBytes(a).isEmpty());
        QCOMPARE(fileBytes(b), fileBytes(a));

        // A checkpoint written at the last periodic step before the end resumes the same way.
        o = withCheckpoint("periodic.ckpt");
        o.stopAfterStep = 30; // == a checkpointEvery multiple
        QVERIFY(!train(o).finished);
        o.stopAfterStep = 0;
        run = train(o);
        QCOMPARE(run.resumedFromStep, 30);
        QVERIFY(sameBits(run.adapter.bMatrix(), full.adapter.bMatrix()));
    }

    void foreignCheckpointIsRefused() {
        HeadTrainerOptions o = withCheckpoint("foreign.ckpt");
        o.stopAfterStep = 5;
        QVERIFY(!train(o).finished);
        o.stopAfterStep = 0;

        auto refusal = [&](const HeadTrainerOptions& other) -> QString {
            try {
                train(other);
            } catch (const HeadCheckpointError& e) {
                return QString::fromStdString(e.what());
            }
            return {};
        };
        HeadTrainerOptions rank = o;
        rank.rank = 8;
        QString message = refusal(rank);
        QVERIFY2(message.contains(QString::fromStdString(o.checkpointPath)), qPrintable(message));
        QVERIFY2(message.contains("--rank 4 (checkpoint) vs 8 (this run)"), qPrintable(message));
        QVERIFY2(message.contains("--fresh"), qPrintable(message));

        HeadTrainerOptions lr = o;
        lr.learningRate = 2e-3;
        message = refusal(lr);
        QVERIFY2(message.contains("--lr") && !message.contains("--rank"), qPrintable(message));

        HeadTrainerOptions corpus = o;
        corpus.corpusFingerprint = "another corpus";
        message = refusal(corpus);
        QVERIFY2(message.contains("corpus") && message.contains("another corpus"),
                 qPrintable(message));

        HeadTrainerOptions threads = o;
        threads.threads = 1; // another thread count sums the gradients in another order
        message = refusal(threads);
        QVERIFY2(message.contains("threads 2 (checkpoint) vs 1"), qPrintable(message));

        // resume = false (--fresh) ignores it and trains from the start.
        HeadTrainerOptions fresh = rank;
        fresh.resume = false;
        const HeadTrainingRun run = train(fresh);
        QVERIFY(run.finished);
        QCOMPARE(run.resumedFromStep, 0);
        QCOMPARE(run.adapter.rank(), 8);
    }

    void damagedCheckpointIsRefused() {
        HeadTrainerOptions o = withCheckpoint("damaged.ckpt");
        o.stopAfterStep = 3;
        QVERIFY(!train(o).finished);
        QFile f(QString::fromStdString(o.checkpointPath));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.resize(f.size() / 2));
        f.close();
        o.stopAfterStep = 0;
        try {
            train(o);
            QFAIL("a truncated checkpoint was accepted");
        } catch (const HeadCheckpointError& e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.contains(QString::fromStdString(o.checkpointPath)) &&
                         message.contains("--fresh"),
                     qPrintable(message));
        }
    }

    void keptPositionCacheIsReused() {
        HeadTrainerOptions o = m_options;
        o.maxMemoryBytes = 0; // on disk
        o.keepCachePath = m_dir.filePath("train.cache").toStdString();
        o.cacheFingerprint = "fingerprint A";
        const QString path = QString::fromStdString(o.keepCachePath);
        const HeadTrainingData first = collectHeadTrainingData(*m_session, m_trainTokens, o);
        QVERIFY(!first.fromSavedCache);
        QVERIFY(first.records != nullptr);
        QVERIFY(QFile::exists(path));
        QVERIFY(!QFile::exists(path + ".part"));

        const HeadTrainingData again = collectHeadTrainingData(*m_session, m_trainTokens, o);
        QVERIFY(again.fromSavedCache);
        QCOMPARE(again.targets, m_train->targets);
        QCOMPARE(again.evaluatedTokens, m_train->evaluatedTokens);
        // The mapped values are the model's, exactly as the in-memory cache holds them.
        for (size_t i = 0; i < m_train->size(); ++i) {
            QVERIFY(std::memcmp(again.hiddenAt(i), m_train->hiddenAt(i),
                                size_t(m_train->nEmbd) * 4) == 0);
            QVERIFY(std::memcmp(again.logitsAt(i), m_train->logitsAt(i),
                                size_t(m_train->nVocab) * 4) == 0);
        }
        const HeadAdapter fromCache = trainHeadAdapter(m_base, again, *m_heldOut, m_options);
        const HeadAdapter fromMemory = trainHeadAdapter(m_base, *m_train, *m_heldOut, m_options);
        QVERIFY(sameBits(fromCache.bMatrix(), fromMemory.bMatrix()));
        QVERIFY(sameBits(fromCache.a(), fromMemory.a()));

        // Another fingerprint (other model, tokens or settings) is not reused...
        HeadTrainerOptions other = o;
        other.cacheFingerprint = "fingerprint B";
        QVERIFY(!collectHeadTrainingData(*m_session, m_trainTokens, other).fromSavedCache);
        // ... nor is a damaged file: it is computed again, and then reused.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.resize(f.size() - 4));
        f.close();
        QVERIFY(!collectHeadTrainingData(*m_session, m_trainTokens, other).fromSavedCache);
        QVERIFY(collectHeadTrainingData(*m_session, m_trainTokens, other).fromSavedCache);
        // Without a kept path the cache is a temporary file again.
        HeadTrainerOptions temporary = o;
        temporary.keepCachePath.clear();
        const HeadTrainingData unnamed =
            collectHeadTrainingData(*m_session, m_trainTokens, temporary);
        QVERIFY(!unnamed.fromSavedCache);
        QVERIFY(unnamed.records != nullptr);
    }
};

QTEST_GUILESS_MAIN(HeadsCheckpointTest)
#include "heads_checkpoint_test.moc"
