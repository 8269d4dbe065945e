// The diversity-head mix on the model's backend (Backend::headMix, Session::mixedLogits) against
// the host reference HeadMix (heads/head_mix.cpp): on the CPU backend bit for bit (the op, the
// session path, the Generator), on Vulkan (lavapipe allowed) within 1e-4 relative for random
// shapes with odd rank and vocabulary sizes, and the default model with its shipped head at
// α = 0.7 giving the same greedy tokens on both backends.

// Engine headers first: Qt's `slots` macro would rewrite CpuBackend's member of that name.
#include "inference/backend/cpu/cpu_backend.h"
#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/gguf/gguf_file.h"
#include "inference/heads/head_mix.h"
#include "inference/heads/word_start_mask.h"
#include "inference/tokenizer/tokenizer.h"
#ifdef FABULIST_HAVE_VULKAN
#include "inference/backend/vulkan/vulkan_buffer.h"
#include "inference/backend/vulkan/vulkan_device.h"
#include "inference/backend/vulkan/vulkan_ops.h"
#include "inference/backend/vulkan/vulkan_pipelines.h"
#endif

#include <QtTest>
#include <cmath>
#include <cstring>
#include <random>

using namespace fabulist::inference;

namespace {

// A zero adapter of the given shape filled with seeded normal values (no model needed: the
// base identity only matters when loading from a file).
HeadAdapter randomAdapter(int nEmbd, int nVocab, int rank, uint32_t seed) {
    HeadAdapterBase base;
    base.architecture = "test";
    base.nEmbd = nEmbd;
    base.nVocab = nVocab;
    HeadAdapter h(base, rank);
    std::mt19937 rng(seed);
    std::normal_distribution<float> n(0.0f, 0.3f);
    for (float& x : h.a()) x = n(rng);
    for (float& x : h.bMatrix()) x = n(rng);
    for (float& x : h.bias()) x = n(rng);
    return h;
}

std::vector<float> randomFloats(size_t n, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
}

HeadWeights uploadHead(Backend& b, const HeadAdapter& h) {
    HeadWeights w;
    w.a = b.upload(hostF32MatrixView("diversity.A", h.a(), h.nEmbd(), h.rank()));
    w.b = b.upload(hostF32MatrixView("diversity.B", h.bMatrix(), h.rank(), h.nVocab()));
    w.bias = b.upload(hostF32MatrixView("diversity.b", h.bias(), h.nVocab(), 1));
    w.rank = h.rank();
    return w;
}

bool sameBits(std::span<const float> a, std::span<const float> b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// |got - ref| within 1e-4 of the magnitude of the terms that were summed (z, α·b, α·B·t).
QString compareRelative(const HeadAdapter& h, std::span<const float> hidden,
                        std::span<const float> z, float alpha, std::span<const float> ref,
                        std::span<const float> got) {
    const int d = h.nEmbd(), r = h.rank();
    std::vector<double> tMag(size_t(r), 0.0), t(size_t(r), 0.0);
    for (int j = 0; j < r; ++j)
        for (int k = 0; k < d; ++k) {
            const double p = double(h.a()[size_t(j) * d + k]) * hidden[size_t(k)];
            t[size_t(j)] += p;
            tMag[size_t(j)] += std::fabs(p);
        }
    for (size_t i = 0; i < ref.size(); ++i) {
        double mag = std::fabs(z[i]) + std::fabs(alpha * h.bias()[i]);
        for (int j = 0; j < r; ++j)
            mag += std::fabs(alpha) * std::fabs(h.bMatrix()[i * r + size_t(j)]) *
                   (std::fabs(t[size_t(j)]) + tMag[size_t(j)]);
        if (std::fabs(double(got[i]) - double(ref[i])) > 1e-4 * mag + 1e-6)
            return QString("entry %1: %2, reference %3 (magnitude %4)")
                .arg(i)
                .arg(double(got[i]), 0, 'g', 9)
                .arg(double(ref[i]), 0, 'g', 9)
                .arg(mag);
    }
    return {};
}

std::string defaultHeadPath() {
    std::string p = defaultModelPath();
    return p.substr(0, p.size() - 5) + ".head.gguf"; // fabulist-default.gguf -> .head.gguf
}

std::unique_ptr<Engine> loadDefault(const std::string& device) {
    EngineOptions o;
    o.modelPath = defaultModelPath();
    o.threads = 2;
    o.contextLength = 256;
    o.device = device;
    return Engine::load(o);
}

} // namespace

class HeadsBackendMixTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qputenv("FABULIST_VULKAN_ALLOW_CPU", "1"); }

    void cpuOpIsBitIdenticalToHeadMix_data() { shapes(); }
    void cpuOpIsBitIdenticalToHeadMix() {
        QFETCH(int, nEmbd);
        QFETCH(int, rank);
        QFETCH(int, nVocab);
        QFETCH(int, rows);
        const HeadAdapter h = randomAdapter(nEmbd, nVocab, rank, uint32_t(nEmbd * 31 + rank));
        CpuBackend cpu(2);
        const HeadWeights w = uploadHead(cpu, h);
        const std::vector<float> hid = randomFloats(size_t(rows) * nEmbd, 1);
        const std::vector<float> z = randomFloats(size_t(rows) * nVocab, 2, 3.0f);
        Act ah = cpu.allocate(rows, nEmbd), az = cpu.allocate(rows, nVocab),
            at = cpu.allocate(rows, rank), out = cpu.allocate(rows, nVocab);
        std::memcpy(CpuBackend::rowPtr(ah, 0), hid.data(), hid.size() * sizeof(float));
        std::memcpy(CpuBackend::rowPtr(az, 0), z.data(), z.size() * sizeof(float));
        HeadMix mix(h);
        for (float alpha : {0.7f, 1.0f, -0.25f}) {
            cpu.headMix(ah, az, w, alpha, at, out);
            for (int r = 0; r < rows; ++r) {
                std::vector<float> want(static_cast<size_t>(nVocab)),
                    got(static_cast<size_t>(nVocab));
                mix.mix(std::span(hid).subspan(size_t(r) * nEmbd, size_t(nEmbd)),
                        std::span(z).subspan(size_t(r) * nVocab, size_t(nVocab)), alpha, want);
                cpu.read(out, r, got.data());
                QVERIFY2(sameBits(got, want),
                         qPrintable(QString("row %1 alpha %2").arg(r).arg(alpha)));
            }
        }
        // In place (out = logits), as a pass that mixes its logits scratch does.
        cpu.headMix(ah, az, w, 0.5f, at, az);
        for (int r = 0; r < rows; ++r) {
            std::vector<float> want(static_cast<size_t>(nVocab)), got(static_cast<size_t>(nVocab));
            mix.mix(std::span(hid).subspan(size_t(r) * nEmbd, size_t(nEmbd)),
                    std::span(z).subspan(size_t(r) * nVocab, size_t(nVocab)), 0.5f, want);
            cpu.read(az, r, got.data());
            QVERIFY(sameBits(got, want));
        }
    }

    void vulkanOpMatchesHeadMix_data() { shapes(); }
    void vulkanOpMatchesHeadMix() {
#ifndef FABULIST_HAVE_VULKAN
        QSKIP("this build has no Vulkan backend (FABULIST_VULKAN=OFF, or Vulkan headers/glslc "
              "not found)");
#else
        using namespace fabulist::inference::vulkan;
        QFETCH(int, nEmbd);
        QFETCH(int, rank);
        QFETCH(int, nVocab);
        QFETCH(int, rows);
        std::unique_ptr<VulkanDevice> device;
        try {
            device = std::make_unique<VulkanDevice>();
        } catch (const VulkanError& e) {
            QSKIP(qPrintable(QString("no usable Vulkan device: ") + e.what()));
        }
        const HeadAdapter h = randomAdapter(nEmbd, nVocab, rank, uint32_t(nEmbd * 31 + rank));
        const std::vector<float> hid = randomFloats(size_t(rows) * nEmbd, 1);
        const std::vector<float> z = randomFloats(size_t(rows) * nVocab, 2, 3.0f);
        HeadMix mix(h);
        // Both reductions of the A·h pass (subgroup and shared memory); strided rows at offsets.
        for (bool shared : {false, true}) {
            for (bool narrow : {false, true}) {
                VulkanPipelines pipelines(*device, shared);
                VulkanOps ops(*device, pipelines);
                const VulkanWeight a = ops.uploadWeight(GgmlType::F32, nEmbd, rank, h.a().data());
                const VulkanWeight b =
                    ops.uploadWeight(GgmlType::F32, rank, nVocab, h.bMatrix().data());
                const VulkanWeight bias =
                    ops.uploadWeight(GgmlType::F32, nVocab, 1, h.bias().data());
                const int hs = nEmbd + 3, zs = nVocab + 5, ts = rank + 1, os = nVocab + 2;
                // Narrow: a binding range that holds the logits rows but only part of B, so B
                // is walked in vocabulary chunks (as a huge vocabulary on a 128 MiB range).
                const uint64_t saved = device->maxStorageRange();
                const uint64_t range = narrow ? uint64_t(rows * std::max(zs, hs) + 64) * 4 +
                                                    4 * device->storageAlignment()
                                              : saved;
                device->limitStorageRangeForTesting(range);
                std::vector<float> hostH(size_t(rows) * hs + 7, 0.0f),
                    hostZ(size_t(rows) * zs + 3, 0.0f);
                for (int r = 0; r < rows; ++r) {
                    std::copy_n(hid.begin() + r * nEmbd, nEmbd, hostH.begin() + 7 + r * hs);
                    std::copy_n(z.begin() + r * nVocab, nVocab, hostZ.begin() + 3 + r * zs);
                }
                auto buffer = [&](const std::vector<float>& v) {
                    auto buf = std::make_unique<VulkanBuffer>(*device, v.size() * sizeof(float),
                                                              VulkanBuffer::Kind::DeviceLocal);
                    buf->upload(0, v.data(), v.size() * sizeof(float));
                    return buf;
                };
                auto bh = buffer(hostH), bz = buffer(hostZ);
                auto bt = buffer(std::vector<float>(size_t(rows) * ts, 0.0f));
                auto bo = buffer(std::vector<float>(size_t(rows) * os + 1, -1.0f));
                const float alpha = 0.7f;
                ops.headMix(a, b, bias, {bh.get(), 7 * 4}, hs, {bz.get(), 3 * 4}, zs, alpha,
                            {bt.get(), 0}, ts, {bo.get(), 4}, os, rows);
                ops.flush();
                device->limitStorageRangeForTesting(saved);
                std::vector<float> got(size_t(rows) * os);
                bo->download(4, got.data(), got.size() * sizeof(float));
                for (int r = 0; r < rows; ++r) {
                    const auto hr = std::span(hid).subspan(size_t(r) * nEmbd, size_t(nEmbd));
                    const auto zr = std::span(z).subspan(size_t(r) * nVocab, size_t(nVocab));
                    std::vector<float> want(static_cast<size_t>(nVocab));
                    mix.mix(hr, zr, alpha, want);
                    const QString err =
                        compareRelative(h, hr, zr, alpha, want,
                                        std::span(got).subspan(size_t(r) * os, size_t(nVocab)));
                    QVERIFY2(err.isEmpty(), qPrintable(QString("%1 reduction, range %2, row %3: %4")
                                                           .arg(shared ? "shared" : "subgroup")
                                                           .arg(qulonglong(range))
                                                           .arg(r)
                                                           .arg(err)));
                    if (r + 1 < rows) QCOMPARE(got[size_t(r) * os + nVocab], -1.0f); // padding
                }
            }
        }
#endif
    }

    void sessionMixIsBitIdenticalOnCpu() {
        auto engine = loadDefault("cpu");
        const HeadAdapter h = HeadAdapter::load(defaultHeadPath(), engine->file());
        HeadMix mix(h);
        // A word-starts head (the shipped one) keeps the continuation mass on both sides.
        const std::vector<bool> starts = h.training().deltaTokens == "word-starts"
                                             ? wordStartTokens(engine->tokenizer())
                                             : std::vector<bool>();
        mix.setWordStarts(starts);
        auto session = engine->createSession();
        session->setHead(&h);
        QVERIFY(session->hasHead());
        const auto prompt = engine->tokenizer().encode("The old lighthouse keeper", true, true);
        session->evaluate(prompt);
        // α = 0: the model's logits themselves, nothing computed.
        QCOMPARE(session->mixedLogits(0.0f).data(), session->logits().data());
        auto other = engine->createSession();
        for (int step = 0; step < 4; ++step) {
            for (float alpha : {0.7f, 1.0f, 0.3f}) { // α changes between calls
                const std::vector<float> want(
                    mix.mixedLogits(session->hiddenState(), session->logits(), alpha).begin(),
                    mix.mixedLogits(session->hiddenState(), session->logits(), alpha).end());
                QVERIFY2(sameBits(session->mixedLogits(alpha), want),
                         qPrintable(QString("step %1 alpha %2").arg(step).arg(alpha)));
            }
            if (step == 2) {
                // Another session's pass overwrites the model's scratch: the mix is still this
                // session's (its last position evaluated again, one row as it was).
                other->evaluate(engine->tokenizer().encode("Unrelated words", true, true));
                const std::vector<float> want(
                    mix.mixedLogits(session->hiddenState(), session->logits(), 0.7f).begin(),
                    mix.mixedLogits(session->hiddenState(), session->logits(), 0.7f).end());
                QVERIFY(sameBits(session->mixedLogits(0.7f), want));
            }
            session->appendToken(int32_t(100 + step));
        }
        // Every kept position mixed during the pass (perplexity with a head).
        session->setAllLogitsAlpha(0.6f);
        session->clear();
        session->evaluate(prompt, true);
        QCOMPARE(session->logitsCount(), int(prompt.size()));
        for (int i = 0; i < session->logitsCount(); ++i) {
            std::vector<float> want(static_cast<size_t>(h.nVocab()));
            mix.mix(session->hiddenStateAt(i), session->logitsAt(i), 0.6f, want);
            if (!starts.empty()) keepContinuationMass(session->logitsAt(i), want, starts);
            QVERIFY2(sameBits(session->mixedLogitsAt(i), want), qPrintable(QString::number(i)));
        }
        // The last position can still be mixed at any α after such a pass.
        const std::vector<float> want(
            mix.mixedLogits(session->hiddenState(), session->logits(), 0.9f).begin(),
            mix.mixedLogits(session->hiddenState(), session->logits(), 0.9f).end());
        const QString err = compareRelative(h, session->hiddenState(), session->logits(), 0.9f,
                                            want, session->mixedLogits(0.9f));
        QVERIFY2(err.isEmpty(), qPrintable(err));
        session->setHead(nullptr);
        QVERIFY(!session->hasHead());
        QCOMPARE(session->mixedLogits(0.7f).data(), session->logits().data());
    }

    void adapterForAnotherModelIsRefused() {
        auto engine = loadDefault("cpu");
        auto session = engine->createSession();
        const HeadAdapter wrong =
            randomAdapter(engine->info().nEmbd + 1, engine->info().nVocab, 4, 3);
        try {
            session->setHead(&wrong);
            QFAIL("an adapter of another shape was accepted");
        } catch (const EngineError& e) {
            QVERIFY2(QString(e.what()).contains("fabulist-default.gguf"), e.what());
            QVERIFY2(QString(e.what()).contains("load the adapter made for this model"), e.what());
        }
        QVERIFY(!session->hasHead());
    }

    void defaultModelGreedyCpuVsVulkan() {
#ifndef FABULIST_HAVE_VULKAN
        QSKIP("this build has no Vulkan backend (FABULIST_VULKAN=OFF, or Vulkan headers/glslc "
              "not found)");
#else
        auto cpu = loadDefault("cpu");
        std::unique_ptr<Engine> vk;
        try {
            vk = loadDefault("vulkan");
        } catch (const EngineError& e) {
            if (QString(e.what()).contains("no Vulkan device found"))
                QSKIP(qPrintable(QString("no Vulkan device: ") + e.what()));
            throw;
        }
        const HeadAdapter h = HeadAdapter::load(defaultHeadPath(), cpu->file());
        const auto prompt =
            cpu->tokenizer().encode("Once upon a time, in a quiet village by the sea,", true, true);
        const float alpha = 0.7f;
        // The mixed logits, step by step on the same tokens (the CPU's greedy choice).
        auto sc = cpu->createSession(), sv = vk->createSession();
        sc->setHead(&h);
        sv->setHead(&h);
        sc->evaluate(prompt);
        sv->evaluate(prompt);
        double maxDiff = 0.0, maxModelDiff = 0.0, maxDeltaDiff = 0.0;
        int sameArgmax = 0;
        const int steps = 24;
        for (int step = 0; step < steps; ++step) {
            const auto zc = sc->mixedLogits(alpha);
            const std::vector<float> c(zc.begin(), zc.end());
            const auto v = sv->mixedLogits(alpha);
            QCOMPARE(v.size(), c.size());
            const auto rc = sc->logits(), rv = sv->logits();
            for (size_t i = 0; i < c.size(); ++i) {
                maxDiff = std::max(maxDiff, std::fabs(double(c[i]) - double(v[i])));
                maxModelDiff = std::max(maxModelDiff, std::fabs(double(rc[i]) - double(rv[i])));
                // The head's own part α·Δz on each backend.
                maxDeltaDiff = std::max(maxDeltaDiff,
                                        std::fabs((double(c[i]) - rc[i]) - (double(v[i]) - rv[i])));
            }
            const auto best = [](std::span<const float> z) {
                return int32_t(std::max_element(z.begin(), z.end()) - z.begin());
            };
            const int32_t id = best(c);
            sameArgmax += best(v) == id;
            sc->appendToken(id);
            sv->appendToken(id);
        }
        qInfo("default model + head, alpha %.1f, %d steps: max |cpu - vulkan| of the mixed logits "
              "%.3g, of the model's own logits %.3g, of alpha*delta %.3g; argmax equal in %d",
              double(alpha), steps, maxDiff, maxModelDiff, maxDeltaDiff, sameArgmax);
        QVERIFY2(maxDiff < 1e-2, qPrintable(QString::number(maxDiff)));
        QVERIFY2(maxDeltaDiff < 2e-3, qPrintable(QString::number(maxDeltaDiff)));
        QCOMPARE(sameArgmax, steps);
        // Every kept position mixed during the pass (several rows in one logits chunk), against
        // the reference on that backend's own hidden states and logits.
        sv->setAllLogitsAlpha(alpha);
        sv->clear();
        sv->evaluate(prompt, true);
        HeadMix reference(h);
        if (h.training().deltaTokens == "word-starts")
            reference.setWordStarts(wordStartTokens(cpu->tokenizer()));
        for (int i = 0; i < sv->logitsCount(); ++i) {
            const auto want = reference.mixedLogits(sv->hiddenStateAt(i), sv->logitsAt(i), alpha);
            const std::vector<float> wantCopy(want.begin(), want.end());
            const QString err = compareRelative(h, sv->hiddenStateAt(i), sv->logitsAt(i), alpha,
                                                wantCopy, sv->mixedLogitsAt(i));
            QVERIFY2(err.isEmpty(), qPrintable(QString("position %1: %2").arg(i).arg(err)));
        }
        sv->setAllLogitsAlpha(0.0f);
        // Another adapter replaces the head (the old upload is released), then the first again.
        const HeadAdapter other = randomAdapter(h.nEmbd(), h.nVocab(), 7, 11);
        for (const HeadAdapter* adapter : {&other, &h}) {
            sc->setHead(adapter);
            sv->setHead(adapter);
            HeadMix reference(*adapter);
            if (adapter->training().deltaTokens == "word-starts")
                reference.setWordStarts(wordStartTokens(cpu->tokenizer()));
            const auto want = reference.mixedLogits(sv->hiddenState(), sv->logits(), alpha);
            const std::vector<float> wantCopy(want.begin(), want.end());
            const QString err = compareRelative(*adapter, sv->hiddenState(), sv->logits(), alpha,
                                                wantCopy, sv->mixedLogits(alpha));
            QVERIFY2(err.isEmpty(), qPrintable(err));
        }
        // The Generator, greedy, with the head: the same tokens on both backends.
        GenerationParams params;
        params.maxTokens = 32;
        params.sampler.temperature = 0.0f;
        params.adapter = &h;
        params.alpha = alpha;
        params.stopAtEndOfGeneration = false;
        auto gc = cpu->createSession(), gv = vk->createSession();
        const GenerationResult rc = Generator(*gc, cpu->tokenizer()).run(prompt, params);
        const GenerationResult rv = Generator(*gv, vk->tokenizer()).run(prompt, params);
        QCOMPARE(rv.ids, rc.ids);
        // And the head changes the greedy text (the mix is really applied).
        params.adapter = nullptr;
        const GenerationResult plain = Generator(*gc, cpu->tokenizer()).run(prompt, params);
        QVERIFY(plain.ids != rc.ids);
#endif
    }

private:
    void shapes() {
        QTest::addColumn<int>("nEmbd");
        QTest::addColumn<int>("rank");
        QTest::addColumn<int>("nVocab");
        QTest::addColumn<int>("rows");
        QTest::newRow("1x1x1") << 1 << 1 << 1 << 1;
        QTest::newRow("odd small") << 7 << 3 << 11 << 1;
        QTest::newRow("odd rank, rows") << 65 << 5 << 1001 << 3;
        QTest::newRow("rank 33, odd vocab") << 48 << 33 << 4099 << 2;
        QTest::newRow("default-like") << 256 << 32 << 8191 << 1;
    }
};

QTEST_GUILESS_MAIN(HeadsBackendMixTest)
#include "heads_backend_mix_test.moc"
