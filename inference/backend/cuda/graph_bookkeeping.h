#pragma once
// When the CUDA backend captures a CUDA graph, and which captured graph replays a pending op
// list. Pure C++ (no CUDA), so CI tests it without a GPU; cuda_backend.cpp owns the graphs.
//
// The backend describes every op it defers as words (kernel, device pointers, sizes: never the
// values that change per decode step, which live in device memory written by the graph's first
// copy). At a sync point it asks decide() with the whole list's words: a list seen for the first
// time runs eagerly (a prompt is seldom repeated); the second time it is captured into a graph
// in a slot; from then on that graph replays. Slots are few and reused least recently used
// first. invalidate() forgets every graph, for when a buffer a graph may address is freed.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fabulist::inference::cuda {

class GraphBookkeeping {
public:
    enum class Action { RunEagerly, Capture, Replay };
    struct Decision {
        Action action = Action::RunEagerly;
        size_t slot = 0; // Capture: where the new graph goes (destroy what was there); Replay
    };

    // captureAt: the sighting that captures (2: the first repeat); slots: graphs kept.
    explicit GraphBookkeeping(int captureAt = 2, size_t slots = 16, size_t remembered = 64);

    Decision decide(std::span<const uint64_t> words);
    // Capture failed (or the caller could not use the graph): the slot is empty again and the
    // list runs eagerly from now on.
    void captureFailed(size_t slot);
    // Forgets every graph and sighting; returns the slots that held a graph (to destroy).
    std::vector<size_t> invalidate();

    size_t slotCount() const { return m_slots.size(); }
    bool occupied(size_t slot) const { return m_slots[slot].captured; }
    uint64_t captures() const { return m_captures; }
    uint64_t replays() const { return m_replays; }
    uint64_t eagerRuns() const { return m_eager; }

private:
    struct Seen {
        uint64_t hash = 0;
        std::vector<uint64_t> words;
        int sightings = 0;
        bool uncapturable = false;
        uint64_t lastUse = 0;
    };
    struct Slot {
        bool captured = false;
        uint64_t hash = 0;
        std::vector<uint64_t> words;
        uint64_t lastUse = 0;
    };
    static uint64_t hashOf(std::span<const uint64_t> words);
    Seen& sighting(uint64_t hash, std::span<const uint64_t> words);
    size_t freeSlot();

    int m_captureAt;
    size_t m_remembered;
    std::vector<Slot> m_slots;
    std::vector<Seen> m_seen;
    uint64_t m_clock = 0, m_captures = 0, m_replays = 0, m_eager = 0;
};

} // namespace fabulist::inference::cuda
