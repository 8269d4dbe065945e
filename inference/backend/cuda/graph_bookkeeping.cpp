#include "inference/backend/cuda/graph_bookkeeping.h"

#include <algorithm>

namespace fabulist::inference::cuda {

GraphBookkeeping::GraphBookkeeping(int captureAt, size_t slots, size_t remembered)
    : m_captureAt(std::max(1, captureAt)), m_remembered(std::max<size_t>(1, remembered)),
      m_slots(std::max<size_t>(1, slots)) {}

uint64_t GraphBookkeeping::hashOf(std::span<const uint64_t> words) {
    uint64_t h = 1469598103934665603ull; // FNV-1a over the words
    for (uint64_t w : words) h = (h ^ w) * 1099511628211ull;
    return h ^ words.size();
}

GraphBookkeeping::Seen& GraphBookkeeping::sighting(uint64_t hash,
                                                   std::span<const uint64_t> words) {
    for (Seen& s : m_seen)
        if (s.hash == hash && std::equal(s.words.begin(), s.words.end(), words.begin(), words.end()))
            return s;
    if (m_seen.size() < m_remembered) return m_seen.emplace_back(Seen{hash, {words.begin(), words.end()}});
    Seen& oldest = *std::min_element(m_seen.begin(), m_seen.end(),
                                     [](const Seen& a, const Seen& b) { return a.lastUse < b.lastUse; });
    oldest = Seen{hash, {words.begin(), words.end()}};
    return oldest;
}

size_t GraphBookkeeping::freeSlot() {
    for (size_t i = 0; i < m_slots.size(); ++i)
        if (!m_slots[i].captured) return i;
    const auto lru = std::min_element(m_slots.begin(), m_slots.end(), [](const Slot& a, const Slot& b) {
        return a.lastUse < b.lastUse;
    });
    return size_t(lru - m_slots.begin());
}

GraphBookkeeping::Decision GraphBookkeeping::decide(std::span<const uint64_t> words) {
    const uint64_t hash = hashOf(words), now = ++m_clock;
    for (size_t i = 0; i < m_slots.size(); ++i) {
        Slot& s = m_slots[i];
        if (s.captured && s.hash == hash &&
            std::equal(s.words.begin(), s.words.end(), words.begin(), words.end())) {
            s.lastUse = now;
            ++m_replays;
            return {Action::Replay, i};
        }
    }
    Seen& seen = sighting(hash, words);
    seen.lastUse = now;
    if (seen.uncapturable || ++seen.sightings < m_captureAt) {
        ++m_eager;
        return {Action::RunEagerly, 0};
    }
    const size_t slot = freeSlot();
    m_slots[slot] = Slot{true, hash, {words.begin(), words.end()}, now};
    seen.sightings = 0; // a graph evicted later is captured again after as many sightings
    ++m_captures;
    return {Action::Capture, slot};
}

void GraphBookkeeping::captureFailed(size_t slot) {
    Slot& s = m_slots[slot];
    if (!s.captured) return;
    for (Seen& seen : m_seen)
        if (seen.hash == s.hash && seen.words == s.words) seen.uncapturable = true;
    s = Slot{};
}

std::vector<size_t> GraphBookkeeping::invalidate() {
    std::vector<size_t> held;
    for (size_t i = 0; i < m_slots.size(); ++i)
        if (m_slots[i].captured) held.push_back(i);
    std::fill(m_slots.begin(), m_slots.end(), Slot{});
    m_seen.clear();
    return held;
}

} // namespace fabulist::inference::cuda
