// CPU backend ops against plain scalar references written here: fp16 conversion, the vector
// primitives, the thread pool, matmul (tiled, multi-threaded, quantized activations) against a
// dequantize-and-dot reference, RMSNorm, RoPE, attention with F32 and F16 caches, the dense FFN
// and the grouped MoE op.

#include "inference/backend/cpu/cpu_backend.h"
#include "inference/backend/cpu/vector_ops.h"
#include "inference/parallel/thread_pool.h"
#include "inference/quant/fp16.h"
#include "inference/quant/quant_kernels.h"

#include <QtTest>
#include <atomic>
#include <cmath>
#include <random>

using namespace fabulist::inference;

namespace {

std::vector<float> randomVector(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

// A weight stack quantized with the reference quantizer, plus its dequantized floats.
struct TestWeight {
    std::vector<uint8_t> bytes;
    std::vector<float> deq; // nMat * nOut * nIn
    Weight w;
};

TestWeight makeWeight(GgmlType type, int64_t nIn, int64_t nOut, int64_t nMat, uint32_t seed,
                      float scale) {
    TestWeight t;
    const auto src = randomVector(size_t(nIn * nOut * nMat), seed, scale);
    const size_t rb = ggmlRowBytes(type, nIn);
    t.bytes.resize(rb * size_t(nOut * nMat));
    t.deq.resize(src.size());
    for (int64_t r = 0; r < nOut * nMat; ++r) {
        quantizeRow(type, src.data() + r * nIn, t.bytes.data() + r * rb, nIn);
        dequantizeRow(type, t.bytes.data() + r * rb, t.deq.data() + r * nIn, nIn);
    }
    t.w.name = "test";
    t.w.type = type;
    t.w.nIn = nIn;
    t.w.nOut = nOut;
    t.w.nMat = nMat;
    t.w.rowBytes = rb;
    t.w.host = t.bytes.data();
    return t;
}

Weight vectorWeight(const std::vector<float>& v) {
    Weight w;
    w.type = GgmlType::F32;
    w.nIn = int64_t(v.size());
    w.rowBytes = v.size() * 4;
    w.host = v.data();
    return w;
}

Act hostAct(std::vector<float>& v, int rows, int cols) {
    return Act{v.data(), 0, rows, cols};
}

double refDot(const float* a, const float* b, int n) {
    double s = 0.0;
    for (int i = 0; i < n; ++i) s += double(a[i]) * double(b[i]);
    return s;
}

float maxAbs(const std::vector<float>& a, const std::vector<float>& b) {
    float m = 0.0f;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
    return m;
}

float silu(double x) {
    return float(x / (1.0 + std::exp(-x)));
}

BackendLimits limitsFor(int rows, int cols, int ctx, int ffRows, int ff) {
    BackendLimits l;
    l.maxRows = rows;
    l.maxCols = cols;
    l.maxContext = ctx;
    l.maxFfRows = ffRows;
    l.maxFf = ff;
    l.nEmbd = cols;
    return l;
}

} // namespace

class BackendCpuOpsTest : public QObject {
    Q_OBJECT

private slots:
    void fp16ConversionRoundTripsEveryHalf() {
        for (uint32_t h = 0; h < 65536; ++h) {
            const uint16_t v = uint16_t(h);
            const bool nan = (v & 0x7c00) == 0x7c00 && (v & 0x3ff);
            if (nan) continue;
            QCOMPARE(fp32ToFp16(fp16ToFp32(v)), v);
        }
        // Round to nearest even at a tie: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
        QCOMPARE(fp32ToFp16(1.0f + std::ldexp(1.0f, -11)), uint16_t(0x3c00));
        QCOMPARE(fp32ToFp16(1.0f + 3 * std::ldexp(1.0f, -11)), uint16_t(0x3c02));
        QCOMPARE(fp32ToFp16(65520.0f), uint16_t(0x7c00));
        QCOMPARE(fp32ToFp16(std::ldexp(1.0f, -24)), uint16_t(0x0001));
    }

