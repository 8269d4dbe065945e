#pragma once
// The text the kill-test writer saves for (round, sequence number): deterministic, so the test
// can tell exactly what every acknowledged save must have stored. Lengths vary from a line to
// a few pages so that saves cross page and WAL-frame boundaries.

#include <cstdint>
#include <string>

namespace fabulist::storage::test {

inline std::string killSaveText(uint64_t round, uint64_t sequence) {
    static const char* const kWords[] = {"tide",  "clock", "salt",   "brass", "harbour", "wall",
                                         "storm", "girl",  "keeper", "lamp",  "night",   "moon"};
    std::string text = "save " + std::to_string(round) + " " + std::to_string(sequence) + "\n";
    uint64_t state = round * 1'000'003u + sequence * 7'919u + 1;
    const uint64_t words = 5 + (sequence * 37 + round * 11) % 900;
    for (uint64_t i = 0; i < words; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        text += kWords[(state >> 33) % 12];
        text += (i % 16 == 15) ? '\n' : ' ';
    }
    return text;
}

} // namespace fabulist::storage::test
