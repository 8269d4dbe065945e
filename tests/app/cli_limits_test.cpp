// fabulist-cli against what a real downloaded model or a careless command line brings: a huge
// declared context, too little memory, sampler values out of range, odd files. The real binary
// runs as a child process; peak memory is the child's own ru_maxrss (wait4).
#include "tests/app/cli_runner.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

using namespace fabulist::tests;

namespace {

struct Measured {
    int exitCode = -1;
    uint64_t peakRssBytes = 0;
    QByteArray out, err;
};

// Runs fabulist-cli with stdout/stderr in files of dir, optionally under RLIMIT_AS.
Measured runMeasured(const QTemporaryDir& dir, const QStringList& args,
                     uint64_t addressSpaceLimit = 0) {
    const QByteArray outPath = dir.filePath("out.txt").toUtf8(),
                     errPath = dir.filePath("err.txt").toUtf8();
    std::vector<QByteArray> storage{QByteArray(FABULIST_CLI_PATH)};
    for (const QString& a : args) storage.push_back(a.toUtf8());
    std::vector<char*> argv;
    for (QByteArray& a : storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    Measured m;
    const pid_t child = ::fork();
    if (child == 0) {
        const int out = ::open(outPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = ::open(errPath.constData(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(out, 1);
        ::dup2(err, 2);
        if (addressSpaceLimit) {
            const struct rlimit limit { addressSpaceLimit, addressSpaceLimit };
            ::setrlimit(RLIMIT_AS, &limit);
        }
        ::execve(argv[0], argv.data(), environ);
        ::_exit(127);
    }
    int status = 0;
    struct rusage usage {};
    if (::wait4(child, &status, 0, &usage) != child) return m;
    m.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    m.peakRssBytes = uint64_t(usage.ru_maxrss) * 1024;
    QFile out(QString::fromUtf8(outPath)), err(QString::fromUtf8(errPath));
    if (out.open(QIODevice::ReadOnly)) m.out = out.readAll();
    if (err.open(QIODevice::ReadOnly)) m.err = err.readAll();
    return m;
}

QString defaultModel() {
    return QStringLiteral(FABULIST_SOURCE_DIR) + "/resources/models/fabulist-default.gguf";
}

QJsonObject infoJson(const QString& model, const QStringList& extra = {}) {
    const CliResult r = runCli(QStringList{"info", model, "--json"} + extra);
    return QJsonDocument::fromJson(r.out).object();
}

// A copy of the default model whose metadata declares another context length (the value is
// patched in place: the key is followed by its type, UINT32 = 4, and the value).
QString withDeclaredContext(const QTemporaryDir& dir, uint32_t contextLength) {
    QFile src(defaultModel());
    if (!src.open(QIODevice::ReadOnly)) return {};
    QByteArray bytes = src.readAll();
    const QByteArray key = "llama.context_length";
    const qsizetype at = bytes.indexOf(key);
    if (at < 0) return {};
    const qsizetype value = at + key.size() + 4;
    uint32_t type = 0;
    std::memcpy(&type, bytes.constData() + at + key.size(), 4);
    if (type != 4) return {};
    std::memcpy(bytes.data() + value, &contextLength, 4);
    const QString path = dir.filePath("declared-context.gguf");
    QFile dst(path);
    if (!dst.open(QIODevice::WriteOnly) || dst.write(bytes) != bytes.size()) return {};
    return path;
}

QString describe(const Measured& m) {
    return QString("exit %1, peak %2 MiB\nstdout: %3\nstderr: %4")
        .arg(m.exitCode)
        .arg(double(m.peakRssBytes) / 1048576.0, 0, 'f', 1)
        .arg(QString::fromUtf8(m.out.left(1000)), QString::fromUtf8(m.err.left(1000)));
}

} // namespace

class CliLimitsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (referenceDir().isEmpty()) QFAIL("FABULIST_REFERENCE_DIR is not set or unusable");
    }

    // `info` says what a run takes; the run's measured peak agrees within 20 %.
    void infoMatchesMeasuredPeakMemory_data() {
        QTest::addColumn<QString>("model");
        for (const char* base :
             {"tiny-llama3-f16", "tiny-dense-f32", "tiny-moe-f16", "tiny-qwen3moe-q4_k_m"})
            QTest::newRow(base) << referenceModel(base);
        QTest::newRow("default") << defaultModel();
    }
    void infoMatchesMeasuredPeakMemory() {
        QFETCH(QString, model);
        QTemporaryDir dir;
        const double estimate = infoJson(model)["memory_bytes"].toObject()["total"].toDouble();
        const Measured run = runMeasured(
            dir, {"generate", "-m", model, "-p", "Once upon a time", "-n", "8", "--temp", "0"});
        QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
        const double ratio = estimate / double(run.peakRssBytes);
        qInfo("estimate %.1f MiB, peak RSS %.1f MiB (%.2f)", estimate / 1048576.0,
              double(run.peakRssBytes) / 1048576.0, ratio);
        QVERIFY2(ratio > 0.8 && ratio < 1.2, qPrintable(QString("ratio %1").arg(ratio)));
    }

    // A model that declares a 4M-token context runs in a working context of 4096 by default,
    // and even a large -c costs memory only as the text grows.
    void hugeDeclaredContextDoesNotTakeMemory() {
        QTemporaryDir dir;
        const QString model = withDeclaredContext(dir, 4194304);
        QVERIFY(!model.isEmpty());
        const QJsonObject info = infoJson(model);
        QCOMPARE(info["trained_context"].toInt(), 4194304);
        QCOMPARE(info["context"].toInt(), 4096);
        Measured run = runMeasured(dir, {"generate", "-m", model, "-p", "It was", "-n", "5"});
        QVERIFY2(run.exitCode == 0 && run.peakRssBytes < (150u << 20), qPrintable(describe(run)));
        run =
            runMeasured(dir, {"generate", "-m", model, "-p", "It was", "-n", "5", "-c", "1048576"});
        QVERIFY2(run.exitCode == 0 && run.peakRssBytes < (200u << 20), qPrintable(describe(run)));
    }

    // What does not fit is refused before loading, saying how much it needs and what to lower.
    void contextThatDoesNotFitIsRefused() {
        QTemporaryDir dir;
        const uint64_t limit = 1ull << 31; // ulimit -v 2 GiB
        Measured run = runMeasured(
            dir, {"generate", "-m", defaultModel(), "-p", "It was", "-n", "5", "-c", "1048576"},
            limit);
        QVERIFY2(run.exitCode == 1 && run.err.contains("needs about 2.") &&
                     run.err.contains("smaller context") && run.out.isEmpty(),
                 qPrintable(describe(run)));
        run =
            runMeasured(dir, {"generate", "-m", defaultModel(), "-p", "It was", "-n", "5"}, limit);
        QVERIFY2(run.exitCode == 0, qPrintable(describe(run)));
        const CliResult r = runCli({"generate", "-p", "x", "-n", "1", "-c", "8000000"});
        QVERIFY2(r.exitCode == 1 && r.err.contains("context length 8000000"), r.err.constData());
    }

    void samplerValuesOutOfRangeAreRefused_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named");
        QTest::newRow("temp -1") << QStringList{"--temp", "-1"} << "--temp";
        QTest::newRow("temp nan") << QStringList{"--temp", "nan"} << "--temp";
        QTest::newRow("temp inf") << QStringList{"--temp", "inf"} << "--temp";
        QTest::newRow("top-p 2") << QStringList{"--top-p", "2"} << "--top-p";
        QTest::newRow("min-p 2") << QStringList{"--min-p", "2"} << "--min-p";
        QTest::newRow("typical 1.5") << QStringList{"--typical", "1.5"} << "--typical";
        QTest::newRow("repeat nan") << QStringList{"--repeat-penalty", "nan"} << "--repeat-penalty";
        QTest::newRow("repeat 0") << QStringList{"--repeat-penalty", "0"} << "--repeat-penalty";
        QTest::newRow("alpha nan") << QStringList{"--alpha", "nan"} << "--alpha";
    }
    void samplerValuesOutOfRangeAreRefused() {
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        const CliResult r = runCli(QStringList{"generate", "-p", "x", "-n", "2"} + args);
        QVERIFY2(r.exitCode == 2 && r.err.contains(named.toUtf8()) && r.out.isEmpty(),
                 qPrintable(QString::fromUtf8(r.err)));
    }

    // The extremes that are allowed still draw a token every step.
    void extremeButValidSamplersKeepACandidate() {
        for (const QStringList& args :
             {QStringList{"--top-p", "0"}, QStringList{"--min-p", "1"},
              QStringList{"--typical", "0", "--top-k", "0"}, QStringList{"--temp", "100"}}) {
            const CliResult r = runCli(QStringList{"generate", "-p", "It was", "-n", "6", "--json",
                                                   "--ignore-eos", "--seed", "3"} +
                                       args);
            QVERIFY2(r.exitCode == 0, r.err.constData());
            QCOMPARE(QJsonDocument::fromJson(r.out).object()["ids"].toArray().size(), 6);
        }
    }

    void otherArgumentsAreChecked() {
        QTemporaryDir dir;
        QFile text(dir.filePath("t.txt"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        for (int i = 0; i < 200; ++i) text.write("It was a cold morning and the sea was grey. ");
        text.close();
        CliResult r = runCli({"perplexity", "-f", text.fileName(), "-c", "64", "--chunks", "0"});
        QVERIFY2(r.exitCode == 2 && r.err.contains("--chunks") && !r.out.contains("nan"),
                 r.err.constData());
        r = runCli({"perplexity", "-f", text.fileName(), "-c", "16384"});
        QVERIFY2(r.exitCode == 1 && r.err.contains("16384") && !r.err.contains("batch size"),
                 r.err.constData());
        r = runCli({"perplexity", "-f", dir.path(), "-c", "64"});
        QVERIFY2(r.exitCode == 2 && r.err.contains("folder"), r.err.constData());
        r = runCli({"generate", "-f", dir.path()});
        QVERIFY2(r.exitCode == 2 && r.err.contains("folder"), r.err.constData());
        r = runCli({"generate", "-p", "It was", "-n", "2", "-t", "999"});
        QVERIFY2(r.exitCode == 0 && r.err.contains("hardware threads"), r.err.constData());
        // A prompt longer than the context is refused without being printed back.
        QString longPrompt;
        for (int i = 0; i < 400; ++i) longPrompt += QString("word%1 ").arg(i);
        r = runCli({"generate", "-p", longPrompt, "-n", "2", "-c", "64"});
        QVERIFY2(r.exitCode == 1 && r.err.contains("context") && !r.out.contains("word399") &&
                     !r.err.contains("word399"),
                 r.err.constData());
    }
};

QTEST_GUILESS_MAIN(CliLimitsTest)
#include "cli_limits_test.moc"
