#pragma once
// Owned CUDA memory: device memory (cudaMalloc) and pinned host memory (cudaMallocHost, which
// asynchronous copies and copy nodes of a CUDA graph read at the time they run).

#include <cstdint>

namespace fabulist::inference::cuda {

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(uint64_t bytes); // throws CudaError when the device is out of memory
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& o) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* data() const { return m_data; }
    float* floats() const { return static_cast<float*>(m_data); }
    uint64_t size() const { return m_size; }

private:
    void* m_data = nullptr;
    uint64_t m_size = 0;
};

class PinnedBuffer {
public:
    PinnedBuffer() = default;
    explicit PinnedBuffer(uint64_t bytes);
    ~PinnedBuffer();
    PinnedBuffer(PinnedBuffer&& o) noexcept;
    PinnedBuffer& operator=(PinnedBuffer&& o) noexcept;
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;

    uint8_t* data() const { return static_cast<uint8_t*>(m_data); }
    uint64_t size() const { return m_size; }

private:
    void* m_data = nullptr;
    uint64_t m_size = 0;
};

} // namespace fabulist::inference::cuda
