// Without a usable NVIDIA GPU the CUDA backend says why in one line and the engine runs elsewhere:
// createBackend("cuda") throws that reason, Auto takes Vulkan or the CPU and carries the reason,
// an explicit CUDA choice falls back the same way. Runs on machines without a CUDA device (every
// CI leg); built with or without CUDA (without, the reason is "not built").

#include "inference/backend/backend.h"
#include "inference/backend/backend_choice.h"
#include "inference/engine_error.h"

#include <QtTest>
#include <string>

using namespace fabulist::inference;

class CudaFallbackTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (cudaUnavailableReason().empty())
            QSKIP("a CUDA device is usable here; the fallback is checked on machines without one "
                  "(the gpu-labelled CUDA tests run here instead)");
    }

    // The reason names what is missing and what to do, in one line.
    void reasonIsOneActionableLine() {
        const std::string reason = cudaUnavailableReason();
        QVERIFY(reason.find('\n') == std::string::npos);
        if (!cudaBackendBuilt()) {
            QVERIFY2(reason.find("not built") == 0, reason.c_str());
            return;
        }
        // These machines have no NVIDIA driver: the probe (static cudart) must say so, not
        // report a generic runtime error.
        QVERIFY2(reason == "no NVIDIA driver (libcuda.so.1 not found); install the NVIDIA "
                           "driver to use an NVIDIA GPU" ||
                     reason.find("no NVIDIA GPU found") == 0,
                 reason.c_str());
    }

    void createBackendThrowsTheReason() {
        try {
            createBackend("cuda", 1);
            QFAIL("createBackend(\"cuda\") succeeded without a CUDA device");
        } catch (const EngineError& e) {
            const std::string what = e.what();
            QVERIFY2(what.find("CUDA: " + cudaUnavailableReason()) == 0, e.what());
            QVERIFY2(what.find("--device cpu") != std::string::npos, e.what());
        }
    }

    // Auto on this machine: no "cuda" device is listed, the choice is Vulkan or the CPU, and the
    // CUDA reason comes along (a build without CUDA stays quiet about it).
    void autoFallsBackWithTheCudaReason() {
        const DeviceList devices = listComputeDevices();
        for (const ComputeDevice& d : devices.devices) QVERIFY(d.backend != "cuda");
        const BackendChoice c = chooseBackend(BackendPreference::Auto, devices);
        QVERIFY(c.device == "cpu" || c.device == "vulkan");
        if (!cudaBackendBuilt()) {
            QVERIFY(c.cudaNotice.empty());
            return;
        }
        QCOMPARE(devices.cudaReason, cudaUnavailableReason());
        const std::string using_ = c.device == "cpu" ? "the CPU" : "Vulkan";
        QCOMPARE(c.cudaNotice, "CUDA: " + devices.cudaReason + "; using " + using_);
        if (c.device == "cpu")
            QVERIFY2(c.reason.find("; CUDA: " + devices.cudaReason) != std::string::npos,
                     c.reason.c_str());
    }

    // The CPU with the CUDA reason when nothing else exists; the explicit CUDA choice too.
    void cpuCarriesTheReasonWhenNoGpuExists() {
        DeviceList none;
        none.cudaReason = "no NVIDIA driver (libcuda.so.1 not found); install the NVIDIA driver";
        for (BackendPreference p : {BackendPreference::Auto, BackendPreference::Cuda}) {
            const BackendChoice c = chooseBackend(p, none);
            QCOMPARE(c.device, std::string("cpu"));
            QCOMPARE(c.reason, "no GPU found; CUDA: " + none.cudaReason);
            QCOMPARE(c.cudaNotice, "CUDA: " + none.cudaReason + "; using the CPU");
        }
        // A usable CUDA device is Auto's first choice, before a discrete Vulkan GPU.
        DeviceList both;
        both.devices = {{"vulkan", "NVIDIA RTX 4070", ComputeDevice::Kind::Discrete, 12ull << 30},
                        {"cuda", "NVIDIA RTX 4070", ComputeDevice::Kind::Discrete, 12ull << 30}};
        QCOMPARE(chooseBackend(BackendPreference::Auto, both).device, std::string("cuda"));
        QCOMPARE(chooseBackend(BackendPreference::Vulkan, both).device, std::string("vulkan"));
    }
};

QTEST_GUILESS_MAIN(CudaFallbackTest)
#include "cuda_fallback_test.moc"