    void vectorOpsMatchScalarReference() {
        for (int n : {1, 7, 8, 16, 64, 100, 128}) {
            auto a = randomVector(size_t(n), 1 + n), b = randomVector(size_t(n), 2 + n);
            // Include subnormal-range and large values in the fp16 conversion checks.
            a[0] = 3e-6f;
            std::vector<uint16_t> ha(static_cast<size_t>(n)), hb(static_cast<size_t>(n)),
                ra(static_cast<size_t>(n));
            vec::toFp16(a.data(), ha.data(), n);
            vec::ref::toFp16(a.data(), ra.data(), n);
            QCOMPARE(ha, ra);
            vec::toFp16(b.data(), hb.data(), n);
            std::vector<float> fa(static_cast<size_t>(n)), fr(static_cast<size_t>(n));
            vec::fromFp16(ha.data(), fa.data(), n);
            vec::ref::fromFp16(ha.data(), fr.data(), n);
            QCOMPARE(fa, fr);
            QVERIFY(std::abs(vec::dotF32(a.data(), b.data(), n) -
                             vec::ref::dotF32(a.data(), b.data(), n)) < 1e-4f * n);
            QVERIFY(std::abs(vec::dotF16(ha.data(), hb.data(), n) -
                             vec::ref::dotF16(ha.data(), hb.data(), n)) < 1e-4f * n);
            auto y1 = randomVector(size_t(n), 3), y2 = y1;
            vec::axpyF32(0.7f, a.data(), y1.data(), n);
            vec::ref::axpyF32(0.7f, a.data(), y2.data(), n);
            QVERIFY(maxAbs(y1, y2) < 1e-6f);
            vec::axpyF16(-1.3f, ha.data(), y1.data(), n);
            vec::ref::axpyF16(-1.3f, ha.data(), y2.data(), n);
            QVERIFY(maxAbs(y1, y2) < 1e-5f);
        }
    }

    void attentionHelpersMatchScalarReference() {
        for (int dim : {8, 16, 64, 72, 128, 12, 300, 576}) { // 576: DeepSeek's latent keys
            const int count = 9, stride = dim + 8;
            auto q = randomVector(size_t(dim), 40 + dim),
                 rows = randomVector(size_t(count * stride), 41 + dim);
            auto w = randomVector(size_t(count), 42);
            std::vector<uint16_t> qh(static_cast<size_t>(dim)), rh(rows.size());
            vec::toFp16(q.data(), qh.data(), dim);
            vec::toFp16(rows.data(), rh.data(), int(rows.size()));
            std::vector<float> a(static_cast<size_t>(count)), b(static_cast<size_t>(count));
            vec::dotRowsF32(q.data(), rows.data(), size_t(stride), count, dim, 0.5f, a.data());
            vec::ref::dotRowsF32(q.data(), rows.data(), size_t(stride), count, dim, 0.5f, b.data());
            QVERIFY(maxAbs(a, b) < 1e-5f * dim);
            vec::dotRowsF16(qh.data(), rh.data(), size_t(stride), count, dim, 0.5f, a.data());
            vec::ref::dotRowsF16(qh.data(), rh.data(), size_t(stride), count, dim, 0.5f, b.data());
            QVERIFY(maxAbs(a, b) < 1e-5f * dim);
            std::vector<float> o1(static_cast<size_t>(dim)), o2(static_cast<size_t>(dim));
            vec::weightedSumF32(w.data(), rows.data(), size_t(stride), count, dim, o1.data());
            vec::ref::weightedSumF32(w.data(), rows.data(), size_t(stride), count, dim, o2.data());
            QVERIFY(maxAbs(o1, o2) < 1e-5f);
            vec::weightedSumF16(w.data(), rh.data(), size_t(stride), count, dim, o1.data());
            vec::ref::weightedSumF16(w.data(), rh.data(), size_t(stride), count, dim, o2.data());
            QVERIFY(maxAbs(o1, o2) < 1e-5f);
        }
    }

