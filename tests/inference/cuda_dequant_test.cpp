// The CUDA kernels' dequantizers and activation rounding (inference/backend/cuda/
// cuda_dequant.cuh), compiled for the host, against inference/quant's references: every weight
// type's units equal dequantizeRow bit for bit, on rows from the reference quantizer and on
// random bytes (every bit pattern of scales and indices), and the rounded activations equal the
// CPU backend's vec-dot quantization dequantized again. The same source is what nvcc compiles
// into the kernels, so this checks the device math without a GPU (the __CUDA_ARCH__ branches are
// intrinsics of the same value: half conversion, unfused multiply-add, round-half-even).

#include "inference/backend/cuda/cuda_dequant.cuh"
#include "inference/quant/quant_kernels.h"

#include <QtTest>
#include <cstring>
#include <random>
#include <vector>

using namespace fabulist::inference;
using namespace fabulist::inference::cuda;

namespace {

constexpr GgmlType kWeightTypes[] = {
    GgmlType::F32,  GgmlType::F16,    GgmlType::BF16,   GgmlType::Q4_0,
    GgmlType::Q4_1, GgmlType::Q5_0,   GgmlType::Q5_1,   GgmlType::Q8_0,
    GgmlType::Q2_K, GgmlType::Q3_K,   GgmlType::Q4_K,   GgmlType::Q5_K,
    GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4};

// Dequantizes a whole row unit by unit through WeightFormat<T>::load.
struct DequantizeByUnits {
    const uint8_t* row;
    int64_t n;
    float* out;
    template <GgmlType T> void operator()() const {
        using F = WeightFormat<T>;
        for (int64_t u = 0; u < n / F::kUnit; ++u) F::load(row, u, out + u * F::kUnit);
    }
};

struct UnitOf {
    int* unit;
    template <GgmlType T> void operator()() const { *unit = WeightFormat<T>::kUnit; }
};

bool sameFloat(float a, float b) {
    return std::memcmp(&a, &b, 4) == 0 || (std::isnan(a) && std::isnan(b));
}

// "" when got equals ref bit for bit (any NaN equals any NaN), else the first difference.
QString firstDifference(const std::vector<float>& got, const std::vector<float>& ref) {
    for (size_t i = 0; i < ref.size(); ++i)
        if (!sameFloat(got[i], ref[i]))
            return QString("[%1] = %2, reference %3")
                .arg(i)
                .arg(got[i], 0, 'g', 9)
                .arg(ref[i], 0, 'g', 9);
    return {};
}

} // namespace

class CudaDequantTest : public QObject {
    Q_OBJECT
private slots:
    void everyWeightTypeHasAFormat();
    void unitsMatchReferenceDequantizer_data();
    void unitsMatchReferenceDequantizer();
    void roundedActivationsMatchCpuQuantizer_data();
    void roundedActivationsMatchCpuQuantizer();

private:
    std::mt19937 m_rng{2929};
};

void CudaDequantTest::everyWeightTypeHasAFormat() {
    // Every type the engine reads as a weight (a type with CPU vec-dot kernels) has a format and
    // no other type does, so the kernels never meet a weight they cannot read.
    for (uint32_t raw = 0; raw < 64; ++raw) {
        const GgmlTypeTraits* t = ggmlTypeTraits(raw);
        bool weight = t != nullptr;
        if (weight) {
            try {
                quantKernels(t->type);
            } catch (const std::invalid_argument&) {
                weight = false; // Q8_1, Q8_K: activation formats
            }
        }
        int unit = 0;
        const bool has = t && withWeightFormat(t->type, UnitOf{&unit});
        QVERIFY2(has == weight, qPrintable(QString("type id %1").arg(raw)));
        if (has) QCOMPARE(unit == 1, t->blockSize == 1);
        if (has && unit > 1) QVERIFY(t->blockSize % uint32_t(unit) == 0);
    }
}

void CudaDequantTest::unitsMatchReferenceDequantizer_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<bool>("randomBytes");
    for (GgmlType t : kWeightTypes)
        for (bool randomBytes : {false, true})
            QTest::addRow("%s %s", ggmlTypeTraits(t).name.data(),
                          randomBytes ? "random bytes" : "quantized")
                << int(t) << randomBytes;
}

