#pragma once
// The transformer forward pass, written once against the Backend interface and driven by
// ModelConfig plus the presence of optional tensors (see model_weights.h).

#include "inference/backend/backend.h"
#include "inference/model/model_config.h"
#include "inference/model/model_weights.h"

#include <cstdint>
#include <span>
#include <vector>

namespace fabulist::inference {

// Asks forward() to mix a diversity head (heads/head_mix.h) into every output row on the
// backend, after the model's own logits were read: z_c + alpha·(B·(A·h) + b), read back into
// `out` row after row like the logits. Mixed in place in the logits scratch, so lastLogits()
// is not valid after such a pass.
struct OutputMix {
    const HeadWeights* head = nullptr;
    float alpha = 0.0f;
    Act projected; // scratch of at least logitRows() x rank
    float* out = nullptr;
};

class Model {
public:
    // maxRows: tokens per forward call; maxContext: KV positions of the largest cache.
    Model(ModelConfig config, ModelWeights weights, Backend& backend, int maxRows, int maxContext);

    const ModelConfig& config() const { return m_config; }
    const ModelWeights& weights() const { return m_weights; }
    Backend& backend() { return m_backend; }
    int maxRows() const { return m_maxRows; }

    // ring: sliding-window layers keep only window + maxRows positions (ringSlots), where the
    // backend has rings; the session's main cache. Candidates' own caches are plain.
    std::unique_ptr<KvCache> createKvCache(int capacity, GgmlType type, bool ring = false);
    // Positions a sliding-window layer keeps in a ring cache of `capacity`: the window plus one
    // batch (a batch's rows look back a window from its first row); capacity for other layers.
    int ringSlots(int layer, int capacity) const;
    // How far a ring cache holding n positions can be cut back and continued: positions
    // p - window + 1 .. p - 1 of the next position p must still be in every ring. INT_MAX when
    // no layer has a ring.
    int rewindLimit(int capacity) const;

    // Evaluates ids (at most maxRows) at positions pos0.. into `cache`. For rows
    // [outputFirst, ids.size()) the logits are written to logits (row after row, nVocab each;
    // may be null when outputFirst == ids.size()), and the final-norm hidden state of the last
    // row to hidden (nEmbd; may be null), or with allHidden of every output row (row after row,
    // like the logits). expertsUsed: router top-k (1..nExpert) for MoE models.
    void forward(KvCache& cache, std::span<const int32_t> ids, int pos0, int outputFirst,
                 float* logits, float* hidden, int expertsUsed, bool allHidden = false,
                 const OutputMix* mix = nullptr);
    // One decode step of several sequences that continue the first prefixLen positions of
    // `prefix` (candidates; backend().decodesSequences() must be true): row r is token ids[r] of
    // the sequence whose own tokens are at steps[r] in `tail` (SequenceStep). The logits of
    // every row go to `logits`, row after row, mixed into mix->out as forward() does. Each row
    // gets the numbers forward() would give it alone, bit for bit, on a batch-invariant
    // backend.
    void forwardSequences(KvCache& prefix, int prefixLen, KvCache& tail,
                          std::span<const int32_t> ids, std::span<const SequenceStep> steps,
                          float* logits, int expertsUsed, const OutputMix* mix = nullptr);
    // Output rows are computed in chunks of at most this many (the scratch an OutputMix needs).
    int logitRows() const { return m_logitRows; }

    // Every forward() overwrites the backend scratch; this counts the calls, so a caller that
    // keeps using lastHidden()/lastLogits() can tell whether they are still its own.
    uint64_t forwardSerial() const { return m_serial; }
    // The last row's final-norm hidden state and logits of the last forward() that produced
    // logits, still in backend memory (the diversity-head mix reads them there). Valid while
    // forwardSerial() is what it was after that call; rows == 0 before any.
    Act lastHidden() const { return m_lastHidden; }
    Act lastLogits() const { return m_lastLogits; }

private:
    struct Placement; // where the rows of a pass go in the KV cache(s)
    void layers(const Placement& at, int rows, int expertsUsed);
    void rope(const Placement& at, Act x, const RopeParams& params);
    void attend(const Placement& at, int layer, Act q, Act k, Act v, Act out,
                const AttentionParams& params);
    // DeepSeek's latent attention of one layer, its output (before wo) in m_mlaValues.
    void latentAttention(const Placement& at, int layer, int rows, RopeParams ropeQ,
                         RopeParams ropeK, const AttentionParams& params);
    void outputs(int rows, int outputFirst, float* logits, float* hidden, bool allHidden,
                 const OutputMix* mix);

    ModelConfig m_config;
    ModelWeights m_weights;
    Backend& m_backend;
    int m_maxRows;
    int m_logitRows; // rows of the logits scratch (logits are produced in chunks of this many)
    Act m_x, m_xn, m_q, m_k, m_v, m_attn, m_tmp, m_router, m_logits;
    Act m_mlaQuery, m_mlaQa, m_mlaValues; // latent attention scratch (deepseek2)
    uint64_t m_serial = 0;
    std::vector<int> m_positions, m_slots; // forwardSequences scratch
    Act m_lastHidden, m_lastLogits;
};

} // namespace fabulist::inference