    void expAndSiluMatchScalarReference() {
        auto x = randomVector(203, 50, 6.0f);
        x[0] = -100.0f; // underflows to 0
        x[1] = 0.0f;
        auto u = randomVector(203, 51);
        std::vector<float> a(x.size()), b(x.size());
        vec::siluMul(x.data(), u.data(), a.data(), int(x.size()));
        vec::ref::siluMul(x.data(), u.data(), b.data(), int(x.size()));
        for (size_t i = 0; i < x.size(); ++i)
            QVERIFY2(std::abs(a[i] - b[i]) <= 4e-7f * std::max(1.0f, std::abs(b[i])),
                     qPrintable(QString::number(i)));
        auto e1 = x, e2 = x;
        const double s1 = vec::expShifted(e1.data(), int(e1.size()), 3.0f);
        const double s2 = vec::ref::expShifted(e2.data(), int(e2.size()), 3.0f);
        for (size_t i = 0; i < x.size(); ++i)
            QVERIFY2(std::abs(e1[i] - e2[i]) <= 3e-7f * e2[i] + 1e-37f,
                     qPrintable(QString::number(i)));
        QVERIFY(std::abs(s1 - s2) <= 1e-6 * s2);
        QCOMPARE(e1[0], 0.0f);
    }

    void threadPoolRunsEveryThreadOncePerJob() {
        QVERIFY(ThreadPool::physicalCores() >= 1);
        for (int threads : {1, 2, 3}) {
            ThreadPool pool(threads);
            QCOMPARE(pool.threadCount(), threads);
            // 3 threads on a 2-core machine is oversubscribed and slow; keep it short.
            for (int iter = 0; iter < (threads <= 2 ? 2000 : 20); ++iter) {
                // Every chunk runs exactly once, on a valid thread, never two at once per thread.
                const int chunks = 1 + iter % 7;
                std::atomic<int> mask{0}, calls{0}, badThread{0};
                std::atomic<int> busy[3] = {0, 0, 0};
                auto job = [&](int c, int n, int t) {
                    if (n != chunks || t < 0 || t >= threads || busy[t].fetch_add(1) != 0)
                        badThread.fetch_add(1);
                    mask.fetch_or(1 << c);
                    calls.fetch_add(1);
                    busy[t].fetch_sub(1);
                };
                pool.run(job, chunks);
                QCOMPARE(badThread.load(), 0);
                QCOMPARE(calls.load(), chunks);
                QCOMPARE(mask.load(), (1 << chunks) - 1);
            }
        }
        int64_t b, e, total = 0;
        for (int p = 0; p < 3; ++p) {
            splitRange(10, p, 3, b, e);
            total += e - b;
        }
        QCOMPARE(total, int64_t(10));
    }

    void matmulMatchesDequantizedReference_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("tolerance"); // unused: the bound is computed per row
        QTest::newRow("F32") << int(GgmlType::F32) << 1e-5;
        QTest::newRow("F16") << int(GgmlType::F16) << 2e-3;
        QTest::newRow("Q8_0") << int(GgmlType::Q8_0) << 2e-2;
        QTest::newRow("Q4_0") << int(GgmlType::Q4_0) << 2e-2;
        QTest::newRow("Q4_K") << int(GgmlType::Q4_K) << 2e-2;
        QTest::newRow("Q5_K") << int(GgmlType::Q5_K) << 2e-2;
        QTest::newRow("Q6_K") << int(GgmlType::Q6_K) << 2e-2;
    }

