// The Vulkan compute shaders against the CPU references, on whatever Vulkan device exists (the
// tests allow the CPU implementation, Mesa's lavapipe, so they run on machines without a GPU).
// Every reducing shader is checked in both variants: subgroup reductions and the shared-memory
// fallback. Matmul references are the scalar dequantizer (quant/quantizeRow + dequantizeRow)
// with double accumulation; RMSNorm and RoPE are the CPU backend's own ops; SwiGLU and softmax
// the scalar vec:: references.

// Engine headers first: Qt's `slots` macro would rewrite CpuBackend's member of that name.
#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/cpu/cpu_backend.h"
#include "inference/backend/cpu/vector_ops.h"
#include "inference/backend/vulkan/vulkan_buffer.h"
#include "inference/backend/vulkan/vulkan_device.h"
#include "inference/backend/vulkan/vulkan_ops.h"
#include "inference/backend/vulkan/vulkan_pipelines.h"
#include "inference/quant/quant_kernels.h"

#include <cmath>
#include <memory>
#include <random>
#include <vector>

using namespace fabulist::inference;
using namespace fabulist::inference::vulkan;
#endif

#include <QtTest>

class VulkanOpsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void matmul_data();
    void matmul();
    void matmulSplitsLargeWeights();
    void roundedActivationsMatchCpuVecDot_data();
    void roundedActivationsMatchCpuVecDot();
    void rmsNorm_data();
    void rmsNorm();
    void rope_data();
    void rope();
    void swigluSoftmaxAdd_data();
    void swigluSoftmaxAdd();
    void cleanupTestCase();

#ifdef FABULIST_HAVE_VULKAN
private:
    // One device; two op recorders: subgroup reductions (when the device has them) and shared.
    std::unique_ptr<VulkanDevice> m_device;
    std::unique_ptr<VulkanPipelines> m_pipelines[2];
    std::unique_ptr<VulkanOps> m_ops[2];
    std::mt19937 m_rng{1234};

    std::vector<float> randomFloats(size_t n, float scale = 1.0f) {
        std::normal_distribution<float> d(0.0f, scale);
        std::vector<float> v(n);
        for (float& x : v) x = d(m_rng);
        return v;
    }
    std::unique_ptr<VulkanBuffer> deviceCopy(const std::vector<float>& v, size_t padFloats = 0) {
        auto b = std::make_unique<VulkanBuffer>(*m_device, (v.size() + padFloats) * sizeof(float),
                                                VulkanBuffer::Kind::DeviceLocal);
        if (!v.empty()) b->upload(0, v.data(), v.size() * sizeof(float));
        return b;
    }
    static std::vector<float> hostCopy(VulkanBuffer& b, size_t n, size_t offsetFloats = 0) {
        std::vector<float> v(n);
        b.download(offsetFloats * sizeof(float), v.data(), n * sizeof(float));
        return v;
    }
    void checkMatmul(VulkanOps& ops, GgmlType type, int nIn, int nOut, int rows);
    // "" when every got[i] is within relTol * (1 + |ref[i]|) of ref[i], else the first miss.
    static QString firstMismatch(const std::vector<float>& got, const float* ref, float relTol,
                                 const char* name) {
        for (size_t i = 0; i < got.size(); ++i)
            if (std::fabs(got[i] - ref[i]) > relTol * (1.0f + std::fabs(ref[i])))
                return QString("%1[%2] = %3, CPU %4").arg(name).arg(i).arg(got[i]).arg(ref[i]);
        return {};
    }
#endif
};

#ifndef FABULIST_HAVE_VULKAN
void VulkanOpsTest::initTestCase() {
    QSKIP("this build has no Vulkan backend (FABULIST_VULKAN=OFF, or Vulkan headers/glslc not "
          "found)");
}
void VulkanOpsTest::matmul_data() {}
void VulkanOpsTest::matmul() {}
void VulkanOpsTest::matmulSplitsLargeWeights() {}
void VulkanOpsTest::roundedActivationsMatchCpuVecDot_data() {}
void VulkanOpsTest::roundedActivationsMatchCpuVecDot() {}
void VulkanOpsTest::rmsNorm_data() {}
void VulkanOpsTest::rmsNorm() {}
void VulkanOpsTest::rope_data() {}
void VulkanOpsTest::rope() {}
void VulkanOpsTest::swigluSoftmaxAdd_data() {}
void VulkanOpsTest::swigluSoftmaxAdd() {}
void VulkanOpsTest::cleanupTestCase() {}
#else

