// The plan of which weights and experts live on the GPU (#21): pure logic with made-up memory
// budgets, plus a real GGUF's tensor list classified into kinds.
#include "inference/backend/expert_placement.h"
#include "inference/gguf/gguf_file.h"

#include <QtTest>

using namespace fabulist::inference;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

// A MoE model of nLayer layers: embedding and output 10 MiB each, per layer 4 MiB attention,
// 1 MiB of norms and router, and three expert stacks of nExpert experts of 1 MiB each (so one
// expert of a layer costs 3 MiB).
std::vector<PlacementWeight> moeModel(int nLayer, int nExpert) {
    std::vector<PlacementWeight> w;
    w.push_back({"token_embd.weight", 10 * kMiB, -1, WeightKind::Embedding, 0});
    for (int l = 0; l < nLayer; ++l) {
        const std::string blk = "blk." + std::to_string(l) + ".";
        w.push_back({blk + "attn_q.weight", 4 * kMiB, l, WeightKind::Attention, 0});
        w.push_back({blk + "ffn_gate_inp.weight", 1 * kMiB, l, WeightKind::Dense, 0});
        for (const char* stack :
             {"ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_down_exps.weight"})
            w.push_back(
                {blk + stack, uint64_t(nExpert) * kMiB, l, WeightKind::ExpertStack, nExpert});
    }
    w.push_back({"output.weight", 10 * kMiB, -1, WeightKind::Output, 0});
    return w;
}

uint64_t denseBytes(int nLayer) {
    return 20 * kMiB + uint64_t(nLayer) * 5 * kMiB;
}

PlacementRequest request(std::vector<PlacementWeight> weights, uint64_t free,
                         uint64_t reserved = 0) {
    PlacementRequest r;
    r.weights = std::move(weights);
    r.gpuFreeBytes = free;
    r.reservedBytes = reserved;
    return r;
}

int gpuExperts(const ExpertPlacement& plan) {
    int n = 0;
    for (int l = 0; l < plan.layerCount(); ++l) n += plan.gpuExpertCount(l);
    return n;
}

} // namespace

class ExpertPlacementTest : public QObject {
    Q_OBJECT
private slots:
    void fitsEntirely() {
        const ExpertPlacement plan = planExpertPlacement(request(moeModel(4, 8), 1024 * kMiB));
        QVERIFY(plan.ok());
        QVERIFY(plan.allOnGpu());
        QCOMPARE(plan.gpuBytes(), denseBytes(4) + 4 * 8 * 3 * kMiB);
        QCOMPARE(plan.cpuBytes(), uint64_t(0));
        QVERIFY(plan.onGpu("blk.0.ffn_up_exps.weight"));
        QCOMPARE(plan.gpuExpertCount(3), 8);
        QCOMPARE(plan.expectedGpuShare(), 1.0);
    }

    void denseOnlyWhenNoExpertFits() {
        // The reserve takes all but 2 MiB past the dense weights: no 3 MiB expert fits.
        const uint64_t free = denseBytes(4) + 2 * kMiB + 100 * kMiB;
        const ExpertPlacement plan = planExpertPlacement(request(moeModel(4, 8), free, 100 * kMiB));
        QVERIFY(plan.ok());
        QCOMPARE(plan.budgetBytes(), denseBytes(4) + 2 * kMiB);
        QCOMPARE(gpuExperts(plan), 0);
        QCOMPARE(plan.gpuBytes(), denseBytes(4));
        QCOMPARE(plan.cpuBytes(), 4 * 8 * 3 * kMiB);
        QVERIFY(plan.onGpu("token_embd.weight"));
        QVERIFY(plan.onGpu("blk.2.attn_q.weight"));
        QVERIFY(!plan.anyOnGpu("blk.2.ffn_down_exps.weight"));
        QCOMPARE(plan.expectedGpuShare(), 0.0);
    }

