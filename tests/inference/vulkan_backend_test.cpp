// Whole Backend ops of the Vulkan backend against the CPU backend (the numerical reference), on
// random weights through the scalar quantizer: the MoE op (routing, expert matmuls indexed on
// the device, activation rounding, weighted sum) for several weight types, odd sizes and
// experts-used overrides, including expert stacks split across bindings; and that the op runs
// without a host round trip (no submission before read()); and the per-op timestamp profile of
// a whole forward pass (op kinds and counts as the model's structure dictates, times >= 0); and
// that decode steps reuse one recorded command buffer (positions come from a device buffer)
// while their logits stay equal to the CPU backend's.

// Engine headers first: Qt's `slots` macro would rewrite CpuBackend's member of that name.
#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/cpu/cpu_backend.h"
#include "inference/backend/vulkan/vulkan_backend.h"
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/gguf/gguf_file.h"
#include "inference/model/model.h"
#include "inference/quant/quant_kernels.h"

#include <cmath>
#include <memory>
#include <random>
#include <vector>

using namespace fabulist::inference;
using namespace fabulist::inference::vulkan;
#endif

#include <QDir>
#include <QtTest>

class VulkanBackendTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void moe_data();
    void moe();
    void profileOffByDefault();
    void forwardPassProfile();
    void decodeReusesRecordings_data();
    void decodeReusesRecordings();

#ifdef FABULIST_HAVE_VULKAN
private:
    std::mt19937 m_rng{4321};

    std::vector<float> randomFloats(size_t n, float scale) {
        std::normal_distribution<float> d(0.0f, scale);
        std::vector<float> v(n);
        for (float& x : v) x = d(m_rng);
        return v;
    }
    // A weight stack as a GGUF tensor would hold it (quantized by the scalar quantizer).
    struct HostTensor {
        std::vector<uint8_t> bytes;
        GgufTensorInfo info;
    };
    HostTensor makeTensor(GgmlType type, int64_t nIn, int64_t nOut, int64_t nMat, float scale) {
        HostTensor t;
        const size_t rb = ggmlRowBytes(type, nIn);
        t.bytes.resize(rb * size_t(nOut * nMat));
        for (int64_t r = 0; r < nOut * nMat; ++r) {
            const auto v = randomFloats(size_t(nIn), scale);
            quantizeRow(type, v.data(), t.bytes.data() + size_t(r) * rb, nIn);
        }
        t.info.name = "test";
        t.info.type = type;
        t.info.nDims = nMat > 1 ? 3 : 2;
        t.info.ne = {nIn, nOut, nMat, 1};
        t.info.nbytes = t.bytes.size();
        t.info.data = t.bytes.data();
        return t;
    }
    static Weight cpuWeight(const HostTensor& t) {
        Weight w;
        w.name = t.info.name;
        w.type = t.info.type;
        w.nIn = t.info.ne[0];
        w.nOut = t.info.ne[1];
        w.nMat = t.info.ne[2];
        w.rowBytes = ggmlRowBytes(w.type, w.nIn);
        w.host = t.bytes.data();
        return w;
    }
    static void write(Act a, const std::vector<float>& v) {
        static_cast<VulkanBuffer*>(a.data)->upload(a.offset, v.data(), v.size() * sizeof(float));
    }
    static BackendLimits limits(int rows, int cols, int ffRows, int ff) {
        BackendLimits l;
        l.maxRows = rows;
        l.maxCols = cols;
        l.maxContext = 8;
        l.maxFfRows = ffRows;
        l.maxFf = ff;
        l.nEmbd = cols;
        return l;
    }
    std::unique_ptr<VulkanBackend> makeVulkan() {
        VulkanDeviceOptions o;
        o.allowCpu = true;
        return std::make_unique<VulkanBackend>(o);
    }
#endif
};

#ifndef FABULIST_HAVE_VULKAN
void VulkanBackendTest::initTestCase() {
    QSKIP("this build has no Vulkan backend (FABULIST_VULKAN=OFF, or Vulkan headers/glslc not "
          "found)");
}
void VulkanBackendTest::moe_data() {}
void VulkanBackendTest::moe() {}
void VulkanBackendTest::profileOffByDefault() {}
void VulkanBackendTest::forwardPassProfile() {}
void VulkanBackendTest::decodeReusesRecordings_data() {}
void VulkanBackendTest::decodeReusesRecordings() {}
#else

