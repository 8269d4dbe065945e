// fabulist-cli model commands, end to end: the real binary against the llama.cpp reference
// models and outputs ($FABULIST_REFERENCE_DIR).
#include "tests/app/cli_runner.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace fabulist::tests;

namespace {

[[maybe_unused]] QJsonObject loadReference(const QString& base) {
    QFile f(referenceDir() + "/" + base + ".json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QString describe(const CliResult& r) {
    return QString("exit %1%2\nstdout: %3\nstderr: %4")
        .arg(r.exitCode)
        .arg(r.crashed ? " (crashed or timed out)" : "")
        .arg(QString::fromUtf8(r.out.left(2000)))
        .arg(QString::fromUtf8(r.err.left(2000)));
}

} // namespace

class CliModelCommandsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (referenceDir().isEmpty())
            QFAIL("FABULIST_REFERENCE_DIR is not set or does not hold the llama.cpp reference "
                  "data (README.md missing); CTest sets it to ../shared/reference next to the "
                  "source tree");
    }

    void infoDescribesTheModel() {
        CliResult r = runCli({"info", referenceModel("tiny-moe-q4_k_m")});
        QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(describe(r)));
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains("architecture:   llama"), qPrintable(out));
        QVERIFY2(out.contains("8, 2 used per token"), qPrintable(out));
        QVERIFY2(out.contains("Q4_K x8") && out.contains("Q6_K x2") && out.contains("Q5_K x2") &&
                     out.contains("Q8_0 x4"),
                 qPrintable(out));
        QVERIFY2(out.contains("4096 tokens, 3839 merges"), qPrintable(out));
        QVERIFY2(out.contains("memory needed"), qPrintable(out));
    }

    void infoCountsParameters() {
        // tiny-moe: embeddings + output 2 x 256 x 4096, per layer attention 256 x (256 + 128 +
        // 128 + 256), router 256 x 8, 8 experts x 3 x 256 x 256, 2 norms; output norm 256.
        // Active: only 2 of the 8 experts.
        const long long perLayerShared = 256LL * 768 + 256 * 8 + 2 * 256;
        const long long experts = 8LL * 3 * 256 * 256;
        const long long total = 2LL * 256 * 4096 + 256 + 2 * (perLayerShared + experts);
        const long long active = 2LL * 256 * 4096 + 256 + 2 * (perLayerShared + experts / 4);
        CliResult r = runCli({"info", referenceModel("tiny-moe-f32")});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const QString expected = QString("parameters:     %1 M total, %2 M active")
                                     .arg(total / 1e6, 0, 'f', 2)
                                     .arg(active / 1e6, 0, 'f', 2);
        QVERIFY2(QString::fromUtf8(r.out).contains(expected),
                 qPrintable(expected + "\n" + describe(r)));
    }

    void missingModelIsAClearError() {
        CliResult r = runCli({"info", "/nonexistent/model.gguf"});
        QVERIFY2(r.exitCode != 0 && !r.crashed, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("/nonexistent/model.gguf") && r.err.contains("does not exist"),
                 qPrintable(describe(r)));
    }

    void truncatedModelIsAClearError() {
        QTemporaryDir dir;
        QFile src(referenceModel("tiny-moe-f32"));
        QVERIFY(src.open(QIODevice::ReadOnly));
        const QString path = dir.filePath("truncated.gguf");
        QFile dst(path);
        QVERIFY(dst.open(QIODevice::WriteOnly));
        dst.write(src.read(200000)); // header and KVs, no tensor data
        dst.close();
        CliResult r = runCli({"info", path});
        QVERIFY2(r.exitCode == 1 && !r.crashed, qPrintable(describe(r)));
        QVERIFY2(r.err.contains(path.toUtf8()), qPrintable(describe(r)));
    }

    void badArgumentsPrintUsage() {
        CliResult r = runCli({"info", referenceModel("tiny-moe-f32"), "--bogus"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown option '--bogus'") && r.err.contains("usage:"),
                 qPrintable(describe(r)));
    }
};

QTEST_GUILESS_MAIN(CliModelCommandsTest)
#include "cli_model_commands_test.moc"