    void matmulMatchesDequantizedReference() {
        QFETCH(int, type);
        QFETCH(double, tolerance);
        const GgmlType t = GgmlType(type);
        const int nIn = 512, nOut = 45, rows = 9;
        CpuBackend backend(2);
        backend.reserve(limitsFor(rows, nIn, 8, rows, nIn));
        auto W = makeWeight(t, nIn, nOut, 1, 11, 0.05f);
        auto W2 = makeWeight(GgmlType::Q8_0, nIn, 17, 1, 12, 0.05f);
        auto bias = randomVector(17, 13);
        Weight b = vectorWeight(bias);
        auto x = randomVector(size_t(rows) * nIn, 14);
        std::vector<float> y(size_t(rows) * nOut), y2(size_t(rows) * 17);
        const Backend::MatmulJob jobs[2] = {{&W.w, nullptr, hostAct(y, rows, nOut)},
                                            {&W2.w, &b, hostAct(y2, rows, 17)}};
        backend.matmul(hostAct(x, rows, nIn), jobs);
        // Error bound of the activation rounding the weight type implies (ggml's vec-dot
        // formats): Q8_K in blocks of 256, Q8_0 in blocks of 32 (fp16 scale), fp16, or none.
        auto bound = [&](const float* w, const float* xr, GgmlType wt) {
            const int block =
                wt == GgmlType::Q4_K || wt == GgmlType::Q5_K || wt == GgmlType::Q6_K ? 256 : 32;
            double b = 1e-5;
            for (int i0 = 0; i0 < nIn; i0 += block) {
                float amax = 0.0f;
                for (int i = i0; i < i0 + block; ++i) amax = std::max(amax, std::abs(xr[i]));
                for (int i = i0; i < i0 + block; ++i) {
                    double e = 0.0;
                    if (wt == GgmlType::F16)
                        e = std::abs(xr[i]) * 4.9e-4;
                    else if (wt != GgmlType::F32)
                        e = amax / 254.0 * 1.001 + std::abs(xr[i]) * 4.9e-4;
                    b += std::abs(w[i]) * e;
                }
            }
            return b;
        };
        Q_UNUSED(tolerance);
        for (int r = 0; r < rows; ++r) {
            const float* xr = x.data() + size_t(r) * nIn;
            for (int o = 0; o < nOut; ++o) {
                const float* wr = W.deq.data() + size_t(o) * nIn;
                const double want = refDot(wr, xr, nIn);
                QVERIFY2(std::abs(y[size_t(r) * nOut + o] - want) <= bound(wr, xr, t),
                         qPrintable(QString("row %1 out %2: %3 vs %4")
                                        .arg(r)
                                        .arg(o)
                                        .arg(y[size_t(r) * nOut + o])
                                        .arg(want)));
            }
            for (int o = 0; o < 17; ++o) {
                const float* wr = W2.deq.data() + size_t(o) * nIn;
                const double want = refDot(wr, xr, nIn) + bias[size_t(o)];
                QVERIFY(std::abs(y2[size_t(r) * 17 + o] - want) <= bound(wr, xr, GgmlType::Q8_0));
            }
        }
        // Batching must not change any value: row r alone gives bit-identical results.
        for (int r = 0; r < rows; ++r) {
            std::vector<float> single(static_cast<size_t>(nOut));
            const Backend::MatmulJob one[1] = {{&W.w, nullptr, hostAct(single, 1, nOut)}};
            backend.matmul(Act{x.data() + size_t(r) * nIn, 0, 1, nIn}, one);
            for (int o = 0; o < nOut; ++o) QCOMPARE(single[size_t(o)], y[size_t(r) * nOut + o]);
        }
    }

    void rmsNormMatchesReference() {
        CpuBackend backend(1);
        const int rows = 3, cols = 64, group = 16;
        auto x = randomVector(size_t(rows * cols), 5, 2.0f);
        auto w = randomVector(size_t(group), 6);
        Weight wt = vectorWeight(w);
        std::vector<float> y(x.size());
        backend.rmsNorm(hostAct(x, rows, cols), &wt, hostAct(y, rows, cols), group, 1e-5f);
        for (int r = 0; r < rows; ++r)
            for (int g = 0; g < cols; g += group) {
                double ss = 0.0;
                for (int i = 0; i < group; ++i)
                    ss += double(x[size_t(r * cols + g + i)]) * x[size_t(r * cols + g + i)];
                const double s = 1.0 / std::sqrt(ss / group + 1e-5);
                for (int i = 0; i < group; ++i)
                    QVERIFY(std::abs(y[size_t(r * cols + g + i)] -
                                     x[size_t(r * cols + g + i)] * s * w[size_t(i)]) < 1e-5);
            }
    }

    void ropeMatchesReference() {
        CpuBackend backend(1);
        backend.reserve(limitsFor(4, 64, 8, 4, 64));
        const int rows = 4, heads = 2, hd = 32, nRot = 24, pos0 = 5;
        for (bool neox : {false, true}) {
            auto x = randomVector(size_t(rows * heads * hd), 7);
            auto y = x;
            RopeParams p{heads, hd, nRot, 10000.0f, 0.5f, neox, nullptr};
            backend.rope(hostAct(y, rows, heads * hd), p, pos0);
            for (int r = 0; r < rows; ++r)
                for (int h = 0; h < heads; ++h) {
                    const float* in = x.data() + size_t((r * heads + h) * hd);
                    const float* out = y.data() + size_t((r * heads + h) * hd);
                    for (int i = 0; i < nRot / 2; ++i) {
                        const double theta = 0.5 * (pos0 + r) * std::pow(10000.0, -2.0 * i / nRot);
                        const int a = neox ? i : 2 * i, b = neox ? i + nRot / 2 : 2 * i + 1;
                        const double e0 = in[a] * std::cos(theta) - in[b] * std::sin(theta);
                        const double e1 = in[a] * std::sin(theta) + in[b] * std::cos(theta);
                        QVERIFY(std::abs(out[a] - e0) < 1e-5 && std::abs(out[b] - e1) < 1e-5);
                    }
                    for (int i = nRot; i < hd; ++i)
                        QCOMPARE(out[i], in[i]); // beyond the rotary dimensions: unchanged
                }
        }
    }

