#pragma once
// The CPU backend: weights are read from the memory-mapped file or, when memory allows, from a
// copy in huge pages (huge_page_weights.h); activations are host f32 arrays,
// matrix products go through the quantized dot-product kernels (activations quantized once per
// op, then one vecDot per weight row and token), and every op splits its work over a persistent
// thread pool.

#include "inference/backend/backend.h"
#include "inference/backend/cpu/huge_page_weights.h"
#include "inference/parallel/thread_pool.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <unordered_set>
#include <vector>

namespace fabulist::inference {

class CpuBackend final : public Backend {
public:
    explicit CpuBackend(int threads); // 0 = physical cores
    ~CpuBackend() override;

    std::string name() const override { return "cpu"; }
    int threads() const override { return m_pool.threadCount(); }
    DeviceDescription describeDevice() const override;

    void prepareUploads(std::span<const GgufTensorInfo> tensors, int cpuMoeLayers,
                        uint64_t reservedBytes) override;
    Weight upload(const GgufTensorInfo& tensor) override;
    void reserve(const BackendLimits& limits) override;
    Act allocate(int rows, int cols) override;
    std::unique_ptr<KvCache> createKvCache(int nLayer, int capacity, int kvDimK, int kvDimV,
                                           GgmlType type) override;
    std::unique_ptr<KvCache> createRingKvCache(int nLayer, int capacity,
                                               std::span<const int> layerSlots, int kvDimK,
                                               int kvDimV, GgmlType type) override;

    void embed(const Weight& table, std::span<const int32_t> ids, Act out) override;
    void rmsNorm(Act in, const Weight* weight, Act out, int group, float eps) override;
    void matmul(Act in, std::span<const MatmulJob> jobs) override;
    void rope(Act x, const RopeParams& params, int pos0) override;
    void storeKv(KvCache& cache, int layer, Act k, Act v, int pos0) override;
    void attention(KvCache& cache, int layer, Act q, Act out, int pos0,
                   const AttentionParams& params) override;
    void ffn(Act x, const Weight& gate, const Weight& up, const Weight& down, Act out,
             const Weight* scaleGate, bool accumulate,
             FfnActivation activation = FfnActivation::Silu) override;
    void moe(Act x, Act routerLogits, const MoeWeights& experts, const MoeParams& params,
             Act out) override;
    void add(Act x, Act y) override;
    bool hasExtendedOps() const override { return true; }
    void scale(Act x, float s) override;
    void absorbQuery(Act q, const Weight& kB, Act out, const MlaShape& shape) override;
    void expandValues(Act latent, const Weight& vB, Act out, const MlaShape& shape) override;
    void headMix(Act hidden, Act logits, const HeadWeights& head, float alpha, Act projected,
                 Act out) override;
    void read(Act a, int row, float* dst) override;

    bool decodesSequences() const override { return true; }
    void ropeAt(Act x, const RopeParams& params, std::span<const int> positions) override;
    void storeKvAt(KvCache& cache, int layer, Act k, Act v, std::span<const int> slots) override;
    void attentionSequences(KvCache& prefix, int prefixLen, KvCache& tail, int layer, Act q,
                            Act out, std::span<const SequenceStep> steps,
                            const AttentionParams& params) override;

    static float* rowPtr(Act a, int row) {
        return reinterpret_cast<float*>(static_cast<char*>(a.data) + a.offset) +
               size_t(row) * size_t(a.cols);
    }

