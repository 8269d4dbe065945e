// Every vec-dot implementation (scalar, AVX2, AVX-512 where the CPU has them, and the one
// quantKernels picks) against a float64 reference: dequantized weights . dequantized
// activations (activations rounded into the vec-dot type first, exactly as the kernels see them).

#include "inference/quant/fp16.h"
#include "inference/quant/quant_kernels.h"
#include "tests/inference/isa_coverage.h"

#include <QtTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace fabulist::inference;

namespace {

const GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,    GgmlType::BF16,   GgmlType::Q4_0,
                           GgmlType::Q4_1, GgmlType::Q5_0,   GgmlType::Q5_1,   GgmlType::Q8_0,
                           GgmlType::Q2_K, GgmlType::Q3_K,   GgmlType::Q4_K,   GgmlType::Q5_K,
                           GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4};

std::vector<float> gaussian(int64_t n, uint32_t seed, float mean = 0.f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(mean, 1.f);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = dist(rng);
    return v;
}

} // namespace

class QuantVecDotTest : public QObject {
    Q_OBJECT
private slots:
    void selection();
    void matchesReference_data();
    void matchesReference();
    void unusualRowLengths();
    void arbitraryBlockBytes();
};

void QuantVecDotTest::selection() {
    const char* best = quantIsaAvailable(QuantIsa::Avx512) ? "avx512"
                       : quantIsaAvailable(QuantIsa::Avx2) ? "avx2"
                                                           : "scalar";
    qInfo("best ISA on this CPU: %s", best);
    QVERIFY(quantIsaAvailable(QuantIsa::Scalar));
    for (GgmlType t : kTypes) {
        const QuantKernels& k = quantKernels(t);
        QCOMPARE(k.weightType, t);
        QCOMPARE(QByteArray(k.isa), QByteArray(best));
        QCOMPARE(QByteArray(quantKernelsFor(t, QuantIsa::Scalar)->isa), QByteArray("scalar"));
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, quantKernels(GgmlType::Q8_K));
}

void QuantVecDotTest::matchesReference_data() {
    QTest::addColumn<int>("type");
    for (GgmlType t : kTypes) QTest::newRow(ggmlTypeTraits(t).name.data()) << int(t);
}

void QuantVecDotTest::matchesReference() {
    QFETCH(int, type);
    const GgmlType wt = GgmlType(type);
    const GgmlType at = quantKernels(wt).vecDotType;
    // Q4_1/Q5_1 use Q8_1's stored fp16 s = d*sum(q) for the min term, which the dequantized
    // reference does not see: allow its rounding (2^-11 relative of that term).
    const bool usesQ8_1Sum = at == GgmlType::Q8_1;
    for (int64_t n : {256, 512, 2048, 4096})
        for (uint32_t seed : {1u, 2u, 3u, 4u}) {
            const auto w = gaussian(n, seed, seed == 4 ? 0.7f : 0.f);
            const auto x = gaussian(n, seed + 100, seed == 3 ? -0.5f : 0.f);
            std::vector<uint8_t> wq(ggmlRowBytes(wt, n)), xq(activationBytes(wt, n));
            quantizeRow(wt, w.data(), wq.data(), n);
            quantKernels(wt).quantizeActivations(x.data(), xq.data(), n);
            std::vector<float> wd(n), xd(n);
            dequantizeRow(wt, wq.data(), wd.data(), n);
            dequantizeRow(at, xq.data(), xd.data(), n);
            double ref = 0, mag = 0;
            for (int64_t i = 0; i < n; ++i) {
                ref += double(wd[i]) * xd[i];
                mag += std::fabs(double(wd[i]) * xd[i]);
            }
            const double tol = mag * (usesQ8_1Sum ? 2e-3 : 2e-6) + 1e-6;
            for (QuantIsa isa : {QuantIsa::Scalar, QuantIsa::Avx2, QuantIsa::Avx512}) {
                const QuantKernels* k = quantKernelsFor(wt, isa);
                if (!k) continue;
                const float got = k->vecDot(wq.data(), xq.data(), n);
                QVERIFY2(std::fabs(got - ref) <= tol,
                         qPrintable(QString("%1 isa=%2 n=%3 seed=%4: %5 vs reference %6 (tol %7)")
                                        .arg(ggmlTypeTraits(wt).name.data(), k->isa)
                                        .arg(n)
                                        .arg(seed)
                                        .arg(got, 0, 'g', 9)
                                        .arg(ref, 0, 'g', 9)
                                        .arg(tol)));
            }
            const float chosen = quantKernels(wt).vecDot(wq.data(), xq.data(), n);
            QVERIFY(std::fabs(chosen - ref) <= tol);
        }
    SKIP_UNTESTED_ISAS();
}

