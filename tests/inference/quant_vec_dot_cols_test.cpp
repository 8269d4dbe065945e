// The multi-column vec-dot (one weight row against up to kMaxDotCols activation rows, used by
// batched matmuls and MoE experts): every column must equal the single-column vecDot of the same
// ISA bit for bit (the parity tests pin that rounding), and lie within the float64 reference
// tolerance of dequantized weights . dequantized activations.

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

bool sameBits(float a, float b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

} // namespace

class QuantVecDotColsTest : public QObject {
    Q_OBJECT
private slots:
    void kernelsPresent();
    void columnsMatchSingle_data();
    void columnsMatchSingle();
    void randomBlockBytes();
};

// The types of the Q4_K_M mix (Q5_0 for rows of 128), F16 (the default model), the legacy
// types and the low-bit types of #16 have a
// multi-column kernel wherever AVX-512 is chosen.
void QuantVecDotColsTest::kernelsPresent() {
    if (!quantIsaAvailable(QuantIsa::Avx512)) QSKIP("no AVX-512 VNNI on this CPU");
    for (GgmlType t :
         {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_0, GgmlType::F16,
          GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4,
          GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1})
        QVERIFY2(quantKernels(t).vecDotCols != nullptr, ggmlTypeTraits(t).name.data());
}

void QuantVecDotColsTest::columnsMatchSingle_data() {
    QTest::addColumn<int>("type");
    for (GgmlType t : kTypes) QTest::newRow(ggmlTypeTraits(t).name.data()) << int(t);
}

void QuantVecDotColsTest::columnsMatchSingle() {
    QFETCH(int, type);
    const GgmlType wt = GgmlType(type);
    const GgmlType at = quantKernels(wt).vecDotType;
    const double relTol = at == GgmlType::Q8_1 ? 2e-3 : 2e-6; // see quant_vec_dot_test
    // 288 = 9 Q8_0 blocks (odd tail); K-quants take multiples of 256.
    const int64_t tailLen = ggmlTypeTraits(wt).blockSize == 256 ? 768 : 288;
    // F16 also gets a length with a tail of fewer than 16 values.
    const int64_t oddLen = wt == GgmlType::F16 || wt == GgmlType::F32 ? 296 : tailLen;
    for (int64_t n : {tailLen, oddLen, int64_t(1024), int64_t(2048)}) {
        const auto w = gaussian(n, uint32_t(n) + 11, 0.3f);
        std::vector<uint8_t> wq(ggmlRowBytes(wt, n));
        quantizeRow(wt, w.data(), wq.data(), n);
        std::vector<float> wd(n);
        dequantizeRow(wt, wq.data(), wd.data(), n);
        // kMaxDotCols activation rows, each with its own scale and offset.
        const size_t stride = activationBytes(wt, n);
        std::vector<uint8_t> xq(stride * kMaxDotCols);
        std::vector<double> ref(kMaxDotCols), mag(kMaxDotCols);
        for (int c = 0; c < kMaxDotCols; ++c) {
            auto x = gaussian(n, uint32_t(c) * 31 + 5, c == 2 ? -0.4f : 0.f);
            for (auto& v : x) v *= float(1 << c);
            quantKernels(wt).quantizeActivations(x.data(), xq.data() + c * stride, n);
            std::vector<float> xd(n);
            dequantizeRow(at, xq.data() + c * stride, xd.data(), n);
            for (int64_t i = 0; i < n; ++i) {
                ref[c] += double(wd[i]) * xd[i];
                mag[c] += std::fabs(double(wd[i]) * xd[i]);
            }
        }
        for (QuantIsa isa : {QuantIsa::Scalar, QuantIsa::Avx2, QuantIsa::Avx512}) {
            const QuantKernels* k = quantKernelsFor(wt, isa);
            if (!k) continue;
            for (int cols = 1; cols <= kMaxDotCols; ++cols) {
                // Columns in a scrambled order: the kernel must not assume a stride.
                const void* acts[kMaxDotCols];
                int which[kMaxDotCols];
                for (int c = 0; c < cols; ++c) {
                    which[c] = (c * 3 + cols) % kMaxDotCols;
                    acts[c] = xq.data() + which[c] * stride;
                }
                float out[kMaxDotCols];
                vecDotColumns(*k, wq.data(), acts, cols, n, out);
                for (int c = 0; c < cols; ++c) {
                    const float single = k->vecDot(wq.data(), acts[c], n);
                    const double tol = mag[which[c]] * relTol + 1e-6;
                    QVERIFY2(sameBits(out[c], single) && std::fabs(out[c] - ref[which[c]]) <= tol,
                             qPrintable(QString("%1 isa=%2 n=%3 cols=%4 col=%5: %6, single "
                                                "%7, reference %8")
                                            .arg(ggmlTypeTraits(wt).name.data(), k->isa)
                                            .arg(n)
                                            .arg(cols)
                                            .arg(c)
                                            .arg(out[c], 0, 'g', 9)
                                            .arg(single, 0, 'g', 9)
                                            .arg(ref[which[c]], 0, 'g', 9)));
                }
            }
        }
    }
    SKIP_UNTESTED_ISAS();
}