void VulkanOpsTest::initTestCase() {
    qputenv("FABULIST_VULKAN_ALLOW_CPU", "1");
    try {
        m_device = std::make_unique<VulkanDevice>();
    } catch (const VulkanError& e) {
        QSKIP(qPrintable(QString("no usable Vulkan device: ") + e.what()));
    }
    qInfo("Vulkan device: %s (subgroup size %u, subgroup arithmetic %s, storage range %llu MiB)",
          m_device->name().c_str(), m_device->subgroupSize(),
          m_device->subgroupArithmetic() ? "yes" : "no",
          static_cast<unsigned long long>(m_device->maxStorageRange() >> 20));
    for (int v = 0; v < 2; ++v) {
        m_pipelines[v] = std::make_unique<VulkanPipelines>(*m_device, v == 1);
        m_ops[v] = std::make_unique<VulkanOps>(*m_device, *m_pipelines[v]);
    }
}

void VulkanOpsTest::cleanupTestCase() {
    for (int v = 0; v < 2; ++v) {
        m_ops[v].reset();
        m_pipelines[v].reset();
    }
    m_device.reset();
}

void VulkanOpsTest::checkMatmul(VulkanOps& ops, GgmlType type, int nIn, int nOut, int rows) {
    // Weights: random values through the scalar quantizer, so the bytes are a real GGUF row.
    const size_t rowBytes = ggmlRowBytes(type, nIn);
    std::vector<uint8_t> bytes(rowBytes * size_t(nOut));
    std::vector<float> dequant(size_t(nIn) * nOut);
    for (int r = 0; r < nOut; ++r) {
        const std::vector<float> w = randomFloats(size_t(nIn));
        quantizeRow(type, w.data(), bytes.data() + r * rowBytes, nIn);
        dequantizeRow(type, bytes.data() + r * rowBytes, dequant.data() + size_t(r) * nIn, nIn);
    }
    // x rows and y rows strided wider than needed, and at an offset, as views of a bigger Act.
    const int xStride = nIn + 3, yStride = nOut + 5, x0 = 7, y0 = 3;
    const std::vector<float> x = randomFloats(size_t(x0) + size_t(rows) * xStride);
    auto xb = deviceCopy(x);
    auto yb = deviceCopy(std::vector<float>(size_t(y0) + size_t(rows) * yStride, -1.0f));
    const VulkanWeight w = ops.uploadWeight(type, nIn, nOut, bytes.data());
    ops.matmul(w, {xb.get(), x0 * sizeof(float)}, rows, xStride, {yb.get(), y0 * sizeof(float)},
               yStride);
    ops.flush();
    const std::vector<float> y = hostCopy(*yb, size_t(rows) * yStride, y0);
    for (int t = 0; t < rows; ++t) {
        for (int r = 0; r < nOut; ++r) {
            double ref = 0, mag = 0;
            for (int i = 0; i < nIn; ++i) {
                const double p =
                    double(dequant[size_t(r) * nIn + i]) * double(x[x0 + size_t(t) * xStride + i]);
                ref += p;
                mag += std::fabs(p);
            }
            const double got = y[size_t(t) * yStride + r];
            if (std::fabs(got - ref) > 1e-5 * mag + 1e-6)
                QFAIL(qPrintable(QString("%1 %2x%3 rows %4: y[%5][%6] = %7, reference %8")
                                     .arg(ggmlTypeTraits(type).name.data())
                                     .arg(nOut)
                                     .arg(nIn)
                                     .arg(rows)
                                     .arg(t)
                                     .arg(r)
                                     .arg(got)
                                     .arg(ref)));
        }
        // Padding between rows stays untouched.
        for (int r = nOut; r < yStride && t + 1 < rows; ++r)
            QCOMPARE(y[size_t(t) * yStride + r], -1.0f);
    }
}