// Float types take any length (SIMD tails), block types any multiple of their block size.
void QuantVecDotTest::unusualRowLengths() {
    for (GgmlType wt : kTypes) {
        const int64_t block = std::max<int64_t>(
            ggmlTypeTraits(wt).blockSize, ggmlTypeTraits(quantKernels(wt).vecDotType).blockSize);
        for (int64_t mult : {1, 3, 5, 7}) {
            const int64_t n = block == 1 ? mult * 7 + 3 : block * mult;
            const auto w = gaussian(n, 7), x = gaussian(n, 8);
            std::vector<uint8_t> wq(ggmlRowBytes(wt, n)), xq(activationBytes(wt, n));
            quantizeRow(wt, w.data(), wq.data(), n);
            quantKernels(wt).quantizeActivations(x.data(), xq.data(), n);
            const float ref =
                quantKernelsFor(wt, QuantIsa::Scalar)->vecDot(wq.data(), xq.data(), n);
            double mag = 0;
            for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(w[i]) * x[i]);
            for (QuantIsa isa : {QuantIsa::Avx2, QuantIsa::Avx512})
                if (const QuantKernels* k = quantKernelsFor(wt, isa))
                    QVERIFY2(std::fabs(k->vecDot(wq.data(), xq.data(), n) - ref) <=
                                 2e-6 * mag + 1e-6,
                             qPrintable(QString("%1 %2 n=%3")
                                            .arg(ggmlTypeTraits(wt).name.data(), k->isa)
                                            .arg(n)));
        }
    }
}

// Blocks made of random bytes (only the fp16 scales kept finite): every nibble and 6-bit scale
// pattern, Q8_0 weights of -128, Q6_K scales of -128 ... which no quantizer of ours produces but
// a foreign file may contain. Every ISA must agree with the scalar kernel.
void QuantVecDotTest::arbitraryBlockBytes() {
    struct Fp16Fields {
        GgmlType type;
        std::vector<int> offsets; // fp16 fields within one block
        int e8m0 = -1;            // MXFP4's exponent byte, kept near 2^0
    };
    const Fp16Fields types[] = {
        {GgmlType::Q4_0, {0}},    {GgmlType::Q4_1, {0, 2}}, {GgmlType::Q5_0, {0}},
        {GgmlType::Q5_1, {0, 2}}, {GgmlType::Q8_0, {0}},    {GgmlType::Q4_K, {0, 2}},
        {GgmlType::Q5_K, {0, 2}}, {GgmlType::Q6_K, {208}},  {GgmlType::Q2_K, {80, 82}},
        {GgmlType::Q3_K, {108}},  {GgmlType::IQ4_NL, {0}},  {GgmlType::IQ4_XS, {0}},
        {GgmlType::MXFP4, {}, 0},
    };
    std::mt19937 rng(2024);
    std::uniform_real_distribution<float> scale(0.001f, 0.05f);
    const int64_t n = 1024;
    for (const auto& f : types) {
        const auto& tr = ggmlTypeTraits(f.type);
        for (int rep = 0; rep < 20; ++rep) {
            std::vector<uint8_t> wq(ggmlRowBytes(f.type, n));
            for (auto& b : wq) b = static_cast<uint8_t>(rng());
            for (size_t blk = 0; blk < wq.size() / tr.blockBytes; ++blk)
                for (int off : f.offsets) {
                    const uint16_t h =
                        fp32ToFp16(scale(rng) * ((rng() & 1) && off != 0 ? -1.f : 1.f));
                    std::memcpy(wq.data() + blk * tr.blockBytes + off, &h, 2);
                }
            if (f.e8m0 >= 0)
                for (size_t blk = 0; blk < wq.size() / tr.blockBytes; ++blk)
                    wq[blk * tr.blockBytes + size_t(f.e8m0)] =
                        static_cast<uint8_t>(118 + rng() % 12);
            const auto x = gaussian(n, 500 + rep);
            std::vector<uint8_t> xq(activationBytes(f.type, n));
            quantKernels(f.type).quantizeActivations(x.data(), xq.data(), n);
            std::vector<float> wd(n), xd(n);
            dequantizeRow(f.type, wq.data(), wd.data(), n);
            dequantizeRow(quantKernels(f.type).vecDotType, xq.data(), xd.data(), n);
            double mag = 0;
            for (int64_t i = 0; i < n; ++i) mag += std::fabs(double(wd[i]) * xd[i]);
            const float ref =
                quantKernelsFor(f.type, QuantIsa::Scalar)->vecDot(wq.data(), xq.data(), n);
            for (QuantIsa isa : {QuantIsa::Avx2, QuantIsa::Avx512})
                if (const QuantKernels* k = quantKernelsFor(f.type, isa)) {
                    const float got = k->vecDot(wq.data(), xq.data(), n);
                    QVERIFY2(std::fabs(got - ref) <= 2e-6 * mag + 1e-6,
                             qPrintable(QString("%1 %2 rep %3: %4 vs scalar %5")
                                            .arg(tr.name.data(), k->isa)
                                            .arg(rep)
                                            .arg(got)
                                            .arg(ref)));
                }
        }
    }
}

QTEST_GUILESS_MAIN(QuantVecDotTest)
#include "quant_vec_dot_test.moc"
