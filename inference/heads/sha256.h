#pragma once
// SHA-256 (FIPS 180-4), small and dependency-free. Head adapters record the SHA-256 of their
// base model's output head so an adapter trained for one model is never applied to another.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace fabulist::inference {

class Sha256 {
public:
    // Uses the x86 SHA extensions when the CPU has them (hashing a model's output head is
    // several hundred MB), unless allowAcceleration is false (tests compare both paths).
    explicit Sha256(bool allowAcceleration = true);
    static bool accelerationAvailable();
    void update(const void* data, size_t size);
    // The digest of everything given so far. The object must not be updated afterwards.
    std::array<uint8_t, 32> finish();

    // Lower-case hex digest of one buffer.
    static std::string hex(const void* data, size_t size);
    static std::string toHex(const std::array<uint8_t, 32>& digest);

private:
    void compress(const uint8_t* blocks, size_t count);

    std::array<uint32_t, 8> m_state;
    std::array<uint8_t, 64> m_buffer{};
    size_t m_buffered = 0;
    uint64_t m_totalBytes = 0;
    bool m_accelerated = false;
};

} // namespace fabulist::inference