    void attentionMatchesReference_data() {
        QTest::addColumn<bool>("f16");
        QTest::addColumn<int>("window");
        QTest::newRow("f32") << false << 0;
        QTest::newRow("f16") << true << 0;
        QTest::newRow("f32 window 3") << false << 3;
    }

    void attentionMatchesReference() {
        QFETCH(bool, f16);
        QFETCH(int, window);
        const int nHead = 4, nKv = 2, hd = 16, ctx = 12, pos0 = 5, rows = 4;
        CpuBackend backend(2);
        backend.reserve(limitsFor(ctx, nHead * hd, ctx, ctx, 64));
        auto cache =
            backend.createKvCache(1, ctx, nKv * hd, nKv * hd, f16 ? GgmlType::F16 : GgmlType::F32);
        auto k = randomVector(size_t((pos0 + rows) * nKv * hd), 21),
             v = randomVector(size_t((pos0 + rows) * nKv * hd), 22);
        backend.storeKv(*cache, 0, hostAct(k, pos0 + rows, nKv * hd),
                        hostAct(v, pos0 + rows, nKv * hd), 0);
        auto q = randomVector(size_t(rows * nHead * hd), 23);
        std::vector<float> out(size_t(rows * nHead * hd));
        AttentionParams p{nHead, nKv, hd, hd, 0.25f, window};
        backend.attention(*cache, 0, hostAct(q, rows, nHead * hd), hostAct(out, rows, nHead * hd),
                          pos0, p);
        auto rnd = [&](float x) { return f16 ? roundToFp16(x) : x; };
        for (int r = 0; r < rows; ++r)
            for (int h = 0; h < nHead; ++h) {
                const int kvh = h / (nHead / nKv), hi = pos0 + r,
                          lo = window ? std::max(0, hi - window + 1) : 0;
                std::vector<double> s;
                double mx = -1e300, sum = 0.0;
                for (int j = lo; j <= hi; ++j) {
                    double d = 0.0;
                    for (int i = 0; i < hd; ++i)
                        d += double(rnd(q[size_t((r * nHead + h) * hd + i)])) *
                             rnd(k[size_t((j * nKv + kvh) * hd + i)]);
                    s.push_back(d * 0.25);
                    mx = std::max(mx, s.back());
                }
                for (auto& x : s) sum += (x = std::exp(x - mx));
                for (int i = 0; i < hd; ++i) {
                    double o = 0.0;
                    for (int j = lo; j <= hi; ++j)
                        o += double(rnd(float(s[size_t(j - lo)] / sum))) *
                             rnd(v[size_t((j * nKv + kvh) * hd + i)]);
                    QVERIFY2(std::abs(out[size_t((r * nHead + h) * hd + i)] - o) < 2e-5,
                             qPrintable(QString("r %1 h %2 i %3").arg(r).arg(h).arg(i)));
                }
            }
    }