void VulkanBackendTest::initTestCase() {
    try {
        makeVulkan();
    } catch (const VulkanError& e) {
        QSKIP(qPrintable(QString("no usable Vulkan device: ") + e.what()));
    }
}

void VulkanBackendTest::moe_data() {
    QTest::addColumn<int>("gateType");
    QTest::addColumn<int>("downType");
    QTest::addColumn<int>("nEmbd");
    QTest::addColumn<int>("nFf");
    QTest::addColumn<int>("nExpert");
    QTest::addColumn<int>("nUsed");
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("rangeLimit"); // binding range forced on the device (0: its own)
    const auto F32 = int(GgmlType::F32), F16 = int(GgmlType::F16), Q8_0 = int(GgmlType::Q8_0),
               Q4_0 = int(GgmlType::Q4_0), Q4_K = int(GgmlType::Q4_K), Q5_K = int(GgmlType::Q5_K),
               Q6_K = int(GgmlType::Q6_K);
    QTest::newRow("f32 odd sizes") << F32 << F32 << 37 << 23 << 5 << 2 << 3 << 0;
    QTest::newRow("f16 k=3") << F16 << F16 << 66 << 35 << 7 << 3 << 5 << 0;
    QTest::newRow("q8_0") << Q8_0 << Q8_0 << 96 << 64 << 6 << 2 << 7 << 0;
    QTest::newRow("q4_0 gate/up, q8_0 down, one row")
        << Q4_0 << Q8_0 << 64 << 96 << 8 << 2 << 1 << 0;
    QTest::newRow("q4_k gate/up, q6_k down, k=1 override")
        << Q4_K << Q6_K << 256 << 256 << 4 << 1 << 3 << 0;
    QTest::newRow("q5_k k=4 of 8") << Q5_K << Q5_K << 256 << 256 << 8 << 4 << 2 << 0;
    // Expert stacks larger than one binding: two experts per dispatch, then row chunks of one.
    QTest::newRow("q8_0 experts split") << Q8_0 << Q8_0 << 96 << 64 << 6 << 2 << 7 << 16384;
    QTest::newRow("q8_0 rows split") << Q8_0 << Q8_0 << 96 << 64 << 6 << 2 << 7 << 6000;
}

void VulkanBackendTest::moe() {
    QFETCH(int, gateType);
    QFETCH(int, downType);
    QFETCH(int, nEmbd);
    QFETCH(int, nFf);
    QFETCH(int, nExpert);
    QFETCH(int, nUsed);
    QFETCH(int, rows);
    QFETCH(int, rangeLimit);
    const GgmlType gt = GgmlType(gateType), dt = GgmlType(downType);
    const HostTensor gate = makeTensor(gt, nEmbd, nFf, nExpert, 0.3f);
    const HostTensor up = makeTensor(gt, nEmbd, nFf, nExpert, 0.3f);
    const HostTensor down = makeTensor(dt, nFf, nEmbd, nExpert, 0.3f);
    const auto x = randomFloats(size_t(rows) * nEmbd, 1.0f);
    // Router logits far apart (std 2), so both backends pick the same experts.
    const auto logits = randomFloats(size_t(rows) * nExpert, 2.0f);

    for (bool normalize : {true, false}) {
        const MoeParams params{nExpert, nUsed, normalize};
        // CPU reference.
        CpuBackend cpu(1);
        cpu.reserve(limits(rows, nEmbd, rows * nUsed, nFf));
        const Weight cg = cpuWeight(gate), cu = cpuWeight(up), cd = cpuWeight(down);
        std::vector<float> cx = x, cl = logits, want(size_t(rows) * nEmbd);
        cpu.moe(Act{cx.data(), 0, rows, nEmbd}, Act{cl.data(), 0, rows, nExpert},
                MoeWeights{&cg, &cu, &cd}, params, Act{want.data(), 0, rows, nEmbd});

        auto vk = makeVulkan();
        if (rangeLimit) vk->device().limitStorageRangeForTesting(uint64_t(rangeLimit));
        // Reserve for fewer slots than used: moe() must grow its scratch itself.
        vk->reserve(limits(rows, nEmbd, rows, nFf));
        const Weight vg = vk->upload(gate.info), vu = vk->upload(up.info),
                     vd = vk->upload(down.info);
        const Act ax = vk->allocate(rows, nEmbd), al = vk->allocate(rows, nExpert),
                  ao = vk->allocate(rows, nEmbd);
        write(ax, x);
        write(al, logits);
        // A first call grows the scratch (which may submit); a second must stay on the device.
        vk->moe(ax, al, MoeWeights{&vg, &vu, &vd}, params, ao);
        std::vector<float> first(static_cast<size_t>(nEmbd));
        vk->read(ao, 0, first.data());
        const uint64_t before = vk->ops().submissions();
        vk->moe(ax, al, MoeWeights{&vg, &vu, &vd}, params, ao);
        QCOMPARE(vk->ops().submissions(), before);

        float worst = 0.0f, scale = 0.0f;
        std::vector<float> got(static_cast<size_t>(nEmbd));
        for (int r = 0; r < rows; ++r) {
            vk->read(ao, r, got.data());
            for (int c = 0; c < nEmbd; ++c) {
                const float w = want[size_t(r) * nEmbd + c];
                worst = std::max(worst, std::abs(got[size_t(c)] - w));
                scale = std::max(scale, std::abs(w));
            }
        }
        qInfo("normalize %d: max |vulkan - cpu| %.3g (outputs up to %.3g)", int(normalize), worst,
              scale);
        // The Vulkan matmuls sum the same rounded values in f32 in another order than the CPU's
        // integer block sums: differences of float rounding only, far below an expert mix-up.
        QVERIFY2(worst <= 1e-4f * std::max(1.0f, scale),
                 qPrintable(QString("max difference %1").arg(worst)));
    }
}

