#include "inference/synth/synth_random.h"

#include <cmath>

namespace fabulist::inference {

namespace {

uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

} // namespace

uint32_t crc32(std::string_view bytes) {
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char c : bytes) {
        crc ^= c;
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

NormalStream::NormalStream(uint64_t mixedSeed) {
    uint64_t state = mixedSeed;
    for (uint64_t& s : m_s) s = splitmix64(state);
}

NormalStream::NormalStream(uint64_t seed, std::string_view tensorName)
    : NormalStream((seed << 32) ^ crc32(tensorName)) {}

NormalStream NormalStream::forRow(uint64_t seed, std::string_view tensorName, int64_t row) {
    // Rows get independent streams: the row index is mixed into the seed.
    uint64_t mixed = (seed << 32) ^ crc32(tensorName);
    mixed ^= 0xD6E8FEB86659FD93ull * static_cast<uint64_t>(row + 1);
    return NormalStream(mixed);
}

uint64_t NormalStream::nextU64() {
    const uint64_t result = rotl(m_s[1] * 5, 7) * 9;
    const uint64_t t = m_s[1] << 17;
    m_s[2] ^= m_s[0];
    m_s[3] ^= m_s[1];
    m_s[1] ^= m_s[2];
    m_s[0] ^= m_s[3];
    m_s[2] ^= t;
    m_s[3] = rotl(m_s[3], 45);
    return result;
}

double NormalStream::nextNormal() {
    if (m_hasSpare) {
        m_hasSpare = false;
        return m_spare;
    }
    // u1 in (0, 1], u2 in [0, 1): 53-bit uniforms.
    const double u1 = (static_cast<double>(nextU64() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = static_cast<double>(nextU64() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double theta = 6.283185307179586 * u2;
    m_spare = r * std::sin(theta);
    m_hasSpare = true;
    return r * std::cos(theta);
}

void NormalStream::fill(float* out, int64_t n, float mean, float stddev) {
    for (int64_t i = 0; i < n; ++i) out[i] = mean + stddev * static_cast<float>(nextNormal());
}

} // namespace fabulist::inference