    void attentionSequencesEqualsOneSequence_data() {
        QTest::addColumn<bool>("f16");
        QTest::addColumn<int>("window");
        QTest::newRow("f32") << false << 0;
        QTest::newRow("f16") << true << 0;
        QTest::newRow("f16 window 4 (tail only)") << true << 4;
        QTest::newRow("f32 window 9 (into the prefix)") << false << 9;
    }
    // Candidates: a row over the shared prefix plus its own tail gives, bit for bit, what one
    // contiguous sequence of the same keys gives (head size 64: the wide weighted-sum path).
    void attentionSequencesEqualsOneSequence() {
        QFETCH(bool, f16);
        QFETCH(int, window);
        const int nHead = 4, nKv = 2, hd = 64, prefixLen = 9, perSequence = 8, ctx = 32;
        const int kvDim = nKv * hd;
        const GgmlType type = f16 ? GgmlType::F16 : GgmlType::F32;
        CpuBackend backend(2);
        backend.reserve(limitsFor(ctx, nHead * hd, ctx, ctx, 64));
        auto prefix = backend.createKvCache(1, ctx, kvDim, kvDim, type);
        auto tail = backend.createKvCache(1, 3 * perSequence, kvDim, kvDim, type);
        auto pk = randomVector(size_t(prefixLen * kvDim), 31),
             pv = randomVector(size_t(prefixLen * kvDim), 32);
        backend.storeKv(*prefix, 0, hostAct(pk, prefixLen, kvDim), hostAct(pv, prefixLen, kvDim),
                        0);
        const int lengths[3] = {1, 4, 6};
        std::vector<std::vector<float>> tk, tv;
        std::vector<SequenceStep> steps;
        for (int s = 0; s < 3; ++s) {
            tk.push_back(randomVector(size_t(lengths[s] * kvDim), 40 + s));
            tv.push_back(randomVector(size_t(lengths[s] * kvDim), 50 + s));
            backend.storeKv(*tail, 0, hostAct(tk.back(), lengths[s], kvDim),
                            hostAct(tv.back(), lengths[s], kvDim), s * perSequence);
            steps.push_back({s * perSequence, lengths[s]});
        }
        auto q = randomVector(size_t(3 * nHead * hd), 33);
        std::vector<float> out(q.size());
        const AttentionParams p{nHead, nKv, hd, hd, 0.125f, window};
        backend.attentionSequences(*prefix, prefixLen, *tail, 0, hostAct(q, 3, nHead * hd),
                                   hostAct(out, 3, nHead * hd), steps, p);
        for (int s = 0; s < 3; ++s) {
            // The same keys as one sequence: prefix, then the tail, the query at the end.
            auto one = backend.createKvCache(1, ctx, kvDim, kvDim, type);
            backend.storeKv(*one, 0, hostAct(pk, prefixLen, kvDim), hostAct(pv, prefixLen, kvDim),
                            0);
            backend.storeKv(*one, 0, hostAct(tk[size_t(s)], lengths[s], kvDim),
                            hostAct(tv[size_t(s)], lengths[s], kvDim), prefixLen);
            std::vector<float> qs(q.begin() + s * nHead * hd, q.begin() + (s + 1) * nHead * hd);
            std::vector<float> want(qs.size());
            backend.attention(*one, 0, hostAct(qs, 1, nHead * hd), hostAct(want, 1, nHead * hd),
                              prefixLen + lengths[s] - 1, p);
            for (size_t i = 0; i < want.size(); ++i)
                QVERIFY2(out[size_t(s * nHead * hd) + i] == want[i],
                         qPrintable(QString("sequence %1 value %2").arg(s).arg(i)));
        }
    }

