#include "inference/backend/cuda/cuda_buffer.h"

#include "inference/backend/cuda/cuda_device.h"

#include <cuda_runtime_api.h>

#include <string>
#include <utility>

namespace fabulist::inference::cuda {

DeviceBuffer::DeviceBuffer(uint64_t bytes) : m_size(bytes) {
    if (bytes == 0) return;
    const cudaError_t status = cudaMalloc(&m_data, bytes);
    if (status != cudaSuccess) {
        m_data = nullptr;
        throw CudaError("CUDA: cannot allocate " + std::to_string(bytes >> 20) +
                        " MiB of GPU memory (" + cudaGetErrorString(status) +
                        "); use a smaller context, --cpu-moe, or --device cpu");
    }
}

DeviceBuffer::~DeviceBuffer() {
    if (m_data) cudaFree(m_data);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : m_data(std::exchange(o.m_data, nullptr)), m_size(std::exchange(o.m_size, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
        if (m_data) cudaFree(m_data);
        m_data = std::exchange(o.m_data, nullptr);
        m_size = std::exchange(o.m_size, 0);
    }
    return *this;
}

PinnedBuffer::PinnedBuffer(uint64_t bytes) : m_size(bytes) {
    if (bytes == 0) return;
    cudaCheck(cudaMallocHost(&m_data, bytes), "cudaMallocHost (pinned staging memory)");
}

PinnedBuffer::~PinnedBuffer() {
    if (m_data) cudaFreeHost(m_data);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& o) noexcept
    : m_data(std::exchange(o.m_data, nullptr)), m_size(std::exchange(o.m_size, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& o) noexcept {
    if (this != &o) {
        if (m_data) cudaFreeHost(m_data);
        m_data = std::exchange(o.m_data, nullptr);
        m_size = std::exchange(o.m_size, 0);
    }
    return *this;
}

} // namespace fabulist::inference::cuda
