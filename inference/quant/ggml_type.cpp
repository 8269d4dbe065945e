#include "inference/quant/ggml_type.h"

#include <stdexcept>
#include <string>

namespace fabulist::inference {

namespace {

// Block layouts are ggml's (ggml-common.h): the byte counts are part of the GGUF format.
constexpr GgmlTypeTraits kTraits[] = {
    {GgmlType::F32, "F32", 1, 4},
    {GgmlType::F16, "F16", 1, 2},
    {GgmlType::Q4_0, "Q4_0", 32, 2 + 16},
    {GgmlType::Q4_1, "Q4_1", 32, 2 + 2 + 16},
    {GgmlType::Q5_0, "Q5_0", 32, 2 + 4 + 16},
    {GgmlType::Q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    {GgmlType::Q8_0, "Q8_0", 32, 2 + 32},
    {GgmlType::Q8_1, "Q8_1", 32, 2 + 2 + 32},
    {GgmlType::Q4_K, "Q4_K", 256, 2 + 2 + 12 + 128},
    {GgmlType::Q5_K, "Q5_K", 256, 2 + 2 + 12 + 32 + 128},
    {GgmlType::Q6_K, "Q6_K", 256, 128 + 64 + 16 + 2},
    {GgmlType::Q8_K, "Q8_K", 256, 4 + 256 + 16 * 2},
    {GgmlType::BF16, "BF16", 1, 2},
};

} // namespace

const GgmlTypeTraits* ggmlTypeTraits(uint32_t rawType) {
    for (const auto& t : kTraits)
        if (static_cast<uint32_t>(t.type) == rawType) return &t;
    return nullptr;
}

const GgmlTypeTraits& ggmlTypeTraits(GgmlType type) {
    const GgmlTypeTraits* t = ggmlTypeTraits(static_cast<uint32_t>(type));
    if (!t)
        throw std::invalid_argument("unsupported ggml type id " +
                                    std::to_string(static_cast<uint32_t>(type)));
    return *t;
}

size_t ggmlRowBytes(GgmlType type, int64_t n) {
    const GgmlTypeTraits& t = ggmlTypeTraits(type);
    return static_cast<size_t>(n / t.blockSize) * t.blockBytes;
}

} // namespace fabulist::inference
