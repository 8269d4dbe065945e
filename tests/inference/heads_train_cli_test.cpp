// fabulist-cli train-head, resumable: stopped with --stop-after and run again, it resumes (and
// says so) and writes the adapter an uninterrupted run writes (tensors and training metadata
// bit for bit; only the date differs) and removes its checkpoint; a checkpoint of other options
// is refused naming the difference, --fresh overrides it; SIGTERM during training writes the
// checkpoint and exits with 130. The stopped run caches positions on disk (--max-memory-mib 0):
// the resumed run reuses that cache instead of running the model, and both files go at the end.
//
// Runs the real binary (<build>/app/fabulist-cli; $FABULIST_CLI overrides) on tiny-moe-f32 with
// the reference README as the corpus.
#include "inference/engine/engine.h"
#include "inference/gguf/gguf_file.h"
#include "inference/heads/head_adapter.h"
#include "inference/heads/word_start_mask.h"
#include "tests/inference/cli_process.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <cstring>

using namespace fabulist::inference;

class HeadsTrainCliTest : public QObject {
    Q_OBJECT

    QString m_cli, m_model, m_corpus;
    QTemporaryDir m_dir;

    using Run = fabulist::tests::CliRun;
    Run run(const QStringList& args) { return fabulist::tests::runCliProcess(m_cli, args, 120000); }

    QStringList trainArgs(const QString& out, const QStringList& more) const {
        return QStringList{"train-head", "-m",     m_model, "-c",      m_corpus, "-o",
                           out,          "--rank", "4",     "--steps", "30",     "--eval-every",
                           "10",         "--seed", "3",     "-t",      "2"} +
               more;
    }

    static bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
    }