    void blockedAttentionEqualsOneRowAtATime_data() {
        QTest::addColumn<bool>("f16");
        QTest::addColumn<int>("window");
        QTest::addColumn<bool>("sinks");
        QTest::newRow("f16") << true << 0 << false;
        QTest::newRow("f32 window 70") << false << 70 << false;
        QTest::newRow("f16 sinks") << true << 0 << true;
    }
    // A prompt pass (rows >= 8: key tiles shared by a block of queries) gives, bit for bit, what
    // the same rows give one at a time; keys span several 64-position tiles.
    void blockedAttentionEqualsOneRowAtATime() {
        QFETCH(bool, f16);
        QFETCH(int, window);
        QFETCH(bool, sinks);
        const int nHead = 8, nKv = 2, hd = 64, pos0 = 150, rows = 21, ctx = 200;
        CpuBackend backend(2);
        backend.reserve(limitsFor(ctx, nHead * hd, ctx, ctx, 64));
        auto cache =
            backend.createKvCache(1, ctx, nKv * hd, nKv * hd, f16 ? GgmlType::F16 : GgmlType::F32);
        auto k = randomVector(size_t((pos0 + rows) * nKv * hd), 61),
             v = randomVector(size_t((pos0 + rows) * nKv * hd), 62);
        backend.storeKv(*cache, 0, hostAct(k, pos0 + rows, nKv * hd),
                        hostAct(v, pos0 + rows, nKv * hd), 0);
        auto q = randomVector(size_t(rows * nHead * hd), 63);
        std::vector<float> sinkValues = randomVector(size_t(nHead), 64);
        const Weight sinkWeight = vectorWeight(sinkValues);
        AttentionParams p{nHead, nKv, hd, hd, 0.125f, window};
        if (sinks) p.sinks = &sinkWeight;
        std::vector<float> blocked(q.size()), single(q.size());
        backend.attention(*cache, 0, hostAct(q, rows, nHead * hd),
                          hostAct(blocked, rows, nHead * hd), pos0, p);
        for (int r = 0; r < rows; ++r) {
            std::vector<float> qr(q.begin() + r * nHead * hd, q.begin() + (r + 1) * nHead * hd);
            std::vector<float> o(qr.size());
            backend.attention(*cache, 0, hostAct(qr, 1, nHead * hd), hostAct(o, 1, nHead * hd),
                              pos0 + r, p);
            std::copy(o.begin(), o.end(), single.begin() + r * nHead * hd);
        }
        for (size_t i = 0; i < q.size(); ++i)
            QVERIFY2(blocked[i] == single[i], qPrintable(QString("value %1").arg(i)));
    }

    // A Q8_0 cache's attention is the attention of its dequantized keys and values against the
    // Q8_0-rounded query (to float rounding), decode and prompt paths alike.
    void q8CacheAttentionIsItsDequantizedValues() {
        const int nHead = 4, nKv = 2, hd = 64, pos0 = 90, rows = 10, ctx = 128, kvDim = nKv * hd;
        CpuBackend backend(2);
        backend.reserve(limitsFor(ctx, nHead * hd, ctx, ctx, 64));
        auto q8 = backend.createKvCache(1, ctx, kvDim, kvDim, GgmlType::Q8_0);
        auto f32 = backend.createKvCache(1, ctx, kvDim, kvDim, GgmlType::F32);
        auto k = randomVector(size_t((pos0 + rows) * kvDim), 71),
             v = randomVector(size_t((pos0 + rows) * kvDim), 72);
        backend.storeKv(*q8, 0, hostAct(k, pos0 + rows, kvDim), hostAct(v, pos0 + rows, kvDim), 0);
        // The same values as the Q8_0 cache holds them, into the F32 cache.
        auto roundTrip = [&](std::vector<float> x, int n) {
            std::vector<uint8_t> blocks(ggmlRowBytes(GgmlType::Q8_0, n));
            for (size_t r = 0; r < x.size() / size_t(n); ++r) {
                quantKernels(GgmlType::Q8_0)
                    .quantizeActivations(x.data() + r * n, blocks.data(), n);
                dequantizeRow(GgmlType::Q8_0, blocks.data(), x.data() + r * n, n);
            }
            return x;
        };
        auto kd = roundTrip(k, kvDim), vd = roundTrip(v, kvDim);
        backend.storeKv(*f32, 0, hostAct(kd, pos0 + rows, kvDim), hostAct(vd, pos0 + rows, kvDim),
                        0);
        auto q = randomVector(size_t(rows * nHead * hd), 73);
        auto qd = roundTrip(q, hd);
        const AttentionParams p{nHead, nKv, hd, hd, 0.125f, 0};
        for (int n : {1, rows}) { // decode path, then the blocked prompt path
            std::vector<float> a(size_t(n * nHead * hd)), b(a.size());
            backend.attention(*q8, 0, hostAct(q, n, nHead * hd), hostAct(a, n, nHead * hd), pos0,
                              p);
            backend.attention(*f32, 0, hostAct(qd, n, nHead * hd), hostAct(b, n, nHead * hd), pos0,
                              p);
            for (size_t i = 0; i < a.size(); ++i)
                QVERIFY2(
                    std::abs(a[i] - b[i]) < 2e-5f,
                    qPrintable(
                        QString("rows %1 value %2: %3 vs %4").arg(n).arg(i).arg(a[i]).arg(b[i])));
        }
    }

