// The CUDA matmul kernels (inference/backend/cuda/cuda_matmul.cu) on a real NVIDIA GPU, with the
// Vulkan ops test's references and tolerances: every weight type through the matvec (1 and <= 8
// token rows) and tiled (more rows) kernels against the scalar dequantizer with double
// accumulation; rounded activations bit for bit against the CPU's vec-dot quantizers and, with
// the matmul, against the CPU's integer dot products; expert-indexed matmuls with ids read on the
// device. CTest label `gpu`: it needs a CUDA device (tests/device/gpu-check.sh runs it).

#ifdef FABULIST_HAVE_CUDA
#include "inference/backend/cuda/cuda_matmul.h"
#include "inference/quant/quant_kernels.h"

#include <cmath>
#include <cuda_runtime_api.h>
#include <random>
#include <span>
#include <utility>
#include <vector>

using namespace fabulist::inference;
using namespace fabulist::inference::cuda;
#endif

#include <QtTest>

class CudaMatmulGpuTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void matmul_data();
    void matmul();
    void roundedActivationsMatchCpuVecDot_data();
    void roundedActivationsMatchCpuVecDot();
    void moeMatmul_data();
    void moeMatmul();

#ifdef FABULIST_HAVE_CUDA
private:
    std::mt19937 m_rng{2121};

    std::vector<float> randomFloats(size_t n, float scale = 1.0f) {
        std::normal_distribution<float> d(0.0f, scale);
        std::vector<float> v(n);
        for (float& x : v) x = d(m_rng);
        return v;
    }
    // nOut random rows through the scalar quantizer (real GGUF bytes) and their dequantized values.
    void randomWeights(GgmlType type, int nIn, int nOut, std::vector<uint8_t>& bytes,
                       std::vector<float>& dequant) {
        const size_t rowBytes = ggmlRowBytes(type, nIn);
        bytes.assign(rowBytes * size_t(nOut), 0);
        dequant.assign(size_t(nIn) * nOut, 0.0f);
        for (int r = 0; r < nOut; ++r) {
            const std::vector<float> w = randomFloats(size_t(nIn));
            quantizeRow(type, w.data(), bytes.data() + r * rowBytes, nIn);
            dequantizeRow(type, bytes.data() + r * rowBytes, dequant.data() + size_t(r) * nIn, nIn);
        }
    }
    // "" when |got - ref| <= 1e-5 * sum|w*x| + 1e-6 for y[t][r] = W row . x row, else the miss.
    static QString checkDots(const std::vector<float>& y, int yStride, int rows, int nOut, int nIn,
                             const float* w, const std::vector<float>& x, size_t x0, int xStride);
#endif
};

#ifndef FABULIST_HAVE_CUDA
void CudaMatmulGpuTest::initTestCase() {
    QSKIP("this build has no CUDA backend (FABULIST_CUDA=OFF, or nvcc not found)");
}
void CudaMatmulGpuTest::matmul_data() {}
void CudaMatmulGpuTest::matmul() {}
void CudaMatmulGpuTest::roundedActivationsMatchCpuVecDot_data() {}
void CudaMatmulGpuTest::roundedActivationsMatchCpuVecDot() {}
void CudaMatmulGpuTest::moeMatmul_data() {}
void CudaMatmulGpuTest::moeMatmul() {}
#else

namespace {

// Device memory holding a copy of a host vector; freed on scope exit.
template <typename T> class DeviceArray {
public:
    explicit DeviceArray(const std::vector<T>& host) : m_size(host.size()) {
        if (cudaMalloc(&m_ptr, std::max<size_t>(1, m_size) * sizeof(T)) != cudaSuccess)
            throw std::runtime_error("cudaMalloc failed");
        if (m_size) cudaMemcpy(m_ptr, host.data(), m_size * sizeof(T), cudaMemcpyHostToDevice);
    }
    ~DeviceArray() { cudaFree(m_ptr); }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    T* get() const { return static_cast<T*>(m_ptr); }
    std::vector<T> download() const {
        std::vector<T> host(m_size);
        if (m_size) cudaMemcpy(host.data(), m_ptr, m_size * sizeof(T), cudaMemcpyDeviceToHost);
        return host;
    }

private:
    void* m_ptr = nullptr;
    size_t m_size;
};

// Waits for the launches and turns a CUDA error into a test failure message ("" when none).
QString finish() {
    const cudaError_t launch = cudaGetLastError();
    const cudaError_t run = cudaDeviceSynchronize();
    const cudaError_t e = launch != cudaSuccess ? launch : run;
    return e == cudaSuccess ? QString() : QString("CUDA error: %1").arg(cudaGetErrorString(e));
}

constexpr GgmlType kWeightTypes[] = {
    GgmlType::F32,  GgmlType::F16,    GgmlType::BF16,   GgmlType::Q8_0,
    GgmlType::Q4_0, GgmlType::Q4_1,   GgmlType::Q5_0,   GgmlType::Q5_1,
    GgmlType::Q4_K, GgmlType::Q5_K,   GgmlType::Q6_K,   GgmlType::Q2_K,
    GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4};

} // namespace