void VulkanOpsTest::matmul_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("nIn");
    QTest::addColumn<int>("nOut");
    QTest::addColumn<int>("rows");
    struct Shape {
        int nIn, nOut, rows;
    };
    const Shape floatShapes[] = {{1, 1, 1}, {7, 5, 1}, {33, 17, 3}, {255, 31, 9}, {1000, 3, 2}};
    const Shape blockShapes[] = {{32, 1, 1}, {96, 37, 5}, {320, 129, 9}, {2048, 11, 4}};
    const Shape superShapes[] = {{256, 1, 1}, {768, 37, 5}, {2560, 13, 9}};
    for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q8_0, GgmlType::Q4_0,
                       GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q4_K,
                       GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q2_K, GgmlType::Q3_K,
                       GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4}) {
        const uint32_t bs = ggmlTypeTraits(t).blockSize;
        const std::span<const Shape> shapes = bs == 1    ? std::span<const Shape>(floatShapes)
                                              : bs == 32 ? std::span<const Shape>(blockShapes)
                                                         : std::span<const Shape>(superShapes);
        for (const Shape& s : shapes)
            QTest::addRow("%s %dx%d rows %d", ggmlTypeTraits(t).name.data(), s.nOut, s.nIn, s.rows)
                << int(t) << s.nIn << s.nOut << s.rows;
    }
}

void VulkanOpsTest::matmul() {
    QFETCH(int, type);
    QFETCH(int, nIn);
    QFETCH(int, nOut);
    QFETCH(int, rows);
    for (auto& ops : m_ops) checkMatmul(*ops, GgmlType(type), nIn, nOut, rows);
}

void VulkanOpsTest::matmulSplitsLargeWeights() {
    // A storage range of 2 KiB forces several row chunks (and unaligned chunk starts: Q8_0 rows
    // of 102 bytes) through the same path a 128 MiB lavapipe range takes for a large vocabulary.
    const uint64_t saved = m_device->maxStorageRange();
    m_device->limitStorageRangeForTesting(2048 + m_device->storageAlignment());
    QString error;
    try {
        checkMatmul(*m_ops[0], GgmlType::Q8_0, 96, 53, 2);
        checkMatmul(*m_ops[0], GgmlType::F16, 37, 41, 1);
        checkMatmul(*m_ops[0], GgmlType::Q6_K, 256, 29, 1); // 210-byte rows
    } catch (const VulkanError& e) {
        error = e.what();
    }
    m_device->limitStorageRangeForTesting(saved);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void VulkanOpsTest::roundedActivationsMatchCpuVecDot_data() {
    QTest::addColumn<int>("typeId");
    for (GgmlType t : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_1,
                       GgmlType::Q5_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::Q2_K,
                       GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4})
        QTest::newRow(ggmlTypeTraits(t).name.data()) << int(t);
}

void VulkanOpsTest::roundedActivationsMatchCpuVecDot() {
    // roundActivations + matmul must give what the CPU's kernels compute from activations
    // quantized to the vec-dot type (the integer dot products llama.cpp uses).
    QFETCH(int, typeId);
    const GgmlType type = GgmlType(typeId);
    const int nIn = 512, nOut = 7, rows = 3;
    const size_t rowBytes = ggmlRowBytes(type, nIn);
    std::vector<uint8_t> bytes(rowBytes * nOut);
    for (int r = 0; r < nOut; ++r) {
        const std::vector<float> w = randomFloats(size_t(nIn));
        quantizeRow(type, w.data(), bytes.data() + r * rowBytes, nIn);
    }
    const std::vector<float> x = randomFloats(size_t(rows) * nIn, 2.0f);
    const QuantKernels& k = *quantKernelsFor(type, QuantIsa::Scalar);
    std::vector<uint8_t> xq(activationBytes(type, nIn));
    auto xb = deviceCopy(x);
    auto rb = deviceCopy(std::vector<float>(x.size()));
    auto yb = deviceCopy(std::vector<float>(size_t(rows) * nOut));
    const VulkanWeight w = m_ops[0]->uploadWeight(type, nIn, nOut, bytes.data());
    QVERIFY(m_ops[0]->roundActivations(type, {xb.get(), 0}, rows, nIn, nIn, {rb.get(), 0}, nIn));
    m_ops[0]->matmul(w, {rb.get(), 0}, rows, nIn, {yb.get(), 0}, nOut);
    m_ops[0]->flush();
    const std::vector<float> y = hostCopy(*yb, size_t(rows) * nOut);
    for (int t = 0; t < rows; ++t) {
        k.quantizeActivations(x.data() + size_t(t) * nIn, xq.data(), nIn);
        for (int r = 0; r < nOut; ++r) {
            const float ref = k.vecDot(bytes.data() + r * rowBytes, xq.data(), nIn);
            const float got = y[size_t(t) * nOut + r];
            // Tolerance relative to sum |w * x|. Q8_1 (Q4_1/Q5_1 weights): the CPU also rounds
            // d * sum(q) to f16, which carries the min term (~5e-4 of it); the f32 path does not.
            std::vector<float> wrow(nIn);
            dequantizeRow(type, bytes.data() + r * rowBytes, wrow.data(), nIn);
            double mag = 0;
            for (int i = 0; i < nIn; ++i) mag += std::fabs(wrow[i] * x[size_t(t) * nIn + i]);
            const double tol = (vecDotTypeOf(type) == GgmlType::Q8_1 ? 2e-3 : 2e-5) * mag;
            if (std::fabs(got - ref) > tol)
                QFAIL(qPrintable(
                    QString("row %1 out %2: %3, CPU vecDot %4").arg(t).arg(r).arg(got).arg(ref)));
        }
    }
}