    void ffnAndMoeMatchReference() {
        const int nEmbd = 64, nFf = 96, nExpert = 6, k = 3, rows = 5;
        CpuBackend backend(2);
        backend.reserve(limitsFor(rows, nFf, 8, rows * k, nFf));
        auto gate = makeWeight(GgmlType::F32, nEmbd, nFf, nExpert, 31, 0.2f);
        auto up = makeWeight(GgmlType::F32, nEmbd, nFf, nExpert, 32, 0.2f);
        auto down = makeWeight(GgmlType::F32, nFf, nEmbd, nExpert, 33, 0.2f);
        auto x = randomVector(size_t(rows * nEmbd), 34);
        auto logits = randomVector(size_t(rows * nExpert), 35, 2.0f);
        auto expert = [&](int e, int r, std::vector<double>& y) {
            std::vector<float> h(static_cast<size_t>(nFf));
            for (int f = 0; f < nFf; ++f) {
                const size_t row = size_t(e * nFf + f) * nEmbd;
                h[size_t(f)] =
                    silu(refDot(gate.deq.data() + row, x.data() + size_t(r * nEmbd), nEmbd)) *
                    float(refDot(up.deq.data() + row, x.data() + size_t(r * nEmbd), nEmbd));
            }
            y.assign(size_t(nEmbd), 0.0);
            for (int o = 0; o < nEmbd; ++o)
                y[size_t(o)] = refDot(down.deq.data() + size_t(e * nEmbd + o) * nFf, h.data(), nFf);
        };
        for (bool norm : {true, false}) {
            std::vector<float> out(size_t(rows * nEmbd));
            backend.moe(hostAct(x, rows, nEmbd), hostAct(logits, rows, nExpert),
                        MoeWeights{&gate.w, &up.w, &down.w}, MoeParams{nExpert, k, norm},
                        hostAct(out, rows, nEmbd));
            for (int r = 0; r < rows; ++r) {
                std::vector<std::pair<double, int>> pr;
                double mx = -1e300, sum = 0.0;
                for (int e = 0; e < nExpert; ++e)
                    mx = std::max(mx, double(logits[size_t(r * nExpert + e)]));
                for (int e = 0; e < nExpert; ++e) {
                    pr.push_back({std::exp(logits[size_t(r * nExpert + e)] - mx), e});
                    sum += pr.back().first;
                }
                std::sort(pr.rbegin(), pr.rend());
                double wsum = 0.0;
                for (int j = 0; j < k; ++j) wsum += pr[size_t(j)].first / sum;
                std::vector<double> acc(size_t(nEmbd), 0.0), y;
                for (int j = 0; j < k; ++j) {
                    expert(pr[size_t(j)].second, r, y);
                    const double w = pr[size_t(j)].first / sum / (norm ? wsum : 1.0);
                    for (int o = 0; o < nEmbd; ++o) acc[size_t(o)] += w * y[size_t(o)];
                }
                for (int o = 0; o < nEmbd; ++o)
                    QVERIFY2(std::abs(out[size_t(r * nEmbd + o)] - acc[size_t(o)]) < 1e-4,
                             qPrintable(QString("moe row %1 col %2").arg(r).arg(o)));
            }
        }
        // Dense FFN = expert 0 with weight 1; with a scale gate and accumulate.
        Weight g0 = gate.w, u0 = up.w, d0 = down.w;
        g0.nMat = u0.nMat = d0.nMat = 1;
        auto sg = randomVector(size_t(nEmbd), 36, 0.1f);
        Weight sgw = vectorWeight(sg);
        std::vector<float> out(size_t(rows * nEmbd), 1.0f);
        backend.ffn(hostAct(x, rows, nEmbd), g0, u0, d0, hostAct(out, rows, nEmbd), &sgw, true);
        for (int r = 0; r < rows; ++r) {
            std::vector<double> y;
            expert(0, r, y);
            const double s =
                1.0 / (1.0 + std::exp(-refDot(sg.data(), x.data() + size_t(r * nEmbd), nEmbd)));
            for (int o = 0; o < nEmbd; ++o)
                QVERIFY(std::abs(out[size_t(r * nEmbd + o)] - (1.0 + s * y[size_t(o)])) < 1e-4);
        }
    }
};

QTEST_GUILESS_MAIN(BackendCpuOpsTest)
#include "backend_cpu_ops_test.moc"
