// Batched CPU ops against the same ops run one token at a time. A batch goes through the
// multi-column vec-dot (one weight row against up to kMaxDotCols tokens) and, for the MoE, the
// phased single-dispatch expert job; a single token goes through the plain vecDot. Both must give
// the same floats bit for bit, for every quantized type of the Q4_K_M mix, with 1 and 2 threads,
// and with experts that receive more tokens than one multi-column call takes.

#include "inference/backend/cpu/cpu_backend.h"
#include "inference/quant/quant_kernels.h"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace fabulist::inference;

namespace {

std::vector<float> randomVector(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

struct TestWeight {
    std::vector<uint8_t> bytes;
    Weight w;
};

TestWeight makeWeight(GgmlType type, int64_t nIn, int64_t nOut, int64_t nMat, uint32_t seed) {
    TestWeight t;
    const auto src = randomVector(size_t(nIn * nOut * nMat), seed, 0.05f);
    const size_t rb = ggmlRowBytes(type, nIn);
    t.bytes.resize(rb * size_t(nOut * nMat));
    for (int64_t r = 0; r < nOut * nMat; ++r)
        quantizeRow(type, src.data() + r * nIn, t.bytes.data() + r * rb, nIn);
    t.w.name = "test";
    t.w.type = type;
    t.w.nIn = nIn;
    t.w.nOut = nOut;
    t.w.nMat = nMat;
    t.w.rowBytes = rb;
    t.w.host = t.bytes.data();
    return t;
}

// out[r][o] must be the dot product of weight row o with input row r, as the kernels define it
// (activations quantized to the weight type's vec-dot type), and not all zero.
void checkAgainstReference(const TestWeight& W, const std::vector<float>& x,
                           const std::vector<float>& out, int rows) {
    const int64_t nIn = W.w.nIn, nOut = W.w.nOut;
    const GgmlType actType = vecDotTypeOf(W.w.type);
    std::vector<uint8_t> xq(activationBytes(W.w.type, nIn));
    std::vector<float> wd(static_cast<size_t>(nIn)), xd(static_cast<size_t>(nIn));
    double largest = 0.0;
    for (int r = 0; r < rows; ++r) {
        quantKernels(W.w.type).quantizeActivations(x.data() + size_t(r) * nIn, xq.data(), nIn);
        dequantizeRow(actType, xq.data(), xd.data(), nIn);
        for (int64_t o = 0; o < nOut; ++o) {
            dequantizeRow(W.w.type, W.bytes.data() + size_t(o) * W.w.rowBytes, wd.data(), nIn);
            double ref = 0.0, mag = 0.0;
            for (int64_t i = 0; i < nIn; ++i) {
                ref += double(wd[size_t(i)]) * xd[size_t(i)];
                mag += std::fabs(double(wd[size_t(i)]) * xd[size_t(i)]);
            }
            const float got = out[size_t(r) * nOut + size_t(o)];
            QVERIFY2(std::fabs(got - ref) <= mag * 2e-3 + 1e-6,
                     qPrintable(QString("token %1 row %2: %3 vs reference %4")
                                    .arg(r)
                                    .arg(o)
                                    .arg(got)
                                    .arg(ref)));
            largest = std::max(largest, std::fabs(double(got)));
        }
    }
    QVERIFY2(largest > 1e-3, "the matmul wrote (almost) nothing");
}

Act hostAct(float* p, int rows, int cols) {
    return Act{p, 0, rows, cols};
}

BackendLimits limitsFor(int rows, int cols, int ffRows, int ff) {
    BackendLimits l;
    l.maxRows = rows;
    l.maxCols = cols;
    l.maxContext = 8;
    l.maxFfRows = ffRows;
    l.maxFf = ff;
    l.nEmbd = cols;
    return l;
}

// Index of the first float that differs in its bits, or -1.
long firstDifference(const std::vector<float>& a, const std::vector<float>& b) {
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return long(i);
    return -1;
}

} // namespace

class BackendCpuBatchTest : public QObject {
    Q_OBJECT

private slots:
    void matmulBatchEqualsTokenByToken_data() {
        QTest::addColumn<int>("type");
        for (GgmlType t : {GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_0})
            QTest::newRow(ggmlTypeTraits(t).name.data()) << int(t);
    }