void CudaDequantTest::unitsMatchReferenceDequantizer() {
    QFETCH(int, type);
    QFETCH(bool, randomBytes);
    const GgmlType t = GgmlType(type);
    const int64_t n = ggmlTypeTraits(t).blockSize == 1 ? 301 : 2048; // 8 super-blocks
    std::vector<uint8_t> bytes(ggmlRowBytes(t, n));
    for (int trial = 0; trial < 20; ++trial) {
        if (randomBytes) {
            std::uniform_int_distribution<int> byte(0, 255);
            for (uint8_t& b : bytes) b = uint8_t(byte(m_rng));
        } else {
            std::normal_distribution<float> d(0.0f, trial % 2 ? 0.02f : 3.0f);
            std::vector<float> w(n);
            for (float& v : w) v = d(m_rng);
            quantizeRow(t, w.data(), bytes.data(), n);
        }
        std::vector<float> ref(n), got(n, -12345.0f);
        dequantizeRow(t, bytes.data(), ref.data(), n);
        QVERIFY(withWeightFormat(t, DequantizeByUnits{bytes.data(), n, got.data()}));
        const QString diff = firstDifference(got, ref);
        QVERIFY2(diff.isEmpty(), qPrintable(QString("trial %1: %2").arg(trial).arg(diff)));
    }
}

void CudaDequantTest::roundedActivationsMatchCpuQuantizer_data() {
    QTest::addColumn<int>("weightType");
    // One weight type per vec-dot type: F16, Q8_0, Q8_1 and Q8_K.
    for (GgmlType t : {GgmlType::F16, GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q4_K})
        QTest::addRow("%s weights", ggmlTypeTraits(t).name.data()) << int(t);
}

void CudaDequantTest::roundedActivationsMatchCpuQuantizer() {
    QFETCH(int, weightType);
    const GgmlType t = GgmlType(weightType);
    const ActRound mode = actRoundOf(t);
    QVERIFY(mode != ActRound::None);
    QCOMPARE(actRoundOf(GgmlType::BF16), ActRound::None);
    QCOMPARE(actRoundOf(GgmlType::F32), ActRound::None);
    const GgmlType vt = vecDotTypeOf(t);
    const int bs = actRoundBlock(mode);
    QCOMPARE(uint32_t(bs), std::max<uint32_t>(32, ggmlTypeTraits(vt).blockSize));
    const int64_t n = 1024;
    for (int trial = 0; trial < 30; ++trial) {
        std::normal_distribution<float> d(0.0f, trial % 3 == 0 ? 1e-3f : 4.0f);
        std::vector<float> x(n);
        for (float& v : x) v = d(m_rng);
        // Edge blocks: all zero; the largest |x| twice with both signs (the first one wins);
        // with |x| = 127 at the block start the Q8 grid step is 1, so j + 0.5 are exact ties.
        std::fill(x.begin(), x.begin() + bs, 0.0f);
        x[bs] = -2.5f;
        x[bs + 1] = 2.5f;
        x[2 * bs] = 127.0f;
        for (int j = 1; j < 32; ++j) x[2 * bs + j] = float(j - 16) + 0.5f;
        std::vector<float> got(n);
        for (int64_t c = 0; c < n; c += bs)
            roundActivationBlock(mode, x.data() + c, got.data() + c, bs);
        // The engine's quantizer (best ISA) and the scalar one.
        for (const QuantKernels* k : {&quantKernels(t), quantKernelsFor(t, QuantIsa::Scalar)}) {
            std::vector<uint8_t> q(activationBytes(t, n));
            k->quantizeActivations(x.data(), q.data(), n);
            std::vector<float> ref(n);
            dequantizeRow(vt, q.data(), ref.data(), n);
            const QString diff = firstDifference(got, ref);
            QVERIFY2(diff.isEmpty(),
                     qPrintable(QString("%1, trial %2: %3").arg(k->isa).arg(trial).arg(diff)));
        }
    }
}

QTEST_GUILESS_MAIN(CudaDequantTest)
#include "cuda_dequant_test.moc"
