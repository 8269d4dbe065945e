#pragma once
// Deterministic normal numbers for synthetic weights. Every tensor gets its own stream, seeded
// by (seed, CRC-32 of its name) like the reference models, so a tensor's values do not depend
// on which other tensors the file holds or on the order they are generated in.

#include <cstdint>
#include <string_view>

namespace fabulist::inference {

uint32_t crc32(std::string_view bytes);

// xoshiro256** seeded through splitmix64; normals by the Box-Muller transform.
class NormalStream {
public:
    NormalStream(uint64_t seed, std::string_view tensorName);
    // Skips to the start of row `row` of a tensor whose rows hold rowLength values, so rows can
    // be generated in any order (and by several threads) with the same result.
    static NormalStream forRow(uint64_t seed, std::string_view tensorName, int64_t row);

    double nextNormal();
    void fill(float* out, int64_t n, float mean, float stddev);

private:
    explicit NormalStream(uint64_t mixedSeed);
    uint64_t nextU64();

    uint64_t m_s[4];
    double m_spare = 0.0;
    bool m_hasSpare = false;
};

} // namespace fabulist::inference