    void matmulBatchEqualsTokenByToken() {
        QFETCH(int, type);
        const int nIn = 512, nOut = 70, rows = 11; // 11 = 2 full groups of 4 plus 3
        auto W = makeWeight(GgmlType(type), nIn, nOut, 1, 21);
        auto x = randomVector(size_t(rows) * nIn, 22);
        for (int threads : {1, 2}) {
            CpuBackend backend(threads);
            backend.reserve(limitsFor(rows, nIn, rows, nIn));
            std::vector<float> batched(size_t(rows) * nOut), single(size_t(rows) * nOut);
            const Backend::MatmulJob job{&W.w, nullptr, hostAct(batched.data(), rows, nOut)};
            backend.matmul(hostAct(x.data(), rows, nIn), std::span(&job, 1));
            for (int r = 0; r < rows; ++r) {
                const Backend::MatmulJob one{&W.w, nullptr,
                                             hostAct(single.data() + size_t(r) * nOut, 1, nOut)};
                backend.matmul(hostAct(x.data() + size_t(r) * nIn, 1, nIn), std::span(&one, 1));
            }
            const long d = firstDifference(batched, single);
            QVERIFY2(d < 0, qPrintable(QString("threads %1: token %2 row %3: %4 vs %5")
                                           .arg(threads)
                                           .arg(d / nOut)
                                           .arg(d % nOut)
                                           .arg(batched[size_t(d < 0 ? 0 : d)])
                                           .arg(single[size_t(d < 0 ? 0 : d)])));
            // Equal and wrong would pass the comparison above: check against the scalar
            // reference (dequantized weights times the quantized activations, in double).
            checkAgainstReference(W, x, batched, rows);
        }
    }

    // Gate/up Q4_K and down Q6_K as in a Q4_K_M file, then everything Q5_K / Q8_0.
    void moeBatchEqualsTokenByToken_data() {
        QTest::addColumn<int>("gateUpType");
        QTest::addColumn<int>("downType");
        QTest::newRow("Q4_K/Q6_K") << int(GgmlType::Q4_K) << int(GgmlType::Q6_K);
        QTest::newRow("Q5_K/Q4_K") << int(GgmlType::Q5_K) << int(GgmlType::Q4_K);
        QTest::newRow("Q8_0/Q8_0") << int(GgmlType::Q8_0) << int(GgmlType::Q8_0);
    }

    void moeBatchEqualsTokenByToken() {
        QFETCH(int, gateUpType);
        QFETCH(int, downType);
        // 4 experts, 2 per token, 17 tokens: most experts get more than kMaxDotCols tokens.
        const int nEmbd = 256, nFf = 512, nExpert = 4, k = 2, rows = 17;
        auto gate = makeWeight(GgmlType(gateUpType), nEmbd, nFf, nExpert, 31);
        auto up = makeWeight(GgmlType(gateUpType), nEmbd, nFf, nExpert, 32);
        auto down = makeWeight(GgmlType(downType), nFf, nEmbd, nExpert, 33);
        auto x = randomVector(size_t(rows) * nEmbd, 34);
        auto logits = randomVector(size_t(rows) * nExpert, 35, 2.0f);
        const MoeWeights experts{&gate.w, &up.w, &down.w};
        for (int threads : {1, 2}) {
            CpuBackend backend(threads);
            backend.reserve(limitsFor(rows, nEmbd, rows * k, nFf));
            std::vector<float> batched(size_t(rows) * nEmbd), single(size_t(rows) * nEmbd);
            backend.moe(hostAct(x.data(), rows, nEmbd), hostAct(logits.data(), rows, nExpert),
                        experts, MoeParams{nExpert, k, true}, hostAct(batched.data(), rows, nEmbd));
            for (int r = 0; r < rows; ++r)
                backend.moe(hostAct(x.data() + size_t(r) * nEmbd, 1, nEmbd),
                            hostAct(logits.data() + size_t(r) * nExpert, 1, nExpert), experts,
                            MoeParams{nExpert, k, true},
                            hostAct(single.data() + size_t(r) * nEmbd, 1, nEmbd));
            const long d = firstDifference(batched, single);
            QVERIFY2(d < 0, qPrintable(QString("threads %1: token %2 col %3: %4 vs %5")
                                           .arg(threads)
                                           .arg(d / nEmbd)
                                           .arg(d % nEmbd)
                                           .arg(batched[size_t(d < 0 ? 0 : d)])
                                           .arg(single[size_t(d < 0 ? 0 : d)])));
            // Not all zeros: the comparison above must have compared real outputs.
            float mag = 0.0f;
            for (float v : batched) mag = std::max(mag, std::abs(v));
            QVERIFY(mag > 0.0f);
        }
    }
};

QTEST_GUILESS_MAIN(BackendCpuBatchTest)
#include "backend_cpu_batch_test.moc"
