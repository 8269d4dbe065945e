// The model manager's GPU figure (#18): the GPU the Auto backend would choose carries its
// device-local memory, and the fit estimate says whether the whole model fits it.
#include "inference/backend/backend_choice.h"
#include "inference/engine/model_fit.h"

#include <QtTest>

using namespace fabulist::inference;

namespace {

constexpr uint64_t kGiB = 1ull << 30;

ModelFootprint footprint(uint64_t bytes) {
    ModelFootprint f;
    f.memoryBytes = bytes;
    f.bytesPerToken = bytes / 4;
    return f;
}

} // namespace

class ModelFitGpuTest : public QObject {
    Q_OBJECT
private slots:
    void fitsTheGpusMemory() {
        const MachineMemory machine{64 * kGiB, 48 * kGiB, "Test GPU", 8 * kGiB};
        const FitEstimate small = estimateFit(footprint(4 * kGiB), machine, 50.0);
        QVERIFY(small.fits && small.fitsGpu);
        QCOMPARE(QString::fromStdString(describeFit(small)),
                 QString("fits: 4.0 GiB of 48.0 GiB; GPU: fits its 8.0 GiB"));
        const FitEstimate big = estimateFit(footprint(12 * kGiB), machine, 50.0);
        QVERIFY(big.fits && !big.fitsGpu);
        QCOMPARE(QString::fromStdString(describeFit(big)),
                 QString("fits: 12.0 GiB of 48.0 GiB; GPU: too big for its 8.0 GiB (runs on the "
                         "CPU)"));
        // No GPU: the RAM alone, as before.
        const MachineMemory cpuOnly{64 * kGiB, 48 * kGiB, {}, 0};
        QCOMPARE(QString::fromStdString(describeFit(estimateFit(footprint(4 * kGiB), cpuOnly, 50))),
                 QString("fits: 4.0 GiB of 48.0 GiB"));
    }

    void autoCarriesTheChosenGpusMemory() {
        DeviceList list;
        list.devices.push_back({"vulkan", "llvmpipe", ComputeDevice::Kind::Cpu, 16 * kGiB});
        list.devices.push_back({"vulkan", "Integrated", ComputeDevice::Kind::Integrated, 2 * kGiB});
        list.devices.push_back({"vulkan", "Discrete", ComputeDevice::Kind::Discrete, 12 * kGiB});
        const BackendChoice c = chooseBackend(BackendPreference::Auto, list);
        QCOMPARE(QString::fromStdString(c.deviceName), QString("Discrete"));
        QCOMPARE(c.deviceMemory, 12 * kGiB);
        list.devices.pop_back();
        list.devices.pop_back();
        QCOMPARE(chooseBackend(BackendPreference::Auto, list).deviceMemory, uint64_t(0)); // CPU
    }

    void vulkanDevicesReportTheirMemory() {
#ifndef FABULIST_HAVE_VULKAN
        QSKIP("this build has no Vulkan backend");
#else
        const DeviceList list = listComputeDevices();
        QVERIFY2(!list.devices.empty(), qPrintable("no Vulkan device: " +
                                                   QString::fromStdString(list.error)));
        for (const ComputeDevice& d : list.devices)
            QVERIFY2(d.memoryBytes > 0, d.name.c_str());
#endif
    }
};

QTEST_GUILESS_MAIN(ModelFitGpuTest)
#include "model_fit_gpu_test.moc"
