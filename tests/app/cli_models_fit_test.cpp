// `fabulist-cli models fit` (#18 item 2): memory needed is the engine's own accounting (the same
// number as `info --json`), the bandwidth is measured once and cached with the CPU's name, and
// the expected decode speed is within ±30 % of what `bench -n 32 -p 0` measures on a model large
// enough for decoding to stream from memory (a granite-1b-a400m-shaped synth, Q4_K_M, 812 MiB).
// The tiny reference models (1-20 MiB) sit in the CPU caches and their decode is per-token
// overhead, not bandwidth: their estimate is printed, not held to ±30 % (see the README).
#include "tests/app/cli_runner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace fabulist::tests;

namespace {

QJsonObject json(const CliResult& r) {
    return QJsonDocument::fromJson(r.out).object();
}

QString describe(const CliResult& r) {
    return QString("exit %1\nstdout: %2\nstderr: %3")
        .arg(r.exitCode)
        .arg(QString::fromUtf8(r.out.left(2000)), QString::fromUtf8(r.err.left(2000)));
}

} // namespace

class CliModelsFitTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void memoryIsTheEnginesAccounting();
    void bandwidthIsCachedWithTheCpu();
    void estimateAgainstBench_data();
    void estimateAgainstBench();
    void usageErrors();

private:
    // Expected and measured decode tokens/s of `model` (2 threads, as bench's default).
    bool compare(const QString& model, double& expected, double& measured);
    QTemporaryDir m_dir;
};

void CliModelsFitTest::initTestCase() {
    QVERIFY(m_dir.isValid());
    qputenv("XDG_CACHE_HOME", m_dir.filePath("cache").toUtf8()); // children inherit it
    if (referenceDir().isEmpty()) QSKIP("no reference models ($FABULIST_REFERENCE_DIR)");
}

void CliModelsFitTest::memoryIsTheEnginesAccounting() {
    for (const QString base : {"tiny-moe-q4_k_m", "tiny-qwen3moe-f32", "tiny-llama3-f16"}) {
        const QString model = referenceModel(base);
        const CliResult fit =
            runCli({"models", "fit", model, "--context", "200", "--json", "--bandwidth", "10"});
        QVERIFY2(fit.exitCode == 0, qPrintable(describe(fit)));
        const CliResult info = runCli({"info", model, "-c", "200", "--json"});
        QVERIFY2(info.exitCode == 0, qPrintable(describe(info)));
        const QJsonObject f = json(fit);
        QCOMPARE(f["memory_needed_bytes"].toDouble(),
                 json(info)["memory_bytes"].toObject()["total"].toDouble());
        QCOMPARE(f["context"].toInt(), 200);
        QVERIFY(f["fits"].toBool()); // MBs on any machine that runs the tests
        QVERIFY(f["memory_available_bytes"].toDouble() <= f["memory_total_bytes"].toDouble());
        // tokens/s = efficiency x bandwidth / bytes per token, as the header says.
        QCOMPARE(f["expected_decode_tokens_per_s"].toDouble(),
                 f["decode_efficiency"].toDouble() * 10e9 / f["weight_bytes_per_token"].toDouble());
    }
}

void CliModelsFitTest::bandwidthIsCachedWithTheCpu() {
    const QString model = referenceModel("tiny-moe-q4_k_m");
    QFile::remove(m_dir.filePath("cache/fabulist/memory-bandwidth.txt"));
    const CliResult first = runCli({"models", "fit", model, "--json"});
    QVERIFY2(first.exitCode == 0, qPrintable(describe(first)));
    QVERIFY(!json(first)["bandwidth_cached"].toBool());
    QVERIFY(json(first)["bandwidth_gb_per_s"].toDouble() > 0.1);
    QFile cache(m_dir.filePath("cache/fabulist/memory-bandwidth.txt"));
    QVERIFY(cache.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(cache.readAll());
    QVERIFY2(text.contains("cpu=" + json(first)["cpu"].toString()), qPrintable(text));
    const CliResult second = runCli({"models", "fit", model, "--json"});
    QVERIFY(json(second)["bandwidth_cached"].toBool());
    QCOMPARE(json(second)["bandwidth_gb_per_s"].toDouble(),
             json(first)["bandwidth_gb_per_s"].toDouble());
}

bool CliModelsFitTest::compare(const QString& model, double& expected, double& measured) {
    // Measured afresh right before the bench: the machine's bandwidth drifts over minutes.
    QFile::remove(m_dir.filePath("cache/fabulist/memory-bandwidth.txt"));
    const CliResult fit = runCli({"models", "fit", model, "--json"});
    const CliResult bench =
        runCli({"bench", "-m", model, "-n", "32", "-p", "0", "-r", "3", "--json"}, 300000);
    if (fit.exitCode != 0 || bench.exitCode != 0) {
        qWarning("%s\n%s", qPrintable(describe(fit)), qPrintable(describe(bench)));
        return false;
    }
    expected = json(fit)["expected_decode_tokens_per_s"].toDouble();
    measured = json(bench)["decode_tokens_per_s"].toDouble();
    qInfo("%s: expected %.1f tokens/s, bench %.1f tokens/s (ratio %.2f; %.1f MB per token, "
          "%.1f GB/s)",
          qPrintable(QFileInfo(model).fileName()), expected, measured, measured / expected,
          json(fit)["weight_bytes_per_token"].toDouble() / 1e6,
          json(fit)["bandwidth_gb_per_s"].toDouble());
    return true;
}

void CliModelsFitTest::estimateAgainstBench_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<bool>("held"); // within ±30 % required (streams from memory)
    for (const QString base : {"tiny-moe-q4_k_m", "tiny-qwen3moe-q8_0", "tiny-llama3-f16"})
        QTest::newRow(qPrintable(base)) << referenceModel(base) << false;
    QTest::newRow("granite-1b-a400m-q4_k_m") << QString("synth:granite-1b-a400m:Q4_K_M") << true;
}

void CliModelsFitTest::estimateAgainstBench() {
    QFETCH(QString, model);
    QFETCH(bool, held);
    if (model.startsWith("synth:")) {
        const QStringList parts = model.split(':');
        const QString out = m_dir.filePath(parts[1] + ".gguf");
        const CliResult synth =
            runCli({"synth", "--shape", parts[1], "--type", parts[2], "--vocab-from",
                    referenceModel("tiny-dense-f32"), "--seed", "1234", "-o", out},
                   600000);
        QVERIFY2(synth.exitCode == 0, qPrintable(describe(synth)));
        model = out;
    }
    double expected = 0.0, measured = 0.0;
    QVERIFY(compare(model, expected, measured));
    QVERIFY(expected > 0.0 && measured > 0.0);
    if (held)
        QVERIFY2(
            measured >= 0.7 * expected && measured <= 1.3 * expected,
            qPrintable(QString("expected %1 tokens/s, measured %2").arg(expected).arg(measured)));
}

void CliModelsFitTest::usageErrors() {
    const CliResult none = runCli({"models"});
    QCOMPARE(none.exitCode, 2);
    const CliResult missing = runCli({"models", "fit", m_dir.filePath("nothing.gguf")});
    QCOMPARE(missing.exitCode, 2);
    QVERIFY(missing.err.contains("nothing.gguf"));
}

QTEST_GUILESS_MAIN(CliModelsFitTest)
#include "cli_models_fit_test.moc"