    void budgetForKExperts() {
        // Room for 11 experts: layer 3 whole (8) and 3 of layer 2: the last layer goes first, so
        // only one layer is split.
        const ExpertPlacement plan =
            planExpertPlacement(request(moeModel(4, 8), denseBytes(4) + 11 * 3 * kMiB + kMiB));
        QVERIFY(plan.ok());
        QCOMPARE(gpuExperts(plan), 11);
        QCOMPARE(plan.gpuExpertCount(3), 8);
        QCOMPARE(plan.gpuExpertCount(2), 3);
        QCOMPARE(plan.gpuExpertCount(1), 0);
        QVERIFY(plan.expertOnGpu(2, 0) && plan.expertOnGpu(2, 2) && !plan.expertOnGpu(2, 3));
        QCOMPARE(plan.gpuSlot(2, 2), 2);
        QCOMPARE(plan.gpuSlot(2, 5), -1);
        QVERIFY(plan.onGpu("blk.3.ffn_gate_exps.weight"));
        QVERIFY(!plan.onGpu("blk.2.ffn_gate_exps.weight"));
        QVERIFY(plan.anyOnGpu("blk.2.ffn_gate_exps.weight"));
        QCOMPARE(plan.gpuBytes(), denseBytes(4) + 11 * 3 * kMiB);
        QCOMPARE(plan.cpuBytes(), 21 * 3 * kMiB);
        // Uniform routing: layer 3 all, layer 2 three eighths, layers 0-1 none.
        QCOMPARE(plan.expectedGpuShare(), (1.0 + 3.0 / 8.0) / 4.0);
    }

    void overrideKeepsFirstLayersOnCpu() {
        PlacementRequest r = request(moeModel(4, 8), 1024 * kMiB); // everything would fit
        r.cpuMoeLayers = 3;
        const ExpertPlacement plan = planExpertPlacement(r);
        QVERIFY(plan.ok());
        QCOMPARE(plan.cpuMoeLayers(), 3);
        for (int l = 0; l < 3; ++l) QCOMPARE(plan.gpuExpertCount(l), 0);
        QCOMPARE(plan.gpuExpertCount(3), 8);
        QCOMPARE(plan.cpuBytes(), 3 * 8 * 3 * kMiB);
        QVERIFY(!plan.allOnGpu());
        // The override does not lift the budget: with room for 5 experts only 5 of layer 3 go.
        r.cpuMoeLayers = 1;
        r.gpuFreeBytes = denseBytes(4) + 5 * 3 * kMiB;
        const ExpertPlacement tight = planExpertPlacement(r);
        QCOMPARE(gpuExperts(tight), 5);
        QCOMPARE(tight.gpuExpertCount(3), 5);
        QCOMPARE(tight.gpuExpertCount(0), 0);
    }

    void usageCountsMoveHotExpertsIn() {
        ExpertUsage usage(4, 8);
        // Layer 0's expert 5 and layer 1's expert 2 are hot; layer 3 is barely used.
        for (int i = 0; i < 10; ++i) {
            const std::vector<int32_t> ids{5, 5, 2};
            usage.record(0, ids, nullptr);
            usage.record(1, std::vector<int32_t>{2}, nullptr);
        }
        usage.record(3, std::vector<int32_t>{7}, nullptr);
        QCOMPARE(usage.count(0, 5), 20.0);
        QCOMPARE(usage.count(0, 2), 10.0);
        PlacementRequest r = request(moeModel(4, 8), denseBytes(4) + 3 * 3 * kMiB);
        r.usage = &usage;
        const ExpertPlacement plan = planExpertPlacement(r);
        QCOMPARE(gpuExperts(plan), 3);
        QVERIFY(plan.expertOnGpu(0, 5));
        QVERIFY(plan.expertOnGpu(0, 2) && plan.expertOnGpu(1, 2));
        QVERIFY(!plan.expertOnGpu(3, 7)); // counted once: the three above count more
        QCOMPARE(plan.expectedGpuShare(), 40.0 / 41.0);
        // Without the counts the same budget takes layer 3's first three experts.
        r.usage = nullptr;
        const ExpertPlacement cold = planExpertPlacement(r);
        QVERIFY(cold.expertOnGpu(3, 0) && !cold.expertOnGpu(0, 5));
        // Decay halves the counts between requests; the order stays.
        usage.decayBetweenRequests();
        QCOMPARE(usage.count(0, 5), 10.0);
        QCOMPARE(usage.totalCount(), 20.5);
    }

