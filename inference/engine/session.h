#pragma once
// A Session is one KV cache plus the logits of the last evaluation. Not thread-safe: one
// inference thread owns it. Consecutive requests usually share a long prefix (the writer keeps
// typing in the same scene), so evaluate() keeps the longest common prefix and only computes
// the rest.
//
// Context overflow is never handled silently. By default evaluate()/appendToken() throw
// ContextOverflow when the tokens do not fit. A caller that wants the engine to make room sets
// OverflowPolicy::Mode::DropMiddle: the first `keepFirst` tokens stay pinned (default: BOS/first
// token + a quarter of the context), the oldest tokens after them are dropped (at least enough
// to fit, plus `slack` so the next few decode steps do not shift again), the remainder is
// re-evaluated (positions change, so its cache cannot be reused), and lastShift() reports
// exactly what was dropped.

#include "inference/engine/engine.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace fabulist::inference {

class HeadAdapter;

class ContextOverflow : public EngineError {
public:
    ContextOverflow(const std::string& message, int64_t requested, int contextLength)
        : EngineError(message), m_requested(requested), m_contextLength(contextLength) {}
    int64_t requested() const { return m_requested; }
    int contextLength() const { return m_contextLength; }

private:
    int64_t m_requested;
    int m_contextLength;
};

// Thrown by evaluate() when its cancel flag became true. The cache then holds the tokens
// evaluated so far (a prefix of the request), so a retry reuses them.
class EvaluationCancelled : public EngineError {
public:
    using EngineError::EngineError;
};

struct OverflowPolicy {
    enum class Mode { Throw, DropMiddle };
    Mode mode = Mode::Throw;
    int keepFirst = -1; // pinned leading tokens; -1 = 1 + contextLength / 4
    int slack = -1;     // extra tokens to free when shifting; -1 = contextLength / 8
};

// What the last overflow handling dropped: tokens [droppedBegin, droppedBegin + droppedCount)
// of the sequence that was requested.
struct ContextShift {
    int droppedBegin = 0;
    int droppedCount = 0;
};

class Session {
public:
    struct Impl;
    explicit Session(std::unique_ptr<Impl> impl);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Makes the cache hold exactly `tokens` (after overflow handling, see above), reusing the
    // longest common prefix with what it already holds, and evaluates the rest in batches.
    // Returns how many tokens were reused. With wantAllLogits the logits of every newly
    // evaluated position are kept (logitsAt). An empty request clears the cache.
    // Throws EngineError for out-of-range ids, ContextOverflow, EvaluationCancelled.
    int evaluate(std::span<const int32_t> tokens, bool wantAllLogits = false,
                 const std::atomic<bool>* cancel = nullptr);
    // One decode step: appends `token` and computes its logits (matrix-vector path).
    void appendToken(int32_t token);

    std::span<const float> logits() const;        // last evaluated position, nVocab values
    std::span<const float> logitsAt(int i) const; // i-th newly evaluated position (wantAllLogits)
    int logitsCount() const;                      // how many positions logitsAt can return
    std::span<const float> hiddenState() const;   // final RMSNorm output at the last position
    std::span<const float> hiddenStateAt(int i) const; // same, i-th position (wantAllLogits)
    std::span<const int32_t> tokens() const;           // what the cache holds

    // The diversity head (heads/head_adapter.h) this session mixes in: its tensors are copied
    // and uploaded to the model's backend once (again only when an adapter with other values is
    // set), so the adapter need not outlive the call; nullptr removes it. Throws EngineError
    // when the adapter's n_embd / n_vocab do not fit the model.
    void setHead(const HeadAdapter* adapter);
    bool hasHead() const;
    // z(α) = z_c + α·(B·(A·h) + b) of the last evaluated position, computed on the backend from
    // the hidden state and logits it still holds, then read back; valid until the next call.
    // α = 0 or no head: logits() itself (nothing computed, bit-identical). α may change from
    // one call to the next.
    std::span<const float> mixedLogits(float alpha);
    // For evaluate(..., wantAllLogits = true): every kept position is also mixed at this α on
    // the backend during the pass (mixedLogitsAt), e.g. for perplexity with a head. Default 0.
    void setAllLogitsAlpha(float alpha);
    // The i-th kept position mixed at the α set before the evaluate(); logitsAt(i) when that α
    // was 0 or there is no head.
    std::span<const float> mixedLogitsAt(int i) const;
    int contextLength() const;
    void clear();

    // Per-request override of the router's top-k (1..nExpert); 0 restores the engine default.
    // Changing it invalidates the cache (cached K/V depend on it).
    void setExpertsUsed(int k);
    int expertsUsed() const;

    // A new request starts: the backend may rearrange what it keeps where (Backend::
    // betweenRequests; the CUDA backend moves the most used experts of a split model in).
    void betweenRequests();

    // Candidates: several continuations of what the cache holds, decoded together. After
    // beginSequences(count, maxTokens) each sequence's own tokens go to a second cache; the
    // prompt's K/V are shared by all of them, never copied, and the main cache keeps holding
    // the prompt (the next request still reuses it). Needs decodesSequences() (the backend's
    // batch-invariant ops); the cache must hold at least one token. Throws EngineError.
    bool decodesSequences() const;
    void beginSequences(int count, int maxTokens);
    // One step: appends tokens[r] to sequence sequences[r] (each at most once) and computes
    // every row's logits in one forward pass, and the head mix at `alpha` (setHead). A sequence
    // computes the numbers that appendToken() would give it alone, bit for bit. Throws
    // ContextOverflow when a sequence would outgrow the context or its maxTokens.
    void appendSequenceTokens(std::span<const int32_t> tokens, std::span<const int> sequences,
                              float alpha = 0.0f);
    std::span<const float> sequenceLogits(int row) const; // row of the last step, nVocab values
    // The same row mixed at the step's α (mixedLogits()); sequenceLogits at α 0 or without a head.
    std::span<const float> sequenceMixedLogits(int row) const;
    int sequenceLength(int sequence) const; // own tokens appended so far

    void setOverflowPolicy(const OverflowPolicy& policy);
    const OverflowPolicy& overflowPolicy() const;
    std::optional<ContextShift> lastShift() const; // set by the last evaluate/appendToken

private:
    std::unique_ptr<Impl> m_impl;
};

} // namespace fabulist::inference