void VulkanBackendTest::profileOffByDefault() {
    qunsetenv("FABULIST_VULKAN_PROFILE");
    auto vk = makeVulkan();
    QVERIFY(vk->ops().profiler() == nullptr);
    QVERIFY(vk->profile().empty());
}

void VulkanBackendTest::forwardPassProfile() {
    const QString dir = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
    if (dir.isEmpty() || !QDir(dir).exists())
        QFAIL(qPrintable("reference directory not found: set FABULIST_REFERENCE_DIR (now '" + dir +
                         "') to shared/reference"));
    // tiny-moe-q4_k_m (reference README): llama, 2 layers, attn_q Q4_K, attn_k/v Q8_0,
    // attn_output Q5_K, router F32, experts Q4_K except blk.1 ffn_down_exps Q6_K, output Q6_K.
    EngineOptions o;
    o.modelPath = (dir + "/models/tiny-moe-q4_k_m.gguf").toStdString();
    o.device = "vulkan";
    o.profile = true;
    qputenv("FABULIST_VULKAN_ALLOW_CPU", "1");
    auto engine = Engine::load(o);
    auto session = engine->createSession();
    engine->resetProfile(); // loading may have recorded uploads
    const int32_t prompt[5] = {4095, 464, 2068, 7, 1000};
    session->evaluate(prompt);
    const std::vector<OpTiming> profile = engine->profile();
    QVERIFY(!profile.empty());
    double total = 0.0, shares = 0.0;
    std::map<std::string, int64_t> counts;
    for (const OpTiming& t : profile) {
        qInfo("%-20s %9.3f ms %5lld ops %5.1f%%", t.op.c_str(), t.totalMs,
              static_cast<long long>(t.count), t.share * 100.0);
        QVERIFY2(t.totalMs >= 0.0, t.op.c_str());
        QVERIFY2(t.share >= 0.0 && t.share <= 1.0, t.op.c_str());
        total += t.totalMs;
        shares += t.share;
        counts[t.op] = t.count;
    }
    QVERIFY(total > 0.0);
    QVERIFY(std::abs(shares - 1.0) < 1e-9);
    // One forward pass of 5 tokens, logits of the last: per layer 2 RMSNorms (+1 output norm),
    // RoPE of Q and K, one attention, routing and expert sum; the matmuls by weight type.
    const std::pair<const char*, int64_t> expected[] = {
        {"rms_norm", 5},       {"rope", 4},
        {"attention", 2},      {"store_kv", 4},
        {"moe_topk", 2},       {"moe_sum", 2},
        {"swiglu", 2},         {"add", 4},
        {"matmul q4_k", 2},    {"matmul q8_0", 4},
        {"matmul q5_k", 2},    {"matmul f32", 2},
        {"matmul q6_k", 1},    {"moe_matmul q4_k", 5},
        {"moe_matmul q6_k", 1}};
    for (const auto& [op, n] : expected) {
        QVERIFY2(counts.count(op), op);
        QCOMPARE(counts[op], n);
    }
    QVERIFY(counts.count("act_round q8_k") && counts.count("act_round q8_0"));
}

