// Reference quantizers and dequantizers: fp16/bf16 conversion against the hardware, the error
// of dequantize(quantize(x)) per type on random data, and the documented activation rounding.

#include "inference/quant/fp16.h"
#include "inference/quant/quant_blocks.h"
#include "inference/quant/quant_internal.h"
#include "inference/quant/quant_kernels.h"

#include <QtTest>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace fabulist::inference;

namespace {

std::vector<float> gaussian(int64_t n, uint32_t seed, float scale = 1.f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.f, scale);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = dist(rng);
    return v;
}

double relRmsError(GgmlType type, const std::vector<float>& x) {
    const int64_t n = static_cast<int64_t>(x.size());
    std::vector<uint8_t> q(ggmlRowBytes(type, n));
    std::vector<float> y(x.size());
    quantizeRow(type, x.data(), q.data(), n);
    dequantizeRow(type, q.data(), y.data(), n);
    double err = 0, ref = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        err += double(x[i] - y[i]) * (x[i] - y[i]);
        ref += double(x[i]) * x[i];
    }
    return std::sqrt(err / ref);
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) uint16_t hwToHalf(float f) {
    return _cvtss_sh(f, 0);
}
__attribute__((target("f16c"))) float hwFromHalf(uint16_t h) {
    return _cvtsh_ss(h);
}
#endif

} // namespace

class QuantRoundtripTest : public QObject {
    Q_OBJECT
private slots:
    void fp16MatchesHardware();
    void f16ActivationsMatchReference();
    void bf16Rounding();
    void roundtripError_data();
    void roundtripError();
    void zeroRowsStayZero();
    void q8_0ActivationRounding();
    void q8_KActivationRounding();
    void q8_1CarriesSum();
    void rejectsPartialBlocks();
};

void QuantRoundtripTest::fp16MatchesHardware() {
#if defined(__x86_64__)
    if (!__builtin_cpu_supports("f16c")) QSKIP("CPU has no F16C to compare with");
    for (uint32_t h = 0; h < 65536; ++h) {
        const float a = fp16ToFp32(static_cast<uint16_t>(h)),
                    b = hwFromHalf(static_cast<uint16_t>(h));
        QVERIFY2(std::memcmp(&a, &b, 4) == 0 || (std::isnan(a) && std::isnan(b)),
                 qPrintable(QString("half 0x%1").arg(h, 4, 16)));
    }
    std::mt19937 rng(7);
    std::vector<uint32_t> patterns = {0,          0x80000000, 0x33000000, 0x33000001, 0x387fe000,
                                      0x387ff000, 0x38800000, 0x477fefff, 0x477ff000, 0x47800000,
                                      0x7f800000, 0xff800000, 0x7fc00000, 0x3f801000, 0x3f803000};
    for (int i = 0; i < 2000000; ++i) {
        uint32_t u = rng();
        // Bias towards the half range so subnormals, ties and overflow are all hit.
        if (i & 1) u = (u & 0x80ffffff) | ((0x60 + (u >> 24) % 0x30) << 23);
        patterns.push_back(u);
    }
    for (uint32_t u : patterns) {
        const float f = bitsFloat(u);
        if (std::isnan(f)) continue;
        QVERIFY2(fp32ToFp16(f) == hwToHalf(f),
                 qPrintable(QString("float bits 0x%1").arg(u, 8, 16)));
    }
#else
    QSKIP("x86-64 only");
#endif
}

void QuantRoundtripTest::bf16Rounding() {
    QCOMPARE(fp32ToBf16(1.0f), uint16_t(0x3f80));
    QCOMPARE(fp32ToBf16(bitsFloat(0x3f808000)), uint16_t(0x3f80)); // tie -> even
    QCOMPARE(fp32ToBf16(bitsFloat(0x3f818000)), uint16_t(0x3f82)); // tie -> even (up)
    QCOMPARE(fp32ToBf16(bitsFloat(0x3f808001)), uint16_t(0x3f81));
    QCOMPARE(bf16ToFp32(0xc040), -3.0f);
}

