// Every op of the CUDA backend against the CPU backend (the numerical reference), through the
// Backend interface on random weights made by the scalar quantizer: embed, RMSNorm, matmul for
// every weight type (Q/K/V sharing one rounding, biases), RoPE (normal, NeoX, partial, YaRN,
// frequency factors, offset), the KV store and attention (F32/F16 cache, GQA, sliding window
// and its ring, sinks, a shared-latent V, decode rows and the tiled prompt kernel), the FFN's
// three activations (and the gated shared expert), MoE (softmax, sigmoid with selection bias, softmax of the chosen, biases,
// normalisation, scale), add, scale, MLA's absorbQuery/expandValues and the head mix; and decode
// steps replayed from a CUDA graph computing what eager runs compute.
// Label gpu: needs an NVIDIA GPU; skips with the probe's reason where there is none.

// The CPU backend comes from createBackend("cpu"): cpu_backend.h has a member named `slots`,
// which Qt Test's macro (maybe precompiled before this file) would rewrite.
#include "inference/backend/backend.h"
#include "inference/backend/backend_choice.h"
#include "inference/engine_error.h"
#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include <QtTest>

using namespace fabulist::inference;

namespace {

// A tensor as a GGUF file would hold it (the test keeps the bytes alive).
struct HostTensor {
    std::vector<uint8_t> bytes;
    GgufTensorInfo info;
};

struct Pair {
    Weight cpu, gpu;
};
struct ActPair {
    Act cpu, gpu;
};

} // namespace

class CudaOpsGpuTest : public QObject {
    Q_OBJECT

    std::mt19937 m_rng{2112};
    std::vector<std::unique_ptr<HostTensor>> m_tensors;
    std::unique_ptr<Backend> m_cpu, m_gpu;

    std::vector<float> randomFloats(size_t n, float scale = 1.0f) {
        std::normal_distribution<float> d(0.0f, scale);
        std::vector<float> v(n);
        for (float& x : v) x = d(m_rng);
        return v;
    }
    const HostTensor& tensor(GgmlType type, int64_t nIn, int64_t nOut, int64_t nMat,
                             const std::vector<float>& values) {
        auto t = std::make_unique<HostTensor>();
        const size_t rb = ggmlRowBytes(type, nIn);
        t->bytes.resize(rb * size_t(nOut * nMat));
        for (int64_t r = 0; r < nOut * nMat; ++r)
            quantizeRow(type, values.data() + size_t(r) * nIn, t->bytes.data() + size_t(r) * rb,
                        nIn);
        t->info.name = "blk.0.test";
        t->info.type = type;
        t->info.nDims = nMat > 1 ? 3 : 2;
        t->info.ne = {nIn, nOut, nMat, 1};
        t->info.nbytes = t->bytes.size();
        t->info.data = t->bytes.data();
        m_tensors.push_back(std::move(t));
        return *m_tensors.back();
    }
    Pair weight(GgmlType type, int64_t nIn, int64_t nOut, int64_t nMat = 1, float scale = 0.3f) {
        const HostTensor& t =
            tensor(type, nIn, nOut, nMat, randomFloats(size_t(nIn * nOut * nMat), scale));
        return {m_cpu->upload(t.info), m_gpu->upload(t.info)};
    }
    Pair weightOf(const std::vector<float>& v, int64_t nIn, int64_t nOut = 1) {
        const HostTensor& t = tensor(GgmlType::F32, nIn, nOut, 1, v);
        return {m_cpu->upload(t.info), m_gpu->upload(t.info)};
    }
    // rows x cols activations holding `values` on both backends (written by an F32 embed).
    ActPair input(int rows, int cols, const std::vector<float>& values) {
        const Pair table = weightOf(values, cols, rows);
        ActPair a{m_cpu->allocate(rows, cols), m_gpu->allocate(rows, cols)};
        std::vector<int32_t> ids(static_cast<size_t>(rows));
        for (int r = 0; r < rows; ++r) ids[size_t(r)] = r;
        m_cpu->embed(table.cpu, ids, a.cpu);
        m_gpu->embed(table.gpu, ids, a.gpu);
        return a;
    }
    ActPair input(int rows, int cols, float scale = 1.0f) {
        return input(rows, cols, randomFloats(size_t(rows) * cols, scale));
    }
    ActPair output(int rows, int cols) {
        return {m_cpu->allocate(rows, cols), m_gpu->allocate(rows, cols)};
    }
    static std::vector<float> readAll(Backend& b, Act a) {
        std::vector<float> v(size_t(a.rows) * a.cols);
        for (int r = 0; r < a.rows; ++r) b.read(a, r, v.data() + size_t(r) * a.cols);
        return v;
    }
    // Fails on the first value beyond tol * (1 + |cpu|); prints the largest difference.
    void compare(const ActPair& a, float tol, const char* what) {
        const auto want = readAll(*m_cpu, a.cpu), got = readAll(*m_gpu, a.gpu);
        float worst = 0.0f;
        for (size_t i = 0; i < want.size(); ++i) {
            const float d = std::fabs(got[i] - want[i]);
            worst = std::max(worst, d);
            if (!(d <= tol * (1.0f + std::fabs(want[i]))))
                QFAIL(qPrintable(QString("%1[%2]: CUDA %3, CPU %4")
                                     .arg(what)
                                     .arg(i)
                                     .arg(got[i])
                                     .arg(want[i])));
        }
        qInfo("%s: max |CUDA - CPU| %.3g", what, worst);
    }
    void reserveBoth(int rows, int cols, int ffRows, int ff, int context = 256) {
        BackendLimits l;
        l.maxRows = rows;
        l.maxCols = cols;
        l.maxContext = context;
        l.maxFfRows = ffRows;
        l.maxFf = ff;
        l.nEmbd = cols;
        m_cpu->reserve(l);
        m_gpu->reserve(l);
    }
    void fresh() {
        m_gpu.reset();
        m_cpu = createBackend("cpu", 1);
        m_gpu = createBackend("cuda", 1);
        reserveBoth(64, 1024, 256, 1024, 512);
    }

private slots:
    void initTestCase() {
        const std::string why = cudaUnavailableReason();
        if (!why.empty()) QSKIP(qPrintable("no CUDA device: " + QString::fromStdString(why)));
        fresh();
        for (const auto& [k, v] : m_gpu->describeDevice())
            if (k == "device") qInfo("CUDA device: %s", v.c_str());
    }
    void init() { fresh(); }