void VulkanOpsTest::rmsNorm_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("group");
    QTest::addColumn<bool>("weighted");
    QTest::newRow("row 1x7") << 1 << 7 << 7 << true;
    QTest::newRow("rows 5x333") << 5 << 333 << 333 << true;
    QTest::newRow("rows 3x4096 no weight") << 3 << 4096 << 4096 << false;
    QTest::newRow("per head 4x(6x40)") << 4 << 240 << 40 << true;
}

void VulkanOpsTest::rmsNorm() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, group);
    QFETCH(bool, weighted);
    const std::vector<float> x = randomFloats(size_t(rows) * cols, 3.0f);
    const std::vector<float> w = randomFloats(size_t(group));
    const float eps = 1e-5f;

    CpuBackend cpu(1);
    BackendLimits limits;
    limits.maxRows = rows;
    limits.maxCols = cols;
    cpu.reserve(limits);
    Act a = cpu.allocate(rows, cols);
    std::copy(x.begin(), x.end(), CpuBackend::rowPtr(a, 0));
    Weight weight;
    weight.nIn = group;
    weight.host = w.data();
    cpu.rmsNorm(a, weighted ? &weight : nullptr, a, group, eps);

    for (auto& ops : m_ops) {
        auto xb = deviceCopy(x);
        auto wb = deviceCopy(w);
        const DeviceF32 wd{wb.get(), 0};
        ops->rmsNorm({xb.get(), 0}, weighted ? &wd : nullptr, {xb.get(), 0}, rows, cols, group,
                     eps);
        ops->flush();
        const QString miss =
            firstMismatch(hostCopy(*xb, x.size()), CpuBackend::rowPtr(a, 0), 2e-6f, "y");
        QVERIFY2(miss.isEmpty(), qPrintable(miss));
    }
}

void VulkanOpsTest::rope_data() {
    QTest::addColumn<bool>("neox");
    QTest::addColumn<int>("nRot");
    QTest::addColumn<bool>("factors");
    QTest::addColumn<bool>("yarn");
    QTest::addColumn<int>("offset"); // rotated dims start this far into each head
    QTest::newRow("normal") << false << 64 << false << false << 0;
    QTest::newRow("neox") << true << 64 << false << false << 0;
    QTest::newRow("partial neox with freq factors") << true << 32 << true << false << 0;
    QTest::newRow("partial normal") << false << 18 << false << false << 0;
    QTest::newRow("yarn neox") << true << 64 << false << true << 0;
    QTest::newRow("yarn normal, rope after 16 dims (MLA)") << false << 16 << false << true << 16;
    QTest::newRow("partial neox at an offset") << true << 32 << false << false << 32;
}