void CudaMatmulGpuTest::initTestCase() {
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count == 0)
        QSKIP(qPrintable(QString("no CUDA device: %1")
                             .arg(e != cudaSuccess ? cudaGetErrorString(e) : "none found")));
    cudaDeviceProp prop{};
    cudaGetDeviceProperties(&prop, 0);
    qInfo("CUDA device: %s (sm_%d%d)", prop.name, prop.major, prop.minor);
    for (GgmlType t : kWeightTypes) QVERIFY(matmulSupports(t));
    QVERIFY(!matmulSupports(GgmlType::Q8_K));
}

QString CudaMatmulGpuTest::checkDots(const std::vector<float>& y, int yStride, int rows, int nOut,
                                     int nIn, const float* w, const std::vector<float>& x,
                                     size_t x0, int xStride) {
    for (int t = 0; t < rows; ++t)
        for (int r = 0; r < nOut; ++r) {
            double ref = 0, mag = 0;
            for (int i = 0; i < nIn; ++i) {
                const double p = double(w[size_t(r) * nIn + i]) * x[x0 + size_t(t) * xStride + i];
                ref += p;
                mag += std::fabs(p);
            }
            const double got = y[size_t(t) * yStride + r];
            if (!(std::fabs(got - ref) <= 1e-5 * mag + 1e-6))
                return QString("y[%1][%2] = %3, reference %4").arg(t).arg(r).arg(got).arg(ref);
        }
    return {};
}

void CudaMatmulGpuTest::matmul_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("nIn");
    QTest::addColumn<int>("nOut");
    QTest::addColumn<int>("rows");
    struct Shape {
        int nIn, nOut, rows;
    };
    // Rows 1 and 2..8 take the matvec kernels, more the tiled one (70: two token tiles, the
    // second partial; 129 weight rows: three row tiles).
    const Shape floatShapes[] = {{1, 1, 1},    {7, 5, 1},    {33, 17, 3},
                                 {255, 31, 9}, {1000, 3, 2}, {100, 129, 70}};
    const Shape blockShapes[] = {
        {32, 1, 1}, {96, 37, 5}, {320, 129, 9}, {2048, 11, 4}, {160, 67, 70}};
    const Shape superShapes[] = {{256, 1, 1}, {768, 37, 5}, {2560, 13, 9}, {512, 67, 70}};
    for (GgmlType t : kWeightTypes) {
        const uint32_t bs = ggmlTypeTraits(t).blockSize;
        const std::span<const Shape> shapes = bs == 1    ? std::span<const Shape>(floatShapes)
                                              : bs == 32 ? std::span<const Shape>(blockShapes)
                                                         : std::span<const Shape>(superShapes);
        for (const Shape& s : shapes)
            QTest::addRow("%s %dx%d rows %d", ggmlTypeTraits(t).name.data(), s.nOut, s.nIn, s.rows)
                << int(t) << s.nIn << s.nOut << s.rows;
    }
}

