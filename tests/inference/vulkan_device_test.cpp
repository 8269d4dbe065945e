// The Vulkan device layer: device selection and its error message, the embedded SPIR-V, buffer
// round trips through the staging path (larger than one staging chunk) and the pipeline cache.
// Runs on any Vulkan device; tests that need one allow the CPU implementation (lavapipe).

#include "inference/backend/backend.h"
#include "inference/engine/engine.h"
#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/vulkan/vulkan_buffer.h"
#include "inference/backend/vulkan/vulkan_device.h"
#include "inference/backend/vulkan/vulkan_pipelines.h"
#include "inference/backend/vulkan/vulkan_shaders.h"
#endif

#include <QtTest>
#include <cstring>
#include <memory>
#include <vector>

using namespace fabulist::inference;

class VulkanDeviceTest : public QObject {
    Q_OBJECT
private slots:
    void selectionWithoutCpuDevices();
    void createBackendExplainsState();
    void embeddedShadersAreSpirv();
    void bufferRoundTrip();
    void pipelineCacheReuses();
};

#ifndef FABULIST_HAVE_VULKAN
void VulkanDeviceTest::selectionWithoutCpuDevices() {
    QSKIP("this build has no Vulkan backend (FABULIST_VULKAN=OFF, or Vulkan headers/glslc not "
          "found)");
}
void VulkanDeviceTest::createBackendExplainsState() {
    try {
        createBackend("vulkan", 1);
        QFAIL("createBackend(\"vulkan\") succeeded in a build without Vulkan");
    } catch (const EngineError& e) {
        QVERIFY2(QString(e.what()).contains("--device cpu"), e.what());
    }
}
void VulkanDeviceTest::embeddedShadersAreSpirv() {
    QSKIP("this build has no Vulkan backend");
}
void VulkanDeviceTest::bufferRoundTrip() {
    QSKIP("this build has no Vulkan backend");
}
void VulkanDeviceTest::pipelineCacheReuses() {
    QSKIP("this build has no Vulkan backend");
}
#else

using namespace fabulist::inference::vulkan;

namespace {
std::unique_ptr<VulkanDevice> anyDevice() {
    qputenv("FABULIST_VULKAN_ALLOW_CPU", "1");
    try {
        return std::make_unique<VulkanDevice>();
    } catch (const VulkanError& e) {
        qInfo("no Vulkan device: %s", e.what());
        return nullptr;
    }
}
} // namespace

void VulkanDeviceTest::selectionWithoutCpuDevices() {
    // Without the opt-in a CPU implementation is never chosen: either a GPU is, or the error
    // says that none exists and that the engine uses the CPU backend.
    qunsetenv("FABULIST_VULKAN_ALLOW_CPU");
    try {
        VulkanDevice device;
        QVERIFY2(!device.isCpu(), device.name().c_str());
        qInfo("selected %s", device.name().c_str());
    } catch (const VulkanError& e) {
        const QString msg = e.what();
        qInfo("%s", e.what());
        QVERIFY2(msg.contains("no Vulkan device found"), e.what());
        QVERIFY2(msg.contains("falls back to the CPU"), e.what());
    }
}

void VulkanDeviceTest::createBackendExplainsState() {
    // createBackend("vulkan") returns the Vulkan backend when a device exists (lavapipe allowed
    // here), and otherwise an EngineError that names the reason; never another backend.
    qputenv("FABULIST_VULKAN_ALLOW_CPU", "1");
    try {
        auto backend = createBackend("vulkan", 1);
        QCOMPARE(QString::fromStdString(backend->name()), QString("vulkan"));
    } catch (const EngineError& e) {
        QVERIFY2(QString(e.what()).contains("no Vulkan device found"), e.what());
    }
}

void VulkanDeviceTest::embeddedShadersAreSpirv() {
    const char* expected[] = {"matmul_f32",  "matmul_f16", "matmul_q8_0", "matmul_q4_k",
                              "matmul_q6_k", "rms_norm",   "rope",        "softmax",
                              "swiglu",      "add"};
    for (const char* name : expected) {
        for (const std::string& variant : {std::string(name), std::string(name) + ".shared"}) {
            const SpirvShader* s = findShader(variant);
            QVERIFY2(s, variant.c_str());
            QVERIFY(s->wordCount > 5);
            QCOMPARE(s->words[0], 0x07230203u); // SPIR-V magic number
        }
    }
    QVERIFY(!findShader("no_such_shader"));
}

void VulkanDeviceTest::bufferRoundTrip() {
    auto device = anyDevice();
    if (!device) QSKIP("no Vulkan device");
    // 20 MiB: more than one 16 MiB staging chunk, at an unaligned offset.
    const size_t n = (size_t(20) << 20) + 13;
    std::vector<uint8_t> src(n), dst(n);
    for (size_t i = 0; i < n; ++i) src[i] = uint8_t(i * 2654435761u >> 13);
    VulkanBuffer buffer(*device, n + 64, VulkanBuffer::Kind::DeviceLocal);
    buffer.upload(7, src.data(), n);
    buffer.download(7, dst.data(), n);
    QVERIFY(std::memcmp(src.data(), dst.data(), n) == 0);
    QVERIFY(buffer.size() % 4 == 0);
    QVERIFY_THROWS_EXCEPTION(VulkanError, buffer.upload(buffer.size() - 2, src.data(), 4));
}

void VulkanDeviceTest::pipelineCacheReuses() {
    auto device = anyDevice();
    if (!device) QSKIP("no Vulkan device");
    VulkanPipelines pipelines(*device);
    const VulkanPipeline& a = pipelines.get("add", 2, 64);
    const VulkanPipeline& b = pipelines.get("add", 2, 64);
    const VulkanPipeline& c = pipelines.get("add", 2, 128);
    QCOMPARE(&a, &b);
    QVERIFY(a.pipeline != c.pipeline);
    QCOMPARE(c.workgroup, 128u);
    QVERIFY_THROWS_EXCEPTION(VulkanError, pipelines.get("no_such_shader", 1, 64));
}

#endif

QTEST_GUILESS_MAIN(VulkanDeviceTest)
#include "vulkan_device_test.moc"
