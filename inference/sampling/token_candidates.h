#pragma once
// The working set a sampler chain narrows down: (token id, logit, probability) triples. The
// buffer is sized once for the vocabulary and reused for every token, so sampling never
// allocates after construction.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fabulist::inference {

struct TokenCandidate {
    int32_t id;
    float logit;
    float p; // valid only after softmax()
};

class TokenCandidates {
public:
    explicit TokenCandidates(size_t capacity = 0) { reserve(capacity); }

    void reserve(size_t capacity) {
        if (m_items.size() < capacity) m_items.resize(capacity);
    }
    // Loads the full logit vector: candidates[i].id == i. n must be <= capacity.
    void load(const float* logits, size_t n);

    size_t size() const { return m_size; }
    bool empty() const { return m_size == 0; }
    TokenCandidate& operator[](size_t i) { return m_items[i]; }
    const TokenCandidate& operator[](size_t i) const { return m_items[i]; }
    std::span<TokenCandidate> items() { return {m_items.data(), m_size}; }
    std::span<const TokenCandidate> items() const { return {m_items.data(), m_size}; }

    // True while candidates[i].id == i for every i (nothing reordered or dropped yet); lets a
    // stage look a token up by id in O(1).
    bool idOrdered() const { return m_idOrdered; }
    // True when sorted by descending logit.
    bool sorted() const { return m_sorted; }

    // Sorts by descending logit (only the first k when k < size: partial sort).
    void sortDescending(size_t k);
    void sortDescending() { sortDescending(m_size); }
    // Recomputes p = softmax(logit) over the current candidates (sorting them first).
    void softmax();
    // p = softmax(logit) without reordering (for stages that avoid a full sort).
    void softmaxInPlace();
    // Keeps the candidates for which keep(c) is true, in their order.
    template <class Pred> void keepIf(Pred keep) {
        size_t out = 0;
        for (size_t i = 0; i < m_size; ++i)
            if (keep(m_items[i])) m_items[out++] = m_items[i];
        if (out != m_size) m_idOrdered = false;
        m_size = out;
    }
    // Keeps the first n candidates.
    void truncate(size_t n);
    // Index of the highest logit (first on ties).
    size_t argmax() const;

    // For stages that reorder on their own.
    void markUnordered() {
        m_idOrdered = false;
        m_sorted = false;
    }

private:
    std::vector<TokenCandidate> m_items;
    size_t m_size = 0;
    bool m_idOrdered = false;
    bool m_sorted = false;
};

} // namespace fabulist::inference