void CudaMatmulGpuTest::matmul() {
    QFETCH(int, type);
    QFETCH(int, nIn);
    QFETCH(int, nOut);
    QFETCH(int, rows);
    const GgmlType t = GgmlType(type);
    // Two rows more than used: firstRow = 2 selects the range, as for one expert of a stack.
    std::vector<uint8_t> bytes;
    std::vector<float> dequant;
    randomWeights(t, nIn, nOut + 2, bytes, dequant);
    const int xStride = nIn + 3, yStride = nOut + 5;
    const size_t x0 = 7, y0 = 3;
    const std::vector<float> x = randomFloats(x0 + size_t(rows) * xStride);
    DeviceArray<uint8_t> wd(bytes);
    DeviceArray<float> xd(x);
    DeviceArray<float> yd(std::vector<float>(y0 + size_t(rows) * yStride, -1.0f));
    launchMatmul(t, wd.get(), ggmlRowBytes(t, nIn), nIn, 2, nOut, xd.get() + x0, rows, xStride,
                 yd.get() + y0, yStride, nullptr);
    const QString error = finish();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const std::vector<float> all = yd.download();
    const std::vector<float> y(all.begin() + y0, all.end());
    const QString miss =
        checkDots(y, yStride, rows, nOut, nIn, dequant.data() + 2 * size_t(nIn), x, x0, xStride);
    QVERIFY2(miss.isEmpty(), qPrintable(miss));
    for (size_t i = 0; i < y0; ++i) QCOMPARE(all[i], -1.0f);
    for (int r = 0; r < rows; ++r) // padding between y rows stays untouched
        for (int c = nOut; c < yStride; ++c) QCOMPARE(y[size_t(r) * yStride + c], -1.0f);
}

void CudaMatmulGpuTest::roundedActivationsMatchCpuVecDot_data() {
    QTest::addColumn<int>("typeId");
    QTest::addColumn<int>("rows");
    for (GgmlType t :
         {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
          GgmlType::Q5_1, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q2_K,
          GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4})
        for (int rows : {3, 20})
            QTest::addRow("%s rows %d", ggmlTypeTraits(t).name.data(), rows) << int(t) << rows;
}

void CudaMatmulGpuTest::roundedActivationsMatchCpuVecDot() {
    // launchRoundActivations must round exactly like the CPU's vec-dot quantizer, and with
    // launchMatmul give what the CPU's integer dot products give (the Vulkan test's tolerances).
    QFETCH(int, typeId);
    QFETCH(int, rows);
    const GgmlType type = GgmlType(typeId);
    const int nIn = 512, nOut = 7, xStride = nIn + 1;
    std::vector<uint8_t> bytes;
    std::vector<float> dequant;
    randomWeights(type, nIn, nOut, bytes, dequant);
    const std::vector<float> x = randomFloats(size_t(rows) * xStride, 2.0f);
    DeviceArray<uint8_t> wd(bytes);
    DeviceArray<float> xd(x);
    DeviceArray<float> rd(std::vector<float>(size_t(rows) * nIn));
    DeviceArray<float> yd(std::vector<float>(size_t(rows) * nOut));
    QVERIFY(launchRoundActivations(type, xd.get(), rows, nIn, xStride, rd.get(), nIn, nullptr));
    launchMatmul(type, wd.get(), ggmlRowBytes(type, nIn), nIn, 0, nOut, rd.get(), rows, nIn,
                 yd.get(), nOut, nullptr);
    const QString error = finish();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const std::vector<float> rounded = rd.download(), y = yd.download();
    const QuantKernels& k = *quantKernelsFor(type, QuantIsa::Scalar);
    std::vector<uint8_t> xq(activationBytes(type, nIn));
    std::vector<float> xr(nIn);
    for (int t = 0; t < rows; ++t) {
        k.quantizeActivations(x.data() + size_t(t) * xStride, xq.data(), nIn);
        dequantizeRow(vecDotTypeOf(type), xq.data(), xr.data(), nIn);
        for (int i = 0; i < nIn; ++i)
            QVERIFY2(rounded[size_t(t) * nIn + i] == xr[i],
                     qPrintable(QString("row %1 [%2]: %3, CPU %4")
                                    .arg(t)
                                    .arg(i)
                                    .arg(rounded[size_t(t) * nIn + i])
                                    .arg(xr[i])));
        for (int r = 0; r < nOut; ++r) {
            const float ref = k.vecDot(bytes.data() + r * ggmlRowBytes(type, nIn), xq.data(), nIn);
            const float got = y[size_t(t) * nOut + r];
            double mag = 0;
            for (int i = 0; i < nIn; ++i)
                mag += std::fabs(dequant[size_t(r) * nIn + i] * x[size_t(t) * xStride + i]);
            // Q8_1 (Q4_1/Q5_1): the CPU also rounds d * sum(q) to f16 (~5e-4 of the min term).
            const double tol = (vecDotTypeOf(type) == GgmlType::Q8_1 ? 2e-3 : 2e-5) * mag;
            if (std::fabs(got - ref) > tol)
                QFAIL(qPrintable(
                    QString("row %1 out %2: %3, CPU vecDot %4").arg(t).arg(r).arg(got).arg(ref)));
        }
    }
    // Types whose activations stay f32 launch nothing.
    QVERIFY(!launchRoundActivations(GgmlType::BF16, xd.get(), rows, nIn, xStride, rd.get(), nIn,
                                    nullptr));
    QVERIFY(!launchRoundActivations(GgmlType::F32, xd.get(), rows, nIn, xStride, rd.get(), nIn,
                                    nullptr));
}