void VulkanOpsTest::rope() {
    QFETCH(bool, neox);
    QFETCH(int, nRot);
    QFETCH(bool, factors);
    QFETCH(bool, yarn);
    QFETCH(int, offset);
    const int rows = 5, nHead = 3, headDim = 64, cols = nHead * headDim, pos0 = 1000;
    std::vector<float> ff(size_t(nRot / 2));
    for (size_t i = 0; i < ff.size(); ++i) ff[i] = 1.0f + float(i) * 0.25f;
    Weight ffWeight;
    ffWeight.nIn = nRot / 2;
    ffWeight.host = ff.data();
    RopeParams p;
    p.nHead = nHead;
    p.headDim = headDim;
    p.nRot = nRot;
    p.freqBase = 500000.0f;
    p.freqScale = 0.5f;
    p.neox = neox;
    p.freqFactors = factors ? &ffWeight : nullptr;
    p.offset = offset;
    if (yarn) {
        p.extFactor = 1.0f;
        p.attnFactor = 0.9f;
        p.nCtxOrig = 4096;
    }
    const std::vector<float> x = randomFloats(size_t(rows) * cols);

    CpuBackend cpu(1);
    BackendLimits limits;
    limits.maxRows = rows;
    limits.maxCols = cols;
    cpu.reserve(limits);
    Act a = cpu.allocate(rows, cols);
    std::copy(x.begin(), x.end(), CpuBackend::rowPtr(a, 0));
    cpu.rope(a, p, pos0);

    auto xb = deviceCopy(x);
    m_ops[0]->rope({xb.get(), 0}, rows, cols, p, pos0);
    m_ops[0]->flush();
    const QString miss =
        firstMismatch(hostCopy(*xb, x.size()), CpuBackend::rowPtr(a, 0), 1e-6f, "x");
    QVERIFY2(miss.isEmpty(), qPrintable(miss));
}

void VulkanOpsTest::swigluSoftmaxAdd_data() {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::newRow("1x1") << 1 << 1;
    QTest::newRow("3x77") << 3 << 77;
    QTest::newRow("2x5000") << 2 << 5000;
    QTest::newRow("300x9 (many rows)") << 300 << 9;
}

void VulkanOpsTest::swigluSoftmaxAdd() {
    QFETCH(int, rows);
    QFETCH(int, cols);
    const size_t n = size_t(rows) * cols;
    const std::vector<float> g = randomFloats(n, 4.0f), u = randomFloats(n, 2.0f);
    const std::vector<float> logits = randomFloats(n, 8.0f);
    std::vector<float> swigluRef(n), softmaxRef = logits, addRef(n);
    vec::ref::siluMul(g.data(), u.data(), swigluRef.data(), int(n));
    for (int r = 0; r < rows; ++r) {
        float* row = softmaxRef.data() + size_t(r) * cols;
        float mx = row[0];
        for (int c = 1; c < cols; ++c) mx = std::max(mx, row[c]);
        const double sum = vec::ref::expShifted(row, cols, mx);
        for (int c = 0; c < cols; ++c) row[c] = float(row[c] / sum);
    }
    for (size_t i = 0; i < n; ++i) addRef[i] = g[i] + u[i];

    for (auto& ops : m_ops) {
        auto gb = deviceCopy(g), ub = deviceCopy(u), yb = deviceCopy(std::vector<float>(n));
        auto lb = deviceCopy(logits);
        ops->swiglu({gb.get(), 0}, {ub.get(), 0}, {yb.get(), 0}, int64_t(n));
        ops->softmax({lb.get(), 0}, rows, cols);
        ops->add({gb.get(), 0}, {ub.get(), 0}, int64_t(n)); // after swiglu read g (barrier)
        ops->flush();
        const std::vector<float> sw = hostCopy(*yb, n), sm = hostCopy(*lb, n),
                                 ad = hostCopy(*gb, n);
        for (size_t i = 0; i < n; ++i) {
            if (std::fabs(sw[i] - swigluRef[i]) > 1e-5f * (1.0f + std::fabs(swigluRef[i])))
                QFAIL(qPrintable(
                    QString("swiglu[%1] = %2, reference %3").arg(i).arg(sw[i]).arg(swigluRef[i])));
            if (std::fabs(sm[i] - softmaxRef[i]) > 1e-5f * softmaxRef[i] + 1e-7f)
                QFAIL(qPrintable(QString("softmax[%1] = %2, reference %3")
                                     .arg(i)
                                     .arg(sm[i])
                                     .arg(softmaxRef[i])));
            QCOMPARE(ad[i], addRef[i]);
        }
    }
}

#endif

QTEST_GUILESS_MAIN(VulkanOpsTest)
#include "vulkan_ops_test.moc"
