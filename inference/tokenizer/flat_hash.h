#pragma once
// Two small open-addressing hash tables for the tokenizer's load-once, read-many lookups:
// vocabulary text -> id and merge pair -> (rank, result). One flat array each, so a 128k-token
// vocabulary with 280k merges builds in a few milliseconds and lookups touch one cache line.

#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

namespace fabulist::inference {

inline uint64_t hashBytes(std::string_view s) {
    uint64_t h = 0xcbf29ce484222325ull; // FNV-1a; tokens are short
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    h ^= h >> 29; // FNV's low bits are weak; the table index uses them
    return h * 0xbf58476d1ce4e5b9ull ^ (h >> 32);
}

// Maps string views (which must outlive the map) to int32 values.
class StringIdMap {
public:
    void reserve(size_t n) {
        // Load factor 1/3..2/3: short probe chains without doubling the (cache-missing) table.
        const size_t cap = std::bit_ceil(n + n / 2 + 16);
        m_slots.assign(cap, Slot{});
        m_mask = cap - 1;
        m_size = 0;
    }
    // Inserts or overwrites.
    void set(std::string_view key, int32_t value) { set(key, value, hashBytes(key)); }
    void set(std::string_view key, int32_t value, uint64_t h) {
        if ((m_size + 1) * 3 > m_slots.size() * 2) grow();
        Slot& s = find(key, h);
        if (s.value < 0) ++m_size;
        s.key = key;
        s.value = value;
        s.tag = uint32_t(h >> 32);
    }
    // -1 when absent.
    int32_t get(std::string_view key) const { return get(key, hashBytes(key)); }
    // With the key's hashBytes() already computed (see prefetch()).
    int32_t get(std::string_view key, uint64_t hash) const {
        if (m_slots.empty()) return -1;
        return const_cast<StringIdMap*>(this)->find(key, hash).value;
    }
    // Loading a big vocabulary is bound by cache misses on random slots: callers that know the
    // next keys prefetch their slots to overlap the misses.
    void prefetch(uint64_t hash) const {
        if (!m_slots.empty()) __builtin_prefetch(&m_slots[hash & m_mask]);
    }
    size_t size() const { return m_size; }

private:
    struct Slot {
        std::string_view key;
        int32_t value = -1; // -1 marks an empty slot (stored values are never negative)
        uint32_t tag = 0;   // high hash bits: most mismatches never touch the key's bytes
    };
    Slot& find(std::string_view key, uint64_t h) {
        const uint32_t tag = uint32_t(h >> 32);
        for (size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            Slot& s = m_slots[i];
            if (s.value < 0 || (s.tag == tag && s.key == key)) return s;
        }
    }
    void grow() {
        std::vector<Slot> old;
        old.swap(m_slots);
        reserve(old.size() * 2);
        for (const Slot& s : old) {
            if (s.value >= 0) set(s.key, s.value);
        }
    }
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
    size_t m_size = 0;
};

// Maps a pair of token ids to the merge's rank and the id of the merged symbol.
class MergeMap {
public:
    struct Merge {
        int32_t rank = -1; // -1: no such merge
        int32_t result = -1;
    };
    // Must be called with the number of merges before add() (the table never grows).
    void reserve(size_t n) {
        const size_t cap = std::bit_ceil(n + n / 2 + 16);
        m_slots.assign(cap, Slot{});
        m_mask = cap - 1;
    }
    // Keeps the first merge for a pair (the one with the best rank), as llama.cpp does.
    void add(int32_t left, int32_t right, Merge merge) {
        const uint64_t key = packKey(left, right);
        Slot& s = find(key);
        if (s.merge.rank >= 0) return;
        s.key = key;
        s.merge = merge;
    }
    void prefetch(int32_t left, int32_t right) const {
        if (!m_slots.empty()) __builtin_prefetch(&m_slots[index(packKey(left, right))]);
    }
    Merge get(int32_t left, int32_t right) const {
        if (m_slots.empty()) return {};
        return const_cast<MergeMap*>(this)->find(packKey(left, right)).merge;
    }

private:
    struct Slot {
        uint64_t key = 0;
        Merge merge;
    };
    static uint64_t packKey(int32_t l, int32_t r) {
        return (uint64_t(uint32_t(l)) << 32) | uint32_t(r);
    }
    size_t index(uint64_t key) const {
        const uint64_t h = key * 0x9e3779b97f4a7c15ull;
        return (h ^ (h >> 32)) & m_mask;
    }
    Slot& find(uint64_t key) {
        for (size_t i = index(key);; i = (i + 1) & m_mask) {
            Slot& s = m_slots[i];
            if (s.merge.rank < 0 || s.key == key) return s;
        }
    }
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
};

} // namespace fabulist::inference
