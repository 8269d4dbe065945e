// The Vulkan device layer: device selection and its error message, the embedded SPIR-V, buffer
// round trips through the staging path (larger than one staging chunk), the pipeline cache and
// the feature probe (against a direct query through the Vulkan 1.1/1.2/1.3 aggregate structs).
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
    void featureProbeMatchesDirectQuery();
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
void VulkanDeviceTest::featureProbeMatchesDirectQuery() {
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
// A Vulkan struct with every member zeroed and its sType set (no -Wmissing-field-initializers).
template <class T> T vkStruct(VkStructureType type) {
    T s{};
    s.sType = type;
    return s;
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

void VulkanDeviceTest::featureProbeMatchesDirectQuery() {
    auto device = anyDevice();
    if (!device) QSKIP("no Vulkan device (not even lavapipe): the feature probe is not tested");
    const VulkanFeatures& f = device->features();
    VkPhysicalDevice pd = device->physicalDevice();
    qInfo("%s: api %u.%u, subgroup %u (min %u, max %u), fp16 %d int8 %d int-dot %d coopmat %d",
          f.deviceName.c_str(), VK_API_VERSION_MAJOR(f.apiVersion),
          VK_API_VERSION_MINOR(f.apiVersion), f.subgroupSize, f.minSubgroupSize, f.maxSubgroupSize,
          f.shaderFloat16, f.shaderInt8, f.integerDotProduct, f.cooperativeMatrix);

    // Consistency of the probe with itself and with what the device layer uses.
    QCOMPARE(f.deviceName, device->name());
    QCOMPARE(f.subgroupSize, device->subgroupSize());
    QCOMPARE(f.subgroupArithmetic, device->subgroupArithmetic());
    QVERIFY(f.subgroupSize >= 1);
    if (f.subgroupSizeControlReported) {
        QVERIFY2(f.minSubgroupSize >= 1 && f.minSubgroupSize <= f.maxSubgroupSize,
                 "minSubgroupSize <= maxSubgroupSize");
        QVERIFY2(f.subgroupSize >= f.minSubgroupSize && f.subgroupSize <= f.maxSubgroupSize,
                 "subgroupSize within [minSubgroupSize, maxSubgroupSize]");
        // Both are powers of two (Vulkan spec, VkPhysicalDeviceSubgroupSizeControlProperties).
        QCOMPARE(f.minSubgroupSize & (f.minSubgroupSize - 1), 0u);
        QCOMPARE(f.maxSubgroupSize & (f.maxSubgroupSize - 1), 0u);
    } else {
        QVERIFY(!f.subgroupSizeControl && !f.computeFullSubgroups);
        QCOMPARE(f.minSubgroupSize, 0u);
        QCOMPARE(f.maxSubgroupSize, 0u);
    }
    if (!f.integerDotProduct) {
        QVERIFY(!f.integerDot8BitUnsignedAccelerated && !f.integerDot8BitSignedAccelerated &&
                !f.integerDot8BitMixedSignednessAccelerated);
        QVERIFY(!f.integerDot4x8BitPackedUnsignedAccelerated &&
                !f.integerDot4x8BitPackedSignedAccelerated &&
                !f.integerDot4x8BitPackedMixedSignednessAccelerated);
    }
    const auto lines = describeFeatures(f, glslcFeatures());
    QVERIFY(lines.size() >= 20);
    QCOMPARE(QString::fromStdString(lines.front().second), QString::fromStdString(f.deviceName));

    // A direct query by another route: the extension list, and the aggregate Vulkan 1.1/1.2/1.3
    // structs (the probe chains the individual feature structs instead).
    VkPhysicalDeviceProperties base;
    vkGetPhysicalDeviceProperties(pd, &base);
    QCOMPARE(f.apiVersion, base.apiVersion);
    uint32_t n = 0;
    vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr);
    std::vector<VkExtensionProperties> ext(n);
    if (n) vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, ext.data());
    bool coopmat = false;
    for (uint32_t i = 0; i < n; ++i)
        coopmat |= std::strcmp(ext[i].extensionName, "VK_KHR_cooperative_matrix") == 0;
    QCOMPARE(f.cooperativeMatrix, coopmat);

    const uint32_t minor = VK_API_VERSION_MINOR(base.apiVersion);
    if (VK_API_VERSION_MAJOR(base.apiVersion) == 1 && minor < 3)
        QSKIP("device below Vulkan 1.3: no aggregate 1.3 structs to compare the probe with");
    auto f11 = vkStruct<VkPhysicalDeviceVulkan11Features>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES);
    auto f12 = vkStruct<VkPhysicalDeviceVulkan12Features>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES);
    auto f13 = vkStruct<VkPhysicalDeviceVulkan13Features>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES);
    auto features2 =
        vkStruct<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
    features2.pNext = &f11;
    f11.pNext = &f12;
    f12.pNext = &f13;
    vkGetPhysicalDeviceFeatures2(pd, &features2);
    auto p11 = vkStruct<VkPhysicalDeviceVulkan11Properties>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES);
    auto p13 = vkStruct<VkPhysicalDeviceVulkan13Properties>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_PROPERTIES);
    auto props2 =
        vkStruct<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
    props2.pNext = &p11;
    p11.pNext = &p13;
    vkGetPhysicalDeviceProperties2(pd, &props2);

    QCOMPARE(f.storageBuffer16BitAccess, bool(f11.storageBuffer16BitAccess));
    QCOMPARE(f.storageBuffer8BitAccess, bool(f12.storageBuffer8BitAccess));
    QCOMPARE(f.shaderFloat16, bool(f12.shaderFloat16));
    QCOMPARE(f.shaderInt8, bool(f12.shaderInt8));
    QCOMPARE(f.integerDotProduct, bool(f13.shaderIntegerDotProduct));
    QVERIFY(f.subgroupSizeControlReported); // 1.3 core
    QCOMPARE(f.subgroupSizeControl, bool(f13.subgroupSizeControl));
    QCOMPARE(f.computeFullSubgroups, bool(f13.computeFullSubgroups));
    QCOMPARE(f.subgroupSize, p11.subgroupSize);
    const VkSubgroupFeatureFlags arith =
        VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
    const VkSubgroupFeatureFlags shuffle =
        VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_SHUFFLE_BIT;
    const bool compute = p11.subgroupSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT;
    QCOMPARE(f.subgroupArithmetic, compute && (p11.subgroupSupportedOperations & arith) == arith);
    QCOMPARE(f.subgroupShuffle, compute && (p11.subgroupSupportedOperations & shuffle) == shuffle);
    QCOMPARE(f.minSubgroupSize, p13.minSubgroupSize);
    QCOMPARE(f.maxSubgroupSize, p13.maxSubgroupSize);
    QCOMPARE(f.requiredSubgroupSizeStages, p13.requiredSubgroupSizeStages);
    const bool dot = f13.shaderIntegerDotProduct;
    QCOMPARE(f.integerDot8BitUnsignedAccelerated,
             dot && p13.integerDotProduct8BitUnsignedAccelerated);
    QCOMPARE(f.integerDot8BitSignedAccelerated, dot && p13.integerDotProduct8BitSignedAccelerated);
    QCOMPARE(f.integerDot8BitMixedSignednessAccelerated,
             dot && p13.integerDotProduct8BitMixedSignednessAccelerated);
    QCOMPARE(f.integerDot4x8BitPackedUnsignedAccelerated,
             dot && p13.integerDotProduct4x8BitPackedUnsignedAccelerated);
    QCOMPARE(f.integerDot4x8BitPackedSignedAccelerated,
             dot && p13.integerDotProduct4x8BitPackedSignedAccelerated);
    QCOMPARE(f.integerDot4x8BitPackedMixedSignednessAccelerated,
             dot && p13.integerDotProduct4x8BitPackedMixedSignednessAccelerated);
}

#endif

QTEST_GUILESS_MAIN(VulkanDeviceTest)
#include "vulkan_device_test.moc"