    void rebalanceMovesHotExpertsIntoSplitLayers() {
        // Dense weights, all of layer 3 and 3 more experts fit: layer 2 holds experts 0-2.
        const uint64_t free = denseBytes(4) + (8 + 3) * 3 * kMiB;
        const ExpertPlacement plan = planExpertPlacement(request(moeModel(4, 8), free));
        QCOMPARE(plan.gpuExpertCount(3), 8);
        QCOMPARE(plan.gpuExpertCount(2), 3);
        QVERIFY(plan.expertOnGpu(2, 0) && !plan.expertOnGpu(2, 4));
        ExpertUsage usage(4, 8);
        for (int i = 0; i < 100; ++i) usage.record(0, std::vector<int32_t>{5}, &plan);
        for (int i = 0; i < 50; ++i) usage.record(1, std::vector<int32_t>{7}, &plan);
        for (int i = 0; i < 10; ++i) usage.record(2, std::vector<int32_t>{4}, &plan);
        for (int i = 0; i < 1000; ++i) usage.record(3, std::vector<int32_t>{0}, &plan);
        const ExpertPlacement next = rebalanceSplitLayers(plan, usage);
        // The three GPU slots of the split layers go to their hot experts; layer 3 stays whole.
        QCOMPARE(next.gpuExpertCount(3), 8);
        QVERIFY(next.expertOnGpu(0, 5));
        QVERIFY(next.expertOnGpu(1, 7));
        QVERIFY(next.expertOnGpu(2, 4));
        QVERIFY(!next.expertOnGpu(2, 0));
        QCOMPARE(gpuExperts(next), gpuExperts(plan));
        QCOMPARE(next.gpuBytes(), plan.gpuBytes());
        QVERIFY(next.expectedGpuShare() > plan.expectedGpuShare());
        // No counts: nothing moves.
        QCOMPARE(rebalanceSplitLayers(plan, ExpertUsage(4, 8)).gpuExperts(2), plan.gpuExperts(2));
    }

    void rebalanceKeepsTheOverridesLayersOnCpu() {
        PlacementRequest r = request(moeModel(4, 8), denseBytes(4) + (8 + 3) * 3 * kMiB);
        r.cpuMoeLayers = 1;
        const ExpertPlacement plan = planExpertPlacement(r);
        ExpertUsage usage(4, 8);
        usage.record(0, std::vector<int32_t>{5, 5, 5}, &plan);
        usage.record(1, std::vector<int32_t>{7, 7}, &plan);
        usage.record(2, std::vector<int32_t>{4}, &plan);
        const ExpertPlacement next = rebalanceSplitLayers(plan, usage);
        QCOMPARE(next.gpuExpertCount(0), 0);
        QVERIFY(next.expertOnGpu(1, 7) && next.expertOnGpu(2, 4));
        QCOMPARE(gpuExperts(next), gpuExperts(plan));
    }

    void hitRateArithmetic() {
        PlacementRequest r = request(moeModel(2, 4), denseBytes(2) + 4 * 3 * kMiB);
        const ExpertPlacement plan = planExpertPlacement(r); // layer 1's four experts
        QCOMPARE(plan.gpuExpertCount(1), 4);
        QCOMPARE(plan.gpuExpertCount(0), 0);
        ExpertUsage usage(2, 4);
        QCOMPARE(usage.hitRate(), 0.0);
        usage.record(0, std::vector<int32_t>{0, 1, 2}, &plan); // 3 slots, no hit
        usage.record(1, std::vector<int32_t>{3, 0}, &plan);    // 2 slots, 2 hits
        usage.record(1, std::vector<int32_t>{9, -1}, &plan);   // out of range: not slots
        QCOMPARE(usage.routedSlots(), uint64_t(5));
        QCOMPARE(usage.gpuSlots(), uint64_t(2));
        QCOMPARE(usage.hitRate(), 0.4);
    }

    void refusesWhenDenseWeightsDoNotFit() {
        // 40 MiB of non-expert weights (4 layers), 64 MiB free, 30 MiB reserved: 6 MiB missing.
        const ExpertPlacement plan =
            planExpertPlacement(request(moeModel(4, 8), 64 * kMiB, 30 * kMiB));
        QVERIFY(!plan.ok());
        QCOMPARE(QString::fromStdString(plan.refusal()),
                 QString("the model's non-expert weights need 40.0 MiB of GPU memory but only "
                         "34.0 MiB is left (64.0 MiB free, 30.0 MiB kept for the KV cache and "
                         "scratch): 6.0 MiB missing; use --device vulkan or --device cpu, a "
                         "shorter context, or a smaller quant of the model (e.g. Q4_K_M)"));
        QVERIFY(!plan.onGpu("token_embd.weight"));
        QCOMPARE(plan.gpuBytes(), uint64_t(0));
        QCOMPARE(plan.describe().front(), "placement: " + plan.refusal());
        // A reserve above the free memory: what is missing counts the reserve in full.
        const ExpertPlacement over =
            planExpertPlacement(request(moeModel(4, 8), 16 * kMiB, 30 * kMiB));
        QVERIFY(
            QString::fromStdString(over.refusal())
                .contains("need 40.0 MiB of GPU memory but only 0.0 MiB is left (16.0 MiB "
                          "free, 30.0 MiB kept for the KV cache and scratch): 54.0 MiB missing"));
    }

