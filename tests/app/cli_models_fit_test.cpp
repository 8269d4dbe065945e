// `fabulist-cli models fit` (#18 item 2): memory needed is the engine's own accounting (the same
// number as `info --json`), the bandwidth is measured once and cached with the CPU's name, and
// the speed follows from the bandwidth and the bytes one token reads. How close that speed is to
// `bench` is a measurement of time, so it is a benchmark (tests/bench/fit-estimate.sh), not here.
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
    void activeExpertsOnly();
    void usageErrors();

private:
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

void CliModelsFitTest::activeExpertsOnly() {
    // The speed divides by the bytes one token reads: the active experts' share, as bench counts.
    const QString model = referenceModel("tiny-moe-q4_k_m");
    const CliResult fit = runCli({"models", "fit", model, "--json", "--bandwidth", "10"});
    QVERIFY2(fit.exitCode == 0, qPrintable(describe(fit)));
    const CliResult bench = runCli({"bench", "-m", model, "-n", "2", "-p", "0", "-r", "1", "--json"});
    QVERIFY2(bench.exitCode == 0, qPrintable(describe(bench)));
    const double perToken = json(fit)["weight_bytes_per_token"].toDouble();
    QCOMPARE(perToken, json(bench)["weight_bytes_per_token"].toDouble());
    QVERIFY2(perToken < 0.6 * double(QFileInfo(model).size()),
             qPrintable(QString("%1 bytes per token of a %2-byte file")
                            .arg(perToken)
                            .arg(QFileInfo(model).size())));
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
