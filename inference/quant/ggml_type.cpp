#include "inference/quant/ggml_type.h"

#include <iterator>
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
    {GgmlType::Q2_K, "Q2_K", 256, 16 + 64 + 2 + 2},
    {GgmlType::Q3_K, "Q3_K", 256, 32 + 64 + 12 + 2},
    {GgmlType::Q4_K, "Q4_K", 256, 2 + 2 + 12 + 128},
    {GgmlType::Q5_K, "Q5_K", 256, 2 + 2 + 12 + 32 + 128},
    {GgmlType::Q6_K, "Q6_K", 256, 128 + 64 + 16 + 2},
    {GgmlType::Q8_K, "Q8_K", 256, 4 + 256 + 16 * 2},
    {GgmlType::IQ4_NL, "IQ4_NL", 32, 2 + 16},
    {GgmlType::IQ4_XS, "IQ4_XS", 256, 2 + 2 + 4 + 128},
    {GgmlType::BF16, "BF16", 1, 2},
    {GgmlType::MXFP4, "MXFP4", 32, 1 + 16},
};

// ggml's type names by id (ggml.h), so that a refused file names what it holds. Ids 4, 5 and
// 31..33, 36..38 were removed from ggml; newer ids are added upstream over time.
constexpr std::string_view kGgmlNames[] = {
    "F32",   "F16",        "Q4_0",       "Q4_1",       "Q4_2",     "Q4_3",     "Q5_0",
    "Q5_1",  "Q8_0",       "Q8_1",       "Q2_K",       "Q3_K",     "Q4_K",     "Q5_K",
    "Q6_K",  "Q8_K",       "IQ2_XXS",    "IQ2_XS",     "IQ3_XXS",  "IQ1_S",    "IQ4_NL",
    "IQ3_S", "IQ2_S",      "IQ4_XS",     "I8",         "I16",      "I32",      "I64",
    "F64",   "IQ1_M",      "BF16",       "Q4_0_4_4",   "Q4_0_4_8", "Q4_0_8_8", "TQ1_0",
    "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4",    "NVFP4",    "Q1_0",
};
static_assert(kGgmlNames[39] == "MXFP4" && kGgmlNames[23] == "IQ4_XS");

// Activation-only types are in kTraits but never a tensor's type.
bool isWeightType(GgmlType t) {
    return t != GgmlType::Q8_1 && t != GgmlType::Q8_K;
}

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

std::string_view ggmlTypeNameOfId(uint32_t rawType) {
    return rawType < std::size(kGgmlNames) ? kGgmlNames[rawType] : std::string_view{};
}

std::string supportedWeightTypeList() {
    std::string list;
    int left = 0;
    for (const auto& t : kTraits) left += isWeightType(t.type);
    for (const auto& t : kTraits) {
        if (!isWeightType(t.type)) continue;
        --left;
        list += std::string(t.name) + (left > 1 ? ", " : left == 1 ? " and " : "");
    }
    return list;
}

size_t ggmlRowBytes(GgmlType type, int64_t n) {
    const GgmlTypeTraits& t = ggmlTypeTraits(type);
    return static_cast<size_t>(n / t.blockSize) * t.blockBytes;
}

} // namespace fabulist::inference