void QuantRoundtripTest::roundtripError_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<double>("bound"); // relative RMS error for N(0,1) data
    // Bounds: ~1.3x the worst error these quantizers reach on this Gaussian data (measured:
    // F16 2.2e-4, BF16 1.9e-3, Q8_0 5.7e-3, Q5_0 .044, Q5_1 .039, Q4_0 .088, Q4_1 .082,
    // Q6_K .020, Q5_K .037, Q4_K .077), so a layout or rounding bug fails clearly.
    QTest::newRow("F32") << int(GgmlType::F32) << 0.0;
    QTest::newRow("F16") << int(GgmlType::F16) << 3e-4;
    QTest::newRow("BF16") << int(GgmlType::BF16) << 2.5e-3;
    QTest::newRow("Q8_0") << int(GgmlType::Q8_0) << 0.008;
    QTest::newRow("Q8_1") << int(GgmlType::Q8_1) << 0.008;
    QTest::newRow("Q8_K") << int(GgmlType::Q8_K) << 0.008;
    QTest::newRow("Q5_0") << int(GgmlType::Q5_0) << 0.058;
    QTest::newRow("Q5_1") << int(GgmlType::Q5_1) << 0.052;
    QTest::newRow("Q4_0") << int(GgmlType::Q4_0) << 0.115;
    QTest::newRow("Q4_1") << int(GgmlType::Q4_1) << 0.107;
    QTest::newRow("Q6_K") << int(GgmlType::Q6_K) << 0.026;
    QTest::newRow("Q5_K") << int(GgmlType::Q5_K) << 0.048;
    QTest::newRow("Q4_K") << int(GgmlType::Q4_K) << 0.10;
    // ggml's own reference quantizers (measured: Q3_K .158, Q2_K .308, IQ4_NL .081, IQ4_XS
    // .082, MXFP4 .118).
    QTest::newRow("Q3_K") << int(GgmlType::Q3_K) << 0.21;
    QTest::newRow("Q2_K") << int(GgmlType::Q2_K) << 0.40;
    QTest::newRow("IQ4_NL") << int(GgmlType::IQ4_NL) << 0.105;
    QTest::newRow("IQ4_XS") << int(GgmlType::IQ4_XS) << 0.105;
    QTest::newRow("MXFP4") << int(GgmlType::MXFP4) << 0.155;
}

void QuantRoundtripTest::roundtripError() {
    QFETCH(int, type);
    QFETCH(double, bound);
    for (int64_t n : {256, 512, 4096})
        for (uint32_t seed : {1u, 2u, 3u}) {
            const double e = relRmsError(GgmlType(type), gaussian(n, seed * 1000 + n, 0.3f));
            QVERIFY2(e <= bound,
                     qPrintable(
                         QString("n=%1 seed=%2 error %3 > %4").arg(n).arg(seed).arg(e).arg(bound)));
        }
    // Data with an offset and outliers: still finite and bounded (looser).
    auto x = gaussian(1024, 99, 1.f);
    for (size_t i = 0; i < x.size(); ++i) x[i] += (i % 97 == 0) ? 8.f : 0.5f;
    const double e = relRmsError(GgmlType(type), x);
    QVERIFY2(std::isfinite(e) && e <= 4 * bound + 1e-6, qPrintable(QString::number(e)));
}

void QuantRoundtripTest::zeroRowsStayZero() {
    for (GgmlType t : {GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                       GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q4_K,
                       GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K, GgmlType::Q2_K,
                       GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4}) {
        std::vector<float> x(512, 0.f), y(512, 1.f);
        std::vector<uint8_t> q(ggmlRowBytes(t, 512));
        quantizeRow(t, x.data(), q.data(), 512);
        dequantizeRow(t, q.data(), y.data(), 512);
        for (float v : y) QCOMPARE(v, 0.f);
    }
}

// ggml's CPU matmul input rounding for Q4_0/Q5_0/Q8_0 weights (reference README): scale
// max|x|/127 stored as fp16, q = round-half-even(x * (127/max|x|)).
void QuantRoundtripTest::q8_0ActivationRounding() {
    auto x = gaussian(256, 5);
    x[3] = 0.5f; // with max 127*0.5/63.5: exact halfway cases below
    x[0] = 1.0f;
    for (int i = 1; i < 32; ++i) x[i] = std::clamp(x[i], -0.99f, 0.99f);
    x[5] = 0.5f / 127.f * 2.5f; // x*127 = 2.5 exactly? not representable; still exercises rint
    std::vector<quant::BlockQ8_0> b(256 / 32);
    quantKernels(GgmlType::Q8_0).quantizeActivations(x.data(), b.data(), 256);
    for (int blk = 0; blk < 8; ++blk) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * blk + j]));
        QCOMPARE(b[blk].d, fp32ToFp16(amax / 127.f));
        const float id = 127.f / amax;
        for (int j = 0; j < 32; ++j) {
            const float v = x[32 * blk + j] * id;
            const float r = std::nearbyint(v);
            QCOMPARE(int(b[blk].qs[j]), int(r));
            if (std::fabs(v - std::trunc(v)) == 0.5f) QVERIFY(int(r) % 2 == 0);
        }
    }
    // A value exactly halfway: 127/amax = 1 (amax = 127): 2.5 -> 2, 3.5 -> 4, -0.5 -> -0.
    std::vector<float> h(32, 0.f);
    h[0] = 127.f;
    h[1] = 2.5f;
    h[2] = 3.5f;
    h[3] = -0.5f;
    quant::BlockQ8_0 hb;
    quant::quantizeActQ8_0(h.data(), &hb, 32);
    QCOMPARE(int(hb.qs[1]), 2);
    QCOMPARE(int(hb.qs[2]), 4);
    QCOMPARE(int(hb.qs[3]), 0);
}