private slots:
    void initTestCase() {
        m_cli = qEnvironmentVariable("FABULIST_CLI");
        if (m_cli.isEmpty())
            m_cli = QCoreApplication::applicationDirPath() + "/../../app/fabulist-cli";
        QVERIFY2(QFile::exists(m_cli), qPrintable("fabulist-cli not found at " + m_cli +
                                                  ": build the fabulist-cli target first"));
        const QString ref = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
        if (ref.isEmpty() || !QFile::exists(ref + "/README.md"))
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the reference data");
        m_model = ref + "/models/tiny-moe-f32.gguf";
        m_corpus = ref + "/README.md";
        QVERIFY(m_dir.isValid());
    }

    void stopAndResumeWriteTheUninterruptedAdapter() {
        const QString full = m_dir.filePath("full.gguf"), part = m_dir.filePath("part.gguf");
        Run r = run(trainArgs(full, {}));
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(!QFile::exists(full + ".ckpt")); // removed once the adapter is written

        const QStringList stopAt12{"--stop-after", "12", "--max-memory-mib", "0"};
        r = run(trainArgs(part, stopAt12));
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.contains("stopped after step 12 of 30"), r.err.constData());
        QVERIFY(!QFile::exists(part));
        QVERIFY(QFile::exists(part + ".ckpt"));
        QVERIFY(QFile::exists(part + ".ckpt.train-cache"));
        QVERIFY(QFile::exists(part + ".ckpt.held-out-cache"));

        // The same command again continues after step 12 (--stop-after is met exactly once)
        // from the kept position caches.
        r = run(trainArgs(part, stopAt12));
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.contains("resuming from " + (part + ".ckpt").toUtf8() + " at step 12"),
                 r.err.constData());
        QVERIFY2(r.err.contains("reused the train position cache") &&
                     r.err.contains("reused the held-out position cache") &&
                     !r.err.contains("model pass"),
                 r.err.constData());
        QVERIFY2(r.err.contains("step 20/30 (resumed at 12)"), r.err.constData());
        QVERIFY(!QFile::exists(part + ".ckpt"));
        QVERIFY(!QFile::exists(part + ".ckpt.train-cache"));
        QVERIFY(!QFile::exists(part + ".ckpt.held-out-cache"));

        const auto model = GgufFile::open(m_model.toStdString());
        const HeadAdapter a = HeadAdapter::load(full.toStdString(), *model);
        const HeadAdapter b = HeadAdapter::load(part.toStdString(), *model);
        QVERIFY(sameBits(a.a(), b.a()));
        QVERIFY(sameBits(a.bMatrix(), b.bMatrix()));
        QVERIFY(sameBits(a.bias(), b.bias()));
        const HeadTrainingInfo &x = a.training(), &y = b.training();
        QCOMPARE(y.corpusSha256, x.corpusSha256);
        QCOMPARE(y.corpusTokens, x.corpusTokens);
        QCOMPARE(y.trainLoss, x.trainLoss);
        QCOMPARE(y.heldOutLossBefore, x.heldOutLossBefore);
        QCOMPARE(y.heldOutLossAfter, x.heldOutLossAfter);
        QCOMPARE(y.bestStep, x.bestStep);
    }

    // --word-starts-only: the delta of every word-continuing token stays exactly 0, the others
    // learn, and the file says so (which makes sessions keep the continuation mass).
    void wordStartsOnlyTrainsWordStartsAlone() {
        const QString out = m_dir.filePath("ws.gguf");
        Run r = run(trainArgs(out, {"--word-starts-only"}));
        QVERIFY2(r.code == 0, r.err.constData());
        const auto model = GgufFile::open(m_model.toStdString());
        const HeadAdapter head = HeadAdapter::load(out.toStdString(), *model);
        QCOMPARE(head.training().deltaTokens, std::string("word-starts"));
        EngineOptions options;
        options.modelPath = m_model.toStdString();
        auto engine = Engine::load(options);
        const std::vector<bool> starts = wordStartTokens(engine->tokenizer());
        int learned = 0, pinned = 0;
        for (size_t t = 0; t < starts.size(); ++t) {
            bool zero = head.bias()[t] == 0.0f;
            for (int k = 0; k < head.rank(); ++k)
                zero &= head.bMatrix()[t * size_t(head.rank()) + size_t(k)] == 0.0f;
            if (starts[t])
                learned += zero ? 0 : 1;
            else {
                QVERIFY2(zero, qPrintable(QString::number(t)));
                ++pinned;
            }
        }
        QVERIFY(learned > 0);
        QVERIFY(pinned > 0);
        // --strength 0.5 writes half the trained delta (same seed: same training).
        const QString half = m_dir.filePath("half.gguf");
        r = run(trainArgs(half, {"--word-starts-only", "--strength", "0.5"}));
        QVERIFY2(r.code == 0, r.err.constData());
        const HeadAdapter halved = HeadAdapter::load(half.toStdString(), *model);
        QCOMPARE(halved.training().strength, 0.5);
        QVERIFY(sameBits(halved.a(), head.a()));
        for (size_t i = 0; i < head.bias().size(); ++i)
            QCOMPARE(halved.bias()[i], float(head.bias()[i] * 0.5));
        QCOMPARE(halved.bMatrix()[100], float(head.bMatrix()[100] * 0.5));
        // Without the option every token may learn, and the file says "all".
        const QString all = m_dir.filePath("all.gguf");
        r = run(trainArgs(all, {}));
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(HeadAdapter::load(all.toStdString(), *model).training().deltaTokens,
                 std::string("all"));
    }

    void foreignCheckpointIsRefusedUnlessFresh() {
        const QString out = m_dir.filePath("foreign.gguf");
        Run r = run(trainArgs(out, {"--stop-after", "5"}));
        QVERIFY2(r.code == 0, r.err.constData());
        r = run(trainArgs(out, {"--gamma", "0.25"}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("--gamma 0.5 (checkpoint) vs 0.25 (this run)") &&
                     r.err.contains("--fresh"),
                 r.err.constData());
        QVERIFY(!r.err.contains("model pass")); // refused before the expensive part
        QVERIFY(!QFile::exists(out));
        r = run(trainArgs(out, {"--gamma", "0.25", "--fresh"}));
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(QFile::exists(out));

        // A checkpoint that cannot be written is refused before the model pass.
        const QString nowhere = m_dir.filePath("no-such-folder/x.ckpt");
        r = run(trainArgs(m_dir.filePath("nowhere.gguf"), {"--checkpoint", nowhere}));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(nowhere.toUtf8()) && !r.err.contains("model pass"),
                 r.err.constData());
    }

    void sigtermWritesTheCheckpoint() {
        const QString out = m_dir.filePath("signal.gguf");
        QProcess p;
        p.start(m_cli, QStringList{"train-head", "-m", m_model, "-c", m_corpus, "-o", out, "--rank",
                                   "4", "--steps", "100000000", "--eval-every", "0",
                                   "--checkpoint-every", "0", "-t", "2"});
        p.setReadChannel(QProcess::StandardError); // waitForReadyRead watches this channel
        QByteArray err;
        // Wait until training runs (the handler is installed for the training loop).
        while (!err.contains("step 20/") && p.waitForReadyRead(60000))
            err += p.readAllStandardError();
        QVERIFY2(err.contains("step 20/"), err.constData());
        p.terminate(); // SIGTERM
        QVERIFY(p.waitForFinished(60000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("stopped after step"), err.constData());
        QVERIFY(QFile::exists(out + ".ckpt"));
        QVERIFY(!QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(HeadsTrainCliTest)
#include "heads_train_cli_test.moc"