void CudaMatmulGpuTest::moeMatmul_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<int>("tokens");
    QTest::addColumn<int>("slotDiv");
    // 12 slots take the warp-per-(row, slot) kernel; 320 and 300 the grouped tiled one, where
    // one expert gets more than two tiles of 64 slots.
    for (GgmlType t : kWeightTypes)
        for (auto [tokens, slotDiv] : {std::pair{3, 4}, std::pair{80, 4}, std::pair{300, 1}})
            QTest::addRow("%s %d slots", ggmlTypeTraits(t).name.data(), tokens * slotDiv)
                << int(t) << tokens << slotDiv;
}

void CudaMatmulGpuTest::moeMatmul() {
    // 5 experts of 70 rows (two row tiles); slotDiv slots per token row (gate/up read each token
    // row once per chosen expert, down one x row per slot). Slots of expert -1 stay untouched.
    QFETCH(int, type);
    QFETCH(int, tokens);
    QFETCH(int, slotDiv);
    const GgmlType t = GgmlType(type);
    const int nIn = ggmlTypeTraits(t).blockSize == 256 ? 512 : 96, nExpert = 5, nOutE = 70;
    const int nSlots = tokens * slotDiv, xStride = nIn + 2, yStride = nOutE + 1;
    std::vector<uint8_t> bytes;
    std::vector<float> dequant;
    randomWeights(t, nIn, nExpert * nOutE, bytes, dequant);
    const std::vector<float> x = randomFloats(size_t(tokens) * xStride);
    std::vector<RouteSlot> route(nSlots);
    std::uniform_int_distribution<int> expert(0, nExpert - 1);
    for (int s = 0; s < nSlots; ++s) route[s] = {s % 2 ? 1 : expert(m_rng), 0.25f};
    route[5].id = -1;
    route[nSlots - 2].id = -1;
    DeviceArray<uint8_t> wd(bytes);
    DeviceArray<float> xd(x);
    DeviceArray<RouteSlot> rd(route);
    DeviceArray<float> yd(std::vector<float>(size_t(nSlots) * yStride, -1.0f));
    launchMoeMatmul(t, wd.get(), ggmlRowBytes(t, nIn), nIn, nOutE, xd.get(), xStride, slotDiv,
                    rd.get(), nSlots, yd.get(), yStride, nullptr);
    const QString error = finish();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const std::vector<float> y = yd.download();
    for (int s = 0; s < nSlots; ++s) {
        const std::vector<float> ys(y.begin() + size_t(s) * yStride,
                                    y.begin() + size_t(s + 1) * yStride);
        if (route[s].id < 0) {
            for (float v : ys) QCOMPARE(v, -1.0f);
            continue;
        }
        const QString miss = checkDots(ys, yStride, 1, nOutE, nIn,
                                       dequant.data() + size_t(route[s].id) * nOutE * nIn, x,
                                       size_t(s / slotDiv) * xStride, xStride);
        QVERIFY2(miss.isEmpty(),
                 qPrintable(QString("slot %1 (expert %2): %3").arg(s).arg(route[s].id).arg(miss)));
        QCOMPARE(ys[nOutE], -1.0f);
    }
}

#endif

QTEST_GUILESS_MAIN(CudaMatmulGpuTest)
#include "cuda_matmul_gpu_test.moc"