// Q8_K for K-quants: m = value of largest magnitude, iscale = -127/m, q = min(127, rint(iscale
// x)), d = 1/iscale (f32), bsums = sums of 16.
void QuantRoundtripTest::q8_KActivationRounding() {
    auto x = gaussian(512, 11);
    x[300] = -5.f; // the largest magnitude is negative in the second block
    std::vector<quant::BlockQ8_K> b(2);
    quantKernels(GgmlType::Q4_K).quantizeActivations(x.data(), b.data(), 512);
    for (int blk = 0; blk < 2; ++blk) {
        float m = 0, amax = 0;
        for (int j = 0; j < 256; ++j)
            if (std::fabs(x[256 * blk + j]) > amax) {
                amax = std::fabs(x[256 * blk + j]);
                m = x[256 * blk + j];
            }
        const float iscale = -127.f / m;
        QCOMPARE(b[blk].d, 1.f / iscale);
        for (int j = 0; j < 256; ++j)
            QCOMPARE(int(b[blk].qs[j]),
                     std::min(127, int(std::nearbyint(iscale * x[256 * blk + j]))));
        for (int g = 0; g < 16; ++g) {
            int s = 0;
            for (int j = 0; j < 16; ++j) s += b[blk].qs[16 * g + j];
            QCOMPARE(int(b[blk].bsums[g]), s);
        }
    }
    QCOMPARE(int(b[1].qs[300 - 256]), -127); // the extreme value always maps to -127
}

// Q8_1 (for Q4_1/Q5_1 weights): Q8_0 rounding plus s = fp16(d * sum(q)) with the unrounded d.
void QuantRoundtripTest::q8_1CarriesSum() {
    const auto x = gaussian(64, 3);
    quant::BlockQ8_1 b[2];
    QCOMPARE(quantKernels(GgmlType::Q4_1).vecDotType, GgmlType::Q8_1);
    QCOMPARE(quantKernels(GgmlType::Q5_1).vecDotType, GgmlType::Q8_1);
    quantKernels(GgmlType::Q4_1).quantizeActivations(x.data(), b, 64);
    for (int blk = 0; blk < 2; ++blk) {
        float amax = 0;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[32 * blk + j]));
        int s = 0;
        for (int j = 0; j < 32; ++j) {
            QCOMPARE(int(b[blk].qs[j]), int(std::nearbyint(x[32 * blk + j] * (127.f / amax))));
            s += b[blk].qs[j];
        }
        QCOMPARE(b[blk].d, fp32ToFp16(amax / 127.f));
        QCOMPARE(b[blk].s, fp32ToFp16(amax / 127.f * float(s)));
    }
}

void QuantRoundtripTest::rejectsPartialBlocks() {
    std::vector<float> x(100);
    std::vector<uint8_t> q(1000);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             quantizeRow(GgmlType::Q4_K, x.data(), q.data(), 100));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             dequantizeRow(GgmlType::Q8_0, q.data(), x.data(), 33));
}

QTEST_GUILESS_MAIN(QuantRoundtripTest)
// The engine's F16 activation quantizer (F16C where the CPU has it) rounds every finite value
// exactly as the reference loop: normals, ties, subnormals, overflow to infinity, a tail of < 8.
void QuantRoundtripTest::f16ActivationsMatchReference() {
    std::mt19937 rng(17);
    std::normal_distribution<float> d(0.0f, 1.0f);
    std::vector<float> x;
    for (float scale : {1e-7f, 1e-5f, 1e-2f, 1.0f, 300.0f, 7e4f})
        for (int i = 0; i < 500; ++i) x.push_back(d(rng) * scale);
    for (float v : {65504.0f, 65519.0f, 65520.0f, -65536.0f, 0.0f, -0.0f, 1.0f + 1.0f / 2048.0f,
                    1.0f + 3.0f / 2048.0f, 5.960464477539063e-08f, 2.980232238769531e-08f})
        x.push_back(v);
    x.push_back(0.1f); // 5011 values: the last three go through the tail
    std::vector<uint16_t> got(x.size()), want(x.size());
    quantKernels(GgmlType::F16).quantizeActivations(x.data(), got.data(), int64_t(x.size()));
    quant::quantizeActF16(x.data(), want.data(), int64_t(x.size()));
    for (size_t i = 0; i < x.size(); ++i)
        QVERIFY2(got[i] == want[i], qPrintable(QString("%1: %2 vs %3")
                                                   .arg(double(x[i]), 0, 'g', 9)
                                                   .arg(got[i], 0, 16)
                                                   .arg(want[i], 0, 16)));
}

#include "quant_roundtrip_test.moc"