// Random bytes as weights (only fp16 scale fields made finite by clearing their exponent's top
// bit) and activations from real quantization: the multi-column kernels see every nibble, 6-bit
// scale and sign pattern and must still match vecDot bit for bit.
void QuantVecDotColsTest::randomBlockBytes() {
    std::mt19937 rng(99);
    for (GgmlType wt :
         {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_0, GgmlType::Q2_K,
          GgmlType::Q3_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4}) {
        const QuantKernels& k = quantKernels(wt);
        const int64_t n = 1024;
        std::vector<uint8_t> wq(ggmlRowBytes(wt, n));
        for (auto& b : wq) b = uint8_t(rng());
        // fp16 fields: Q4_K/Q5_K d,dmin at block start; Q6_K/Q3_K d at block end, Q2_K d,dmin;
        // Q8_0/IQ4_NL/IQ4_XS d at start.
        const size_t blockBytes = ggmlTypeTraits(wt).blockBytes;
        for (size_t b = 0; b < wq.size(); b += blockBytes) {
            auto tame = [&](size_t off) { wq[b + off + 1] &= 0x3b; }; // |value| < 2^-1 or so
            if (wt == GgmlType::Q6_K || wt == GgmlType::Q3_K) {
                tame(blockBytes - 2);
            } else if (wt == GgmlType::Q2_K) {
                tame(blockBytes - 4);
                tame(blockBytes - 2);
            } else if (wt == GgmlType::MXFP4) {
                wq[b] = uint8_t(118 + rng() % 12); // the E8M0 exponent: 2^-10 .. 2^1
            } else {
                tame(0);
                if (wt == GgmlType::Q4_K || wt == GgmlType::Q5_K) tame(2);
            }
        }
        const size_t stride = activationBytes(wt, n);
        std::vector<uint8_t> xq(stride * kMaxDotCols);
        for (int c = 0; c < kMaxDotCols; ++c) {
            const auto x = gaussian(n, 700 + c);
            k.quantizeActivations(x.data(), xq.data() + c * stride, n);
        }
        const void* acts[kMaxDotCols];
        for (int c = 0; c < kMaxDotCols; ++c) acts[c] = xq.data() + c * stride;
        for (int cols = 1; cols <= kMaxDotCols; ++cols) {
            float out[kMaxDotCols];
            vecDotColumns(k, wq.data(), acts, cols, n, out);
            for (int c = 0; c < cols; ++c)
                QVERIFY2(sameBits(out[c], k.vecDot(wq.data(), acts[c], n)),
                         qPrintable(QString("%1 cols=%2 col=%3")
                                        .arg(ggmlTypeTraits(wt).name.data())
                                        .arg(cols)
                                        .arg(c)));
        }
    }
}

QTEST_GUILESS_MAIN(QuantVecDotColsTest)
#include "quant_vec_dot_cols_test.moc"
