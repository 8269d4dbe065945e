// `fabulist-cli info MODEL --device cuda --gpu-memory MIB [--cpu-moe N]` (#21): where the CUDA
// backend would put the weights of a MoE model on a GPU of that size, printed on a machine
// without one; and --cpu-moe accepted by the engine commands.
#include "tests/app/cli_runner.h"

#include <QTest>

using namespace fabulist::tests;

namespace {

QString describe(const CliResult& r) {
    return QString("exit %1\nstdout: %2\nstderr: %3")
        .arg(r.exitCode)
        .arg(QString::fromUtf8(r.out.left(3000)), QString::fromUtf8(r.err.left(2000)));
}

// tiny-qwen3moe: 2 layers of 8 experts, 4 MiB in all.
CliResult placement(const QStringList& more) {
    return runCli(QStringList{"info", referenceModel("tiny-qwen3moe-q4_k_m"), "-c", "256",
                              "--device", "cuda"} +
                  more);
}

} // namespace

class CliGpuPlacementTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        if (referenceDir().isEmpty()) QSKIP("no reference models ($FABULIST_REFERENCE_DIR)");
    }

    void wholeModelOnABigGpu() {
        const CliResult r = placement({"--gpu-memory", "1024"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains("GPU memory:     1024.0 MiB (--gpu-memory)"),
                 qPrintable(describe(r)));
        QVERIFY2(r.out.contains(" 0.0 MiB on the CPU"), qPrintable(describe(r)));
        QVERIFY2(r.out.contains("experts on the GPU: 16 of 16"), qPrintable(describe(r)));
        QVERIFY2(r.out.contains("experts on the GPU per layer: 0-1: 8/8"), qPrintable(describe(r)));
        // The device line says what this machine has (a GPU's name, or why there is none).
        QVERIFY2(r.out.contains("cuda device:    "), qPrintable(describe(r)));
    }

    void overrideKeepsTheFirstLayersExpertsOnTheCpu() {
        const CliResult r = placement({"--gpu-memory", "1024", "--cpu-moe", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains("override: experts of the first 1 layers stay on the CPU"),
                 qPrintable(describe(r)));
        QVERIFY2(r.out.contains("experts on the GPU per layer: 0: 0/8, 1: 8/8"),
                 qPrintable(describe(r)));
        QVERIFY2(r.out.contains("expected share of expert evaluations on the GPU: 50.0 %"),
                 qPrintable(describe(r)));
    }

    void refusedWhenTheDenseWeightsDoNotFit() {
        const CliResult r = placement({"--gpu-memory", "1"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains("MiB missing; use --device vulkan or --device cpu"),
                 qPrintable(describe(r)));
    }

    void usageErrors() {
        const CliResult noCuda =
            runCli({"info", referenceModel("tiny-qwen3moe-q4_k_m"), "--gpu-memory", "1024"});
        QCOMPARE(noCuda.exitCode, 2);
        QVERIFY2(noCuda.err.contains("--gpu-memory and --cpu-moe need --device cuda"),
                 qPrintable(describe(noCuda)));
        const CliResult bad = runCli({"generate", "-m", referenceModel("tiny-qwen3moe-q4_k_m"),
                                      "-p", "Once", "-n", "1", "--cpu-moe", "many"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("--cpu-moe expects an integer"), qPrintable(describe(bad)));
        // The CPU backend ignores the override: generate runs as without it.
        const CliResult cpu = runCli({"generate", "-m", referenceModel("tiny-qwen3moe-q4_k_m"),
                                      "-p", "Once", "-n", "2", "--cpu-moe", "1", "--seed", "1"});
        QVERIFY2(cpu.exitCode == 0, qPrintable(describe(cpu)));
    }
};

QTEST_GUILESS_MAIN(CliGpuPlacementTest)
#include "cli_gpu_placement_test.moc"
