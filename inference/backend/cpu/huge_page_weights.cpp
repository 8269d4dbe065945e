#include "inference/backend/cpu/huge_page_weights.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace fabulist::inference {

namespace {

constexpr uint64_t kHugePage = 2ull << 20;
constexpr uint64_t kGiB = 1ull << 30;

std::string mib(uint64_t bytes) {
    return std::to_string((bytes + (1u << 19)) >> 20) + " MiB";
}

} // namespace

HugePagePlan planHugePageWeights(const HugePageRequest& r) {
    if (r.turnedOff) return {false, "turned off by FABULIST_HUGE_PAGES=0"};
    if (r.thpMode.empty() || r.thpMode == "never")
        return {false, "the kernel's transparent huge pages are off"};
    if (!r.forced && r.weightBytes < kHugePageMinWeightBytes)
        return {false, "small enough to read from the file"};
    // Room for the copy, the KV cache and the rest of the process; the file's page cache is
    // counted as available and gives way.
    const uint64_t margin = std::max(kGiB, r.weightBytes / 8);
    const uint64_t need = r.weightBytes + r.reservedBytes + margin;
    if (need > r.availableBytes)
        return {false, "a copy needs " + mib(need) + " with the KV cache, " +
                           mib(r.availableBytes) + " is available"};
    return {true, {}};
}

uint64_t memAvailableBytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return kib * 1024;
    }
    return 0;
}

std::string transparentHugePageMode() {
    std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    if (!std::getline(in, line)) return {};
    const size_t open = line.find('['), close = line.find(']');
    if (open == std::string::npos || close == std::string::npos || close < open) return {};
    return line.substr(open + 1, close - open - 1);
}

void dropMappedPages(const void* data, uint64_t bytes) {
    const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE)), a = reinterpret_cast<uintptr_t>(data);
    const uintptr_t first = (a + page - 1) & ~(page - 1), last = (a + bytes) & ~(page - 1);
    if (last > first) (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

HugePageArena::~HugePageArena() {
    if (m_mapping) ::munmap(m_mapping, m_mappingBytes);
}

bool HugePageArena::reserve(uint64_t bytes) {
    const uint64_t capacity = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    const uint64_t mappingBytes = capacity + kHugePage; // room to align the start
    void* p = ::mmap(nullptr, mappingBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    m_mapping = static_cast<uint8_t*>(p);
    m_mappingBytes = mappingBytes;
    m_base = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(p) + kHugePage - 1) &
                                        ~uintptr_t(kHugePage - 1));
    m_capacity = capacity;
    // Advice only: without it (THP "madvise") the pages stay 4 KiB; a refusal changes nothing
    // but speed.
    (void)::madvise(m_base, capacity, MADV_HUGEPAGE);
    return true;
}

uint8_t* HugePageArena::take(uint64_t bytes) {
    const uint64_t at = (m_used + 63) & ~uint64_t(63);
    if (!m_base || at + bytes > m_capacity) return nullptr;
    m_used = at + bytes;
    return m_base + at;
}

int64_t HugePageArena::hugeBytes() const {
    if (!m_base) return 0;
    std::ifstream smaps("/proc/self/smaps");
    if (!smaps) return -1;
    const uintptr_t lo = reinterpret_cast<uintptr_t>(m_mapping),
                    hi = lo + m_mappingBytes;
    std::string line;
    int64_t total = 0;
    bool inside = false;
    while (std::getline(smaps, line)) {
        uintptr_t a = 0, b = 0;
        if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &a, &b) == 2) { // a header
            inside = a < hi && b > lo; // the kernel may split the range by advice
            continue;
        }
        long long kib = 0;
        if (inside && std::sscanf(line.c_str(), "AnonHugePages: %lld kB", &kib) == 1)
            total += kib * 1024;
    }
    return total;
}

} // namespace fabulist::inference
