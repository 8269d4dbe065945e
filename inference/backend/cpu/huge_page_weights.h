#pragma once
// The CPU backend's weights in 2 MiB pages. Decode reads every active weight once per token;
// read through the file's mapping (4 KiB pages) each 4 KiB costs a TLB walk the prefetches
// cannot hide. Copied into anonymous memory that asks for transparent huge pages, the same
// kernels decode a 4 GiB MoE 25-30 % faster (README, "Measured numbers"). The copy is made only
// when the weights fit in the memory the kernel says is available, beside the KV cache and a
// margin; otherwise the weights stay in the mapping, as before.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fabulist::inference {

struct HugePageRequest {
    uint64_t weightBytes = 0;    // every tensor the model may upload
    uint64_t reservedBytes = 0;  // the KV cache and scratch
    uint64_t availableBytes = 0; // MemAvailable
    std::string_view thpMode;    // transparent_hugepage/enabled's choice: always, madvise, never
    bool turnedOff = false;      // FABULIST_HUGE_PAGES=0
    bool forced = false;         // FABULIST_HUGE_PAGES=1: small models too (tests, measuring)
};

struct HugePagePlan {
    bool copy = false;
    std::string reason; // why not, when copy is false
};

// Below this the weights fit the TLB's reach well enough that a copy buys nothing.
inline constexpr uint64_t kHugePageMinWeightBytes = 64ull << 20;

HugePagePlan planHugePageWeights(const HugePageRequest& request);

// MemAvailable from /proc/meminfo (0 if unreadable) and the bracketed choice of
// /sys/kernel/mm/transparent_hugepage/enabled ("" if the kernel has no THP).
uint64_t memAvailableBytes();
std::string transparentHugePageMode();

// Takes the whole pages inside [data, data + bytes) of a read-only file mapping out of the
// resident set once they are copied (the page cache keeps them while memory allows), so the
// process is not counted twice for its weights.
void dropMappedPages(const void* data, uint64_t bytes);

// One reserved range of address space, 2 MiB aligned, filled front to back; pages become
// resident as they are written.
class HugePageArena {
public:
    HugePageArena() = default;
    ~HugePageArena();
    HugePageArena(const HugePageArena&) = delete;
    HugePageArena& operator=(const HugePageArena&) = delete;

    // Reserves room for `bytes` (plus alignment); false if the address space is refused.
    bool reserve(uint64_t bytes);
    // Room for `bytes` at a 64-byte boundary, or nullptr when the reservation is used up.
    uint8_t* take(uint64_t bytes);
    uint64_t bytesTaken() const { return m_used; }
    // Bytes of the range the kernel backs with huge pages (AnonHugePages in smaps), -1 unknown.
    int64_t hugeBytes() const;

private:
    uint8_t* m_mapping = nullptr;
    uint8_t* m_base = nullptr;
    uint64_t m_mappingBytes = 0, m_capacity = 0, m_used = 0;
};

} // namespace fabulist::inference