    void describesThePlan() {
        PlacementRequest r = request(moeModel(4, 8), denseBytes(4) + 11 * 3 * kMiB);
        const std::vector<std::string> lines = planExpertPlacement(r).describe();
        QCOMPARE(lines.size(), size_t(4));
        QCOMPARE(lines[0], std::string("placement: 73.0 MiB of weights on the GPU, 63.0 MiB on the "
                                       "CPU (budget 73.0 MiB)"));
        QCOMPARE(lines[1], std::string("experts on the GPU: 11 of 32"));
        QCOMPARE(lines[2], std::string("experts on the GPU per layer: 0-1: 0/8, 2: 3/8, 3: 8/8"));
        QCOMPARE(lines[3], std::string("expected share of expert evaluations on the GPU: 34.4 %"));
    }

    void classifiesARealGguf() {
        const QString path =
            qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/tiny-qwen3moe-q4_k_m.gguf";
        if (!QFile::exists(path))
            QFAIL(qPrintable("reference model not found: " + path +
                             " (set FABULIST_REFERENCE_DIR to shared/reference)"));
        const auto file = GgufFile::open(path.toStdString());
        const auto& tensors = file->tensors();
        const std::vector<PlacementWeight> weights = placementWeights(tensors);
        QCOMPARE(weights.size(), tensors.size());
        const int nExpert = int(file->getUInt("qwen3moe.expert_count"));
        const int nLayer = int(file->getUInt("qwen3moe.block_count"));
        std::map<std::string, const PlacementWeight*> byName;
        for (const PlacementWeight& w : weights) byName[w.name] = &w;
        auto kindOf = [&](const std::string& name) {
            if (!byName.count(name)) qFatal("tensor %s missing from the reference", name.c_str());
            return byName[name]->kind;
        };
        QCOMPARE(kindOf("token_embd.weight"), WeightKind::Embedding);
        QCOMPARE(kindOf("output_norm.weight"), WeightKind::Output);
        for (int l = 0; l < nLayer; ++l) {
            const std::string blk = "blk." + std::to_string(l) + ".";
            for (const char* a : {"attn_q.weight", "attn_k.weight", "attn_v.weight",
                                  "attn_output.weight", "attn_norm.weight", "attn_q_norm.weight"})
                QCOMPARE(kindOf(blk + a), WeightKind::Attention);
            QCOMPARE(kindOf(blk + "ffn_gate_inp.weight"), WeightKind::Dense);
            QCOMPARE(kindOf(blk + "ffn_norm.weight"), WeightKind::Dense);
            for (const char* e :
                 {"ffn_gate_exps.weight", "ffn_up_exps.weight", "ffn_down_exps.weight"}) {
                const PlacementWeight& w = *byName[blk + e];
                QCOMPARE(w.kind, WeightKind::ExpertStack);
                QCOMPARE(w.layer, l);
                QCOMPARE(w.nExpert, nExpert);
                QCOMPARE(w.bytes % uint64_t(nExpert), uint64_t(0));
            }
        }
        // Every byte is planned somewhere; with room for all, all of it is on the GPU.
        uint64_t total = 0;
        for (const GgufTensorInfo& t : tensors) total += t.nbytes;
        const ExpertPlacement all = planExpertPlacement(request(weights, total));
        QVERIFY(all.ok() && all.allOnGpu());
        QCOMPARE(all.gpuBytes(), total);
        // One expert short: the first layer keeps one expert on the CPU.
        const uint64_t perExpert = (byName["blk.0.ffn_gate_exps.weight"]->bytes +
                                    byName["blk.0.ffn_up_exps.weight"]->bytes +
                                    byName["blk.0.ffn_down_exps.weight"]->bytes) /
                                   uint64_t(nExpert);
        const ExpertPlacement short1 = planExpertPlacement(request(weights, total - 1));
        QCOMPARE(short1.gpuExpertCount(0), nExpert - 1);
        QCOMPARE(short1.cpuBytes(), perExpert);
        QCOMPARE(short1.gpuBytes() + short1.cpuBytes(), total);
    }
};

QTEST_APPLESS_MAIN(ExpertPlacementTest)
#include "expert_placement_test.moc"