void VulkanBackendTest::decodeReusesRecordings_data() {
    QTest::addColumn<int>("rangeLimit");
    QTest::addColumn<bool>("wholeLayers");
    QTest::addColumn<int>("positions"); // evaluated, of the 24 the cache holds
    QTest::newRow("cache layers in one binding") << 0 << true << 16;
    // A 10 KiB binding range: the 12 KiB F32 cache layers (24 positions x 128 x 4 bytes) no
    // longer fit, so the KV store and attention bind windows that follow the position (correct,
    // not reusable); the F16 layers (6 KiB) still fit. Attention binds positions [0, ctx), so
    // this run stops at 16 positions (8 KiB).
    QTest::newRow("f32 cache layers wider than a binding") << 10240 << false << 16;
}

void VulkanBackendTest::decodeReusesRecordings() {
    QFETCH(int, rangeLimit);
    QFETCH(bool, wholeLayers);
    QFETCH(int, positions);
    const QString dir = qEnvironmentVariable("FABULIST_REFERENCE_DIR");
    if (dir.isEmpty() || !QDir(dir).exists())
        QFAIL(qPrintable("reference directory not found: set FABULIST_REFERENCE_DIR (now '" + dir +
                         "') to shared/reference"));
    const auto file = GgufFile::open((dir + "/models/tiny-moe-q4_k_m.gguf").toStdString());
    const ModelConfig config = ModelConfig::fromGguf(*file);
    const auto progress = [](float) { return true; };
    constexpr int kCtx = 24;
    CpuBackend cpu(1);
    auto vk = makeVulkan();
    if (rangeLimit) vk->device().limitStorageRangeForTesting(uint64_t(rangeLimit));
    Model cpuModel(config, ModelWeights::load(*file, config, cpu, progress), cpu, 4, kCtx);
    Model vkModel(config, ModelWeights::load(*file, config, *vk, progress), *vk, 4, kCtx);
    std::vector<float> want(size_t(config.nVocab)), got(size_t(config.nVocab));
    for (GgmlType kv : {GgmlType::F32, GgmlType::F16}) {
        auto cpuCache = cpuModel.createKvCache(kCtx, kv);
        auto vkCache = vkModel.createKvCache(kCtx, kv);
        std::vector<int32_t> ids = {4095, 464, 2068, 7};
        int pos = 0;
        uint64_t recordedAfterWarmUp = 0, submittedAfterWarmUp = 0;
        for (int step = 0; pos + int(ids.size()) <= positions; ++step) {
            const int n = int(ids.size());
            cpuModel.forward(*cpuCache, ids, pos, n - 1, want.data(), nullptr, config.nExpertUsed);
            vkModel.forward(*vkCache, ids, pos, n - 1, got.data(), nullptr, config.nExpertUsed);
            float d = 0.0f;
            for (size_t i = 0; i < want.size(); ++i) d = std::max(d, std::abs(got[i] - want[i]));
            QVERIFY2(
                d <= 2e-3f,
                qPrintable(
                    QString("kv %1 position %2: max |dlogit| %3").arg(int(kv)).arg(pos).arg(d)));
            pos += n;
            ids = {int32_t(std::max_element(want.begin(), want.end()) - want.begin())};
            // Decode steps 1 and 2 may record (the first one-row shapes); later ones replay.
            if (step == 2) {
                recordedAfterWarmUp = vk->ops().recordings();
                submittedAfterWarmUp = vk->ops().submissions();
            }
        }
        qInfo("kv %s: %llu submissions after warm-up, %llu new recordings",
              kv == GgmlType::F16 ? "f16" : "f32",
              static_cast<unsigned long long>(vk->ops().submissions() - submittedAfterWarmUp),
              static_cast<unsigned long long>(vk->ops().recordings() - recordedAfterWarmUp));
        QVERIFY(vk->ops().submissions() > submittedAfterWarmUp);
        if (wholeLayers || kv == GgmlType::F16)
            QCOMPARE(vk->ops().recordings(), recordedAfterWarmUp);
        else
            QVERIFY(vk->ops().recordings() > recordedAfterWarmUp);
    }
}

#endif

QTEST_GUILESS_MAIN(VulkanBackendTest)
#include "vulkan_backend_test.moc"