    // Which tokens go to which expert: slots s = t * nUsed + j (j-th choice of token t).
    struct ExpertPlan {
        int nExpert = 0, nUsed = 0, rows = 0;
        const int* expertBegin = nullptr;  // nExpert + 1 offsets into slots
        const int* slotIds = nullptr;      // slot ids grouped by expert
        const float* slotWeight = nullptr; // per slot
    };

private:
    struct KvRun;
    // Prompt passes of at least this many rows take the blocked attention path; a block holds
    // up to kQueriesPerBlock (row, query head) pairs of one KV head; keys go in tiles of
    // kKeyTile positions.
    static constexpr int kBlockedAttentionRows = 8;
    static constexpr int kQueriesPerBlock = 16;
    static constexpr int kKeyTile = 64;
    void attentionBlocked(KvCache& cache, int layer, Act q, Act out, int pos0,
                          const AttentionParams& params);
    struct HeadScratch {
        float* scores;   // maxContext
        uint16_t* qHalf; // maxCols
        uint16_t* pHalf; // maxContext
    };
    static void attendHead(const float* q, float* out, int kvHead, std::span<const KvRun> runs,
                           const AttentionParams& params, const float* sink,
                           const HeadScratch& scratch);
    // Every (row, head) of q: keyRuns(row, runs) fills the row's key runs and returns how many.
    template <class Runs>
    void runAttention(Act q, Act out, const AttentionParams& params, Runs&& keyRuns);
    void ropeRow(float* row, const RopeParams& params, int pos);
    static void storeKvRow(KvCache& cache, int layer, Act k, Act v, int row, int slot);
    // Quantizes `rows` rows of `in` (cols values each) into `dst` for `vecType`'s weight type.
    void quantizeRows(const float* in, int rows, int cols, size_t inStride, GgmlType weightType,
                      uint8_t* dst);
    // biases: optional per-expert gate/up/down biases (MoeWeights' bias fields), or nullptr.
    void runExperts(Act x, const Weight& gate, const Weight& up, const Weight& down,
                    const ExpertPlan& plan, Act out, bool accumulate, FfnActivation activation,
                    const MoeWeights* biases);
    // The router's choice for every row into m_choice / m_slotWeight / m_expertBegin.
    void routeSoftmax(Act routerLogits, const MoeParams& params);
    void routeSigmoid(Act routerLogits, const MoeParams& params);
    void routeSoftmaxOfChosen(Act routerLogits, const MoeParams& params);
    // out[tok] (+)= sum over the token's expert choices of weight * expert output y[slot].
    static void combineExperts(const ExpertPlan& plan, const float* y, int nEmbd, int tok, Act out,
                               bool accumulate);
    void ensureScratch(std::vector<uint8_t>& buf, size_t bytes);
    // out[r][h][outOffset + i] = W[h] row i · in[r][h][inOffset, inOffset + W.nIn) for every
    // row r and head h (heads inStride / outStride floats apart).
    void perHeadMatmul(Act in, int inStride, int inOffset, const Weight& w, Act out, int outStride,
                       int outOffset);
    // f(row) for every row; split over the threads only when there is enough work.
    template <class F> void forRows(int rows, int cols, F&& f) {
        if (int64_t(rows) * cols < (int64_t(1) << 15)) {
            for (int r = 0; r < rows; ++r) f(r);
            return;
        }
        auto job = [&](int chunk, int n, int) {
            int64_t b, e;
            splitRange(rows, chunk, n, b, e);
            for (int64_t r = b; r < e; ++r) f(int(r));
        };
        m_pool.run(job);
    }

    // The copy of a tensor's bytes in m_hugePages, or its own bytes when it is not planned.
    const uint8_t* placeWeight(const GgufTensorInfo& tensor);

    ThreadPool m_pool;
    BackendLimits m_limits;
    HugePagePlan m_hugePlan{false, "no model loaded"};
    HugePageArena m_hugePages;
    std::unordered_set<const uint8_t*> m_hugeCandidates; // the model's tensors, by data address
    std::vector<std::unique_ptr<float[]>> m_allocations;
    // Scratch, sized by reserve(); resized (outside any hot loop) only if a call exceeds it.
    std::vector<uint8_t> m_quant[3];
    std::vector<uint8_t> m_quantHidden;
    std::vector<float> m_hidden;        // FFN intermediate, one row per slot
    std::vector<float> m_expertOut;     // expert outputs, one row per slot
    std::vector<float> m_scores;        // attention scores, one row of maxContext per thread
    std::vector<uint16_t> m_qHalf;      // fp16 query, per thread
    std::vector<uint16_t> m_pHalf;      // fp16 probabilities, per thread
    std::vector<float> m_blockScores;   // blocked attention: kQueriesPerBlock rows per thread
    std::vector<uint16_t> m_blockQHalf; // blocked attention: fp16 queries per thread
    std::vector<int> m_expertBegin, m_slots, m_workItems, m_choice, m_fill;
    std::vector<float> m_slotWeight, m_probs;
    std::vector<float> m_ropeCache;
};

} // namespace fabulist::inference