    void embed_data() {
        QTest::addColumn<int>("type");
        for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_K,
                           GgmlType::Q6_K})
            QTest::newRow(ggmlTypeTraits(t).name.data()) << int(t);
    }
    void embed() {
        QFETCH(int, type);
        const Pair table = weight(GgmlType(type), 256, 40, 1, 1.0f);
        const std::vector<int32_t> ids{3, 39, 0, 3, 17};
        const ActPair out = output(5, 256);
        m_cpu->embed(table.cpu, ids, out.cpu);
        m_gpu->embed(table.gpu, ids, out.gpu);
        compare(out, 0.0f, "embed");
    }

    void rmsNorm_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("group");
        QTest::addColumn<bool>("withWeight");
        QTest::newRow("row 1x7") << 1 << 7 << 7 << true;
        QTest::newRow("rows 5x333") << 5 << 333 << 333 << true;
        QTest::newRow("rows 3x1024 no weight") << 3 << 1024 << 1024 << false;
        QTest::newRow("per head 4x(6x40)") << 4 << 240 << 40 << true;
    }
    void rmsNorm() {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, group);
        QFETCH(bool, withWeight);
        const ActPair x = input(rows, cols), y = output(rows, cols);
        const Pair w = weightOf(randomFloats(size_t(group)), group);
        m_cpu->rmsNorm(x.cpu, withWeight ? &w.cpu : nullptr, y.cpu, group, 1e-6f);
        m_gpu->rmsNorm(x.gpu, withWeight ? &w.gpu : nullptr, y.gpu, group, 1e-6f);
        compare(y, 2e-6f, "rmsNorm");
    }

    void matmul_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("rows");
        for (GgmlType t :
             {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
              GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K, GgmlType::Q3_K,
              GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS,
              GgmlType::MXFP4})
            for (int rows : {1, 3, 40}) // matvec, few rows, the tiled kernel
                QTest::newRow(qPrintable(QString("%1 x%2").arg(ggmlTypeTraits(t).name.data()).arg(rows)))
                    << int(t) << rows;
    }
    void matmul() {
        QFETCH(int, type);
        QFETCH(int, rows);
        const int nIn = 512;
        // Q, K and V share one rounded input; V has a bias.
        const Pair q = weight(GgmlType(type), nIn, 96), k = weight(GgmlType(type), nIn, 33),
                   v = weight(GgmlType(type), nIn, 64);
        const Pair bias = weightOf(randomFloats(64), 64);
        const ActPair x = input(rows, nIn, 2.0f);
        const ActPair oq = output(rows, 96), ok = output(rows, 33), ov = output(rows, 64);
        const Backend::MatmulJob cj[3] = {{&q.cpu, nullptr, oq.cpu},
                                          {&k.cpu, nullptr, ok.cpu},
                                          {&v.cpu, &bias.cpu, ov.cpu}};
        const Backend::MatmulJob gj[3] = {{&q.gpu, nullptr, oq.gpu},
                                          {&k.gpu, nullptr, ok.gpu},
                                          {&v.gpu, &bias.gpu, ov.gpu}};
        m_cpu->matmul(x.cpu, cj);
        m_gpu->matmul(x.gpu, gj);
        // Sums of 512 products in another order; Q8_1 types also differ by the f16 min term.
        const float tol = vecDotTypeOf(GgmlType(type)) == GgmlType::Q8_1 ? 2e-2f : 2e-3f;
        compare(oq, tol, "q");
        compare(ok, tol, "k");
        compare(ov, tol, "v");
    }

    void rope_data() {
        QTest::addColumn<bool>("neox");
        QTest::addColumn<int>("nRot");
        QTest::addColumn<bool>("factors");
        QTest::addColumn<bool>("yarn");
        QTest::addColumn<int>("offset");
        QTest::newRow("normal") << false << 64 << false << false << 0;
        QTest::newRow("neox") << true << 64 << false << false << 0;
        QTest::newRow("partial neox with freq factors") << true << 32 << true << false << 0;
        QTest::newRow("yarn neox") << true << 64 << false << true << 0;
        QTest::newRow("yarn normal after 16 dims (MLA)") << false << 16 << false << true << 16;
    }
    void rope() {
        QFETCH(bool, neox);
        QFETCH(int, nRot);
        QFETCH(bool, factors);
        QFETCH(bool, yarn);
        QFETCH(int, offset);
        const int rows = 5, nHead = 3, headDim = 64;
        const ActPair x = input(rows, nHead * headDim);
        std::vector<float> ff(size_t(nRot / 2));
        for (size_t i = 0; i < ff.size(); ++i) ff[i] = 1.0f + 0.25f * float(i);
        const Pair f = weightOf(ff, nRot / 2);
        RopeParams p;
        p.nHead = nHead;
        p.headDim = headDim;
        p.nRot = nRot;
        p.neox = neox;
        p.offset = offset;
        p.freqBase = 10000.0f;
        if (yarn) {
            p.freqScale = 0.25f;
            p.extFactor = 1.0f;
            p.nCtxOrig = 4096;
        }
        for (int pos0 : {0, 3000}) {
            RopeParams pc = p, pg = p;
            pc.freqFactors = factors ? &f.cpu : nullptr;
            pg.freqFactors = factors ? &f.gpu : nullptr;
            m_cpu->rope(x.cpu, pc, pos0);
            m_gpu->rope(x.gpu, pg, pos0);
        }
        compare(x, 1e-6f, "rope");
    }

    void attention_data() {
        QTest::addColumn<bool>("f16");
        QTest::addColumn<int>("rows"); // >= 16: the tiled prompt kernel
        QTest::addColumn<int>("window");
        QTest::addColumn<bool>("ring");
        QTest::addColumn<bool>("sinks");
        QTest::addColumn<int>("headDim");
        for (bool f16 : {false, true}) {
            const QString kv = f16 ? "f16" : "f32";
            QTest::newRow(qPrintable(kv + " decode")) << f16 << 1 << 0 << false << false << 64;
            QTest::newRow(qPrintable(kv + " prompt tiled")) << f16 << 40 << 0 << false << false << 64;
            QTest::newRow(qPrintable(kv + " prompt, head 256 (row kernel)"))
                << f16 << 20 << 0 << false << false << 256;
            QTest::newRow(qPrintable(kv + " window")) << f16 << 24 << 9 << false << false << 64;
            QTest::newRow(qPrintable(kv + " window ring")) << f16 << 3 << 9 << true << false << 64;
            QTest::newRow(qPrintable(kv + " sinks")) << f16 << 17 << 0 << false << true << 64;
        }
    }
    void attention() {
        QFETCH(bool, f16);
        QFETCH(int, rows);
        QFETCH(int, window);
        QFETCH(bool, ring);
        QFETCH(bool, sinks);
        QFETCH(int, headDim);
        const int nHead = 8, nHeadKv = 2, kvDim = nHeadKv * headDim, capacity = 128;
        const GgmlType kvType = f16 ? GgmlType::F16 : GgmlType::F32;
        const int kept = window + rows + 4;
        const std::vector<int> kept1{ring ? kept : capacity}; // (`slots` is a Qt macro)
        auto cc = m_cpu->createRingKvCache(1, capacity, kept1, kvDim, kvDim, kvType);
        auto gc = m_gpu->createRingKvCache(1, capacity, kept1, kvDim, kvDim, kvType);
        const Pair sink = weightOf(randomFloats(size_t(nHead)), nHead);
        AttentionParams p{nHead, nHeadKv, headDim, headDim, 1.0f / std::sqrt(float(headDim)),
                          window};
        // A history of 37 positions in batches of 8 (a ring never takes more rows than it keeps
        // in one store), then `rows` new ones.
        const int history = 37;
        int pos = 0;
        for (int n : {8, 8, 8, 8, 5, rows}) {
            const ActPair k = input(n, kvDim), v = input(n, kvDim);
            m_cpu->storeKv(*cc, 0, k.cpu, v.cpu, pos);
            m_gpu->storeKv(*gc, 0, k.gpu, v.gpu, pos);
            pos += n;
        }
        QCOMPARE(pos, history + rows);
        const ActPair q = input(rows, nHead * headDim), out = output(rows, nHead * headDim);
        AttentionParams pc = p, pg = p;
        pc.sinks = sinks ? &sink.cpu : nullptr;
        pg.sinks = sinks ? &sink.gpu : nullptr;
        m_cpu->attention(*cc, 0, q.cpu, out.cpu, history, pc);
        m_gpu->attention(*gc, 0, q.gpu, out.gpu, history, pg);
        compare(out, f16 ? 2e-3f : 2e-5f, "attention");
    }

    // DeepSeek's latent cache: V is read from the first values of each K row.
    void attentionSharedLatent() {
        const int nHead = 4, latent = 64, rope = 16, kDim = latent + rope, rows = 18;
        auto cc = m_cpu->createKvCache(1, 64, kDim, 0, GgmlType::F16);
        auto gc = m_gpu->createKvCache(1, 64, kDim, 0, GgmlType::F16);
        const ActPair k = input(rows, kDim);
        m_cpu->storeKv(*cc, 0, k.cpu, k.cpu, 0);
        m_gpu->storeKv(*gc, 0, k.gpu, k.gpu, 0);
        const AttentionParams p{nHead, 1, kDim, latent, 0.1f, 0};
        for (int r : {rows, 1}) {
            const ActPair q = input(r, nHead * kDim), out = output(r, nHead * latent);
            m_cpu->attention(*cc, 0, q.cpu, out.cpu, rows - r, p);
            m_gpu->attention(*gc, 0, q.gpu, out.gpu, rows - r, p);
            compare(out, 2e-3f, "latent attention");
        }
    }

    void ffn_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("activation");
        QTest::addColumn<bool>("accumulate");
        QTest::addColumn<bool>("gated"); // Qwen2-MoE's shared expert: times sigmoid(gate · x)
        QTest::newRow("f32 silu") << int(GgmlType::F32) << int(FfnActivation::Silu) << false
                                  << false;
        QTest::newRow("q8_0 gelu accumulate")
            << int(GgmlType::Q8_0) << int(FfnActivation::GeluFp16) << true << false;
        QTest::newRow("q4_k swiglu-oai")
            << int(GgmlType::Q4_K) << int(FfnActivation::SwigluOai) << false << false;
        QTest::newRow("q8_0 gated shared expert, accumulate")
            << int(GgmlType::Q8_0) << int(FfnActivation::Silu) << true << true;
    }
    void ffn() {
        QFETCH(int, type);
        QFETCH(int, activation);
        QFETCH(bool, accumulate);
        QFETCH(bool, gated);
        const int rows = 5, nEmbd = 256, nFf = 512;
        const Pair sg = weightOf(randomFloats(size_t(nEmbd), 0.1f), nEmbd);
        const Pair g = weight(GgmlType(type), nEmbd, nFf), u = weight(GgmlType(type), nEmbd, nFf),
                   d = weight(GgmlType(type), nFf, nEmbd);
        const ActPair x = input(rows, nEmbd), out = input(rows, nEmbd);
        m_cpu->ffn(x.cpu, g.cpu, u.cpu, d.cpu, out.cpu, gated ? &sg.cpu : nullptr, accumulate,
                   FfnActivation(activation));
        m_gpu->ffn(x.gpu, g.gpu, u.gpu, d.gpu, out.gpu, gated ? &sg.gpu : nullptr, accumulate,
                   FfnActivation(activation));
        compare(out, 5e-3f, "ffn");
    }

    void moe_data() {
        QTest::addColumn<int>("type");
        QTest::addColumn<int>("gating");
        QTest::addColumn<bool>("normalize");
        QTest::addColumn<bool>("biases");
        QTest::addColumn<int>("rows");
        const int S = int(MoeGating::Softmax), G = int(MoeGating::Sigmoid),
                  C = int(MoeGating::SoftmaxOfChosen);
        QTest::newRow("f32 softmax") << int(GgmlType::F32) << S << true << false << 3;
        QTest::newRow("q8_0 softmax unnormalised") << int(GgmlType::Q8_0) << S << false << false << 7;
        QTest::newRow("q4_k sigmoid + selection bias, scaled")
            << int(GgmlType::Q4_K) << G << true << false << 2;
        QTest::newRow("mxfp4 softmax of chosen + biases (gpt-oss)")
            << int(GgmlType::MXFP4) << C << false << true << 40;
    }
    void moe() {
        QFETCH(int, type);
        QFETCH(int, gating);
        QFETCH(bool, normalize);
        QFETCH(bool, biases);
        QFETCH(int, rows);
        const int nEmbd = 256, nFf = 256, nExpert = 8, nUsed = 3;
        const Pair g = weight(GgmlType(type), nEmbd, nFf, nExpert),
                   u = weight(GgmlType(type), nEmbd, nFf, nExpert),
                   d = weight(GgmlType(type), nFf, nEmbd, nExpert);
        const Pair gb = weightOf(randomFloats(size_t(nFf * nExpert)), nFf, nExpert),
                   ub = weightOf(randomFloats(size_t(nFf * nExpert)), nFf, nExpert),
                   db = weightOf(randomFloats(size_t(nEmbd * nExpert)), nEmbd, nExpert),
                   sel = weightOf(randomFloats(size_t(nExpert), 0.5f), nExpert);
        const ActPair x = input(rows, nEmbd);
        // Logits far apart (std 2), so both backends pick the same experts.
        const ActPair logits = input(rows, nExpert, 2.0f), out = output(rows, nEmbd);
        MoeParams p{nExpert, nUsed, normalize, MoeGating(gating)};
        if (p.gating == MoeGating::Sigmoid) p.weightsScale = 2.5f;
        if (p.gating == MoeGating::SoftmaxOfChosen) p.activation = FfnActivation::SwigluOai;
        MoeParams pc = p, pg = p;
        if (p.gating == MoeGating::Sigmoid) pc.selectionBias = &sel.cpu, pg.selectionBias = &sel.gpu;
        const MoeWeights wc{&g.cpu, &u.cpu, &d.cpu, biases ? &gb.cpu : nullptr,
                            biases ? &ub.cpu : nullptr, biases ? &db.cpu : nullptr};
        const MoeWeights wg{&g.gpu, &u.gpu, &d.gpu, biases ? &gb.gpu : nullptr,
                            biases ? &ub.gpu : nullptr, biases ? &db.gpu : nullptr};
        m_cpu->moe(x.cpu, logits.cpu, wc, pc, out.cpu);
        m_gpu->moe(x.gpu, logits.gpu, wg, pg, out.gpu);
        compare(out, 5e-3f, "moe");
    }

    void addAndScale() {
        const ActPair x = input(3, 777), y = input(3, 777);
        m_cpu->add(x.cpu, y.cpu);
        m_gpu->add(x.gpu, y.gpu);
        m_cpu->scale(x.cpu, 0.37f);
        m_gpu->scale(x.gpu, 0.37f);
        compare(x, 0.0f, "add, scale");
    }

    void latentQueryAndValues() {
        const MlaShape s{4, 32, 16, 64, 32};
        const int rows = 3;
        const Pair kB = weight(GgmlType::Q8_0, s.nope, s.latent, s.nHead);
        const Pair vB = weight(GgmlType::F16, s.latent, s.value, s.nHead);
        const ActPair q = input(rows, s.nHead * (s.nope + s.rope));
        const ActPair absorbed = output(rows, s.nHead * (s.latent + s.rope));
        m_cpu->absorbQuery(q.cpu, kB.cpu, absorbed.cpu, s);
        m_gpu->absorbQuery(q.gpu, kB.gpu, absorbed.gpu, s);
        compare(absorbed, 2e-3f, "absorbQuery");
        const ActPair latent = input(rows, s.nHead * s.latent), values = output(rows, s.nHead * s.value);
        m_cpu->expandValues(latent.cpu, vB.cpu, values.cpu, s);
        m_gpu->expandValues(latent.gpu, vB.gpu, values.gpu, s);
        compare(values, 2e-3f, "expandValues");
    }

    void headMix() {
        const int rows = 2, nEmbd = 128, rank = 16, nVocab = 1000;
        HeadWeights hc, hg;
        const Pair a = weightOf(randomFloats(size_t(rank * nEmbd), 0.1f), nEmbd, rank);
        const Pair b = weightOf(randomFloats(size_t(nVocab * rank), 0.1f), rank, nVocab);
        const Pair bias = weightOf(randomFloats(size_t(nVocab), 0.1f), nVocab);
        hc = {a.cpu, b.cpu, bias.cpu, rank};
        hg = {a.gpu, b.gpu, bias.gpu, rank};
        const ActPair hidden = input(rows, nEmbd), logits = input(rows, nVocab),
                      projected = output(rows, rank);
        m_cpu->headMix(hidden.cpu, logits.cpu, hc, 0.7f, projected.cpu, logits.cpu);
        m_gpu->headMix(hidden.gpu, logits.gpu, hg, 0.7f, projected.gpu, logits.gpu);
        compare(logits, 1e-5f, "headMix");
    }

    // The same decode step repeated: the second run is captured, the rest replay a CUDA graph
    // with the position and the embedded row written to device memory by its first copy; each
    // step must match the CPU as the eager first one does.
    void decodeStepsReplayAGraph() {
        const int nEmbd = 128, nHead = 2, headDim = 64;
        const Pair table = weight(GgmlType::F32, nEmbd, 50, 1, 1.0f);
        const Pair wq = weight(GgmlType::Q8_0, nEmbd, nEmbd);
        auto cc = m_cpu->createKvCache(1, 64, nEmbd, nEmbd, GgmlType::F16);
        auto gc = m_gpu->createKvCache(1, 64, nEmbd, nEmbd, GgmlType::F16);
        const ActPair x = output(1, nEmbd), q = output(1, nEmbd), o = output(1, nEmbd);
        RopeParams rp;
        rp.nHead = nHead;
        rp.headDim = headDim;
        rp.nRot = headDim;
        const AttentionParams ap{nHead, nHead, headDim, headDim, 0.125f, 0};
        for (int pos = 0; pos < 6; ++pos) {
            const int32_t id = (pos * 7) % 50;
            for (auto [b, t, xa, qa, oa, cache, w] :
                 {std::tuple{m_cpu.get(), &table.cpu, x.cpu, q.cpu, o.cpu, cc.get(), &wq.cpu},
                  std::tuple{m_gpu.get(), &table.gpu, x.gpu, q.gpu, o.gpu, gc.get(), &wq.gpu}}) {
                b->embed(*t, std::span<const int32_t>(&id, 1), xa);
                const Backend::MatmulJob job{w, nullptr, qa};
                b->matmul(xa, std::span<const Backend::MatmulJob>(&job, 1));
                b->rope(qa, rp, pos);
                b->storeKv(*cache, 0, qa, xa, pos);
                b->attention(*cache, 0, qa, oa, pos, ap);
            }
            compare(o, 2e-3f, qPrintable(QString("step %1").arg(pos)));
        }
        bool replayed = false;
        for (const auto& [k, v] : m_gpu->describeDevice())
            if (k == "graphs") {
                qInfo("graphs: %s", v.c_str());
                replayed = v.find(" 0 replays") == std::string::npos;
            }
        QVERIFY2(replayed, "decode steps of one shape never replayed a CUDA graph");
    }
};

QTEST_GUILESS_MAIN(CudaOpsGpuTest)
#include "cuda_ops_gpu_test.moc"
