#pragma once
// Tensor element types as numbered in the GGUF format (ggml's enum ggml_type), and their
// block layout. Only the types listed in GgmlType are supported by Fabulist.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fabulist::inference {

enum class GgmlType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9, // activation-only type (never a weight here)
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15, // activation-only type (never a weight here)
    IQ4_NL = 20,
    IQ4_XS = 23,
    BF16 = 30,
    MXFP4 = 39,
};

struct GgmlTypeTraits {
    GgmlType type;
    std::string_view name; // "F32", "Q4_K", ... as llama.cpp prints them
    uint32_t blockSize;    // elements per block (1 for float types)
    uint32_t blockBytes;   // bytes per block
};

// Traits of a raw type id read from a file; nullptr when Fabulist does not support it.
const GgmlTypeTraits* ggmlTypeTraits(uint32_t rawType);
const GgmlTypeTraits& ggmlTypeTraits(GgmlType type);

// Bytes of one row of n elements; n must be a multiple of the block size (callers validate).
size_t ggmlRowBytes(GgmlType type, int64_t n);

// ggml's name for a raw type id, also for ids Fabulist does not support ("IQ2_XS", "NVFP4");
// empty for an id ggml does not know either.
std::string_view ggmlTypeNameOfId(uint32_t rawType);
// The weight types Fabulist reads, as one line: "F32, F16, BF16, Q4_0, ... and MXFP4".
std::string supportedWeightTypeList();

} // namespace fabulist::inference
