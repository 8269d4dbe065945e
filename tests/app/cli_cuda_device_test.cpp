// `fabulist-cli info --device cuda` on a machine without a usable NVIDIA GPU (every CI leg): one
// line saying why and what to do instead, exit status 1; in a build without CUDA the same line
// says "not built". Where a CUDA device exists, the other tests (label gpu) cover it.

#include "inference/backend/backend_choice.h"
#include "tests/app/cli_runner.h"

#include <QtTest>

using fabulist::tests::runCli;

class CliCudaDeviceTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (fabulist::inference::cudaUnavailableReason().empty())
            QSKIP("a CUDA device is usable here; this checks the line printed without one");
    }

    void saysWhyInOneLine() {
        const auto r = runCli({"info", "--device", "cuda"});
        QVERIFY(!r.crashed);
        QCOMPARE(r.exitCode, 1);
        const QString err = QString::fromUtf8(r.err).trimmed();
        const QString reason =
            QString::fromStdString(fabulist::inference::cudaUnavailableReason());
        QVERIFY2(!err.contains('\n'), qPrintable(err));
        QVERIFY2(err.contains("CUDA: " + reason), qPrintable(err));
        QVERIFY2(err.contains("--device cpu"), qPrintable(err));
        QVERIFY2(r.out.isEmpty(), r.out.constData());
    }
};

QTEST_GUILESS_MAIN(CliCudaDeviceTest)
#include "cli_cuda_device_test.moc"
