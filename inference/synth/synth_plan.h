#pragma once
// Which tensors a synthetic model has (names and shapes exactly as llama.cpp expects them), the
// type each one gets in a given file type (llama-quantize's mixes), and the standard deviation
// its random weights are drawn with (the reference README's table, which keeps activations
// near unit size).

#include "inference/quant/ggml_type.h"
#include "inference/synth/synth_shape.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

enum class SynthFileType {
    F32,
    F16,
    Q8_0,
    Q4_0,
    Q4_K_M,
    Q6_K,
    Q2_K,
    Q3_K_M,
    IQ4_NL,
    IQ4_XS,
    MXFP4_MOE
};

std::optional<SynthFileType> parseSynthFileType(std::string_view name); // "q4_k_m", "F16", ...
std::string_view synthFileTypeName(SynthFileType type);                 // "Q4_K_M"
uint32_t llamaFileTypeId(SynthFileType type); // general.file_type (llama_ftype)
bool isQuantized(SynthFileType type);

struct SynthTensor {
    std::string name;
    uint32_t nDims = 0;
    std::array<int64_t, 4> ne{1, 1, 1, 1};
    GgmlType type = GgmlType::F32;
    bool isNorm = false; // a norm's weight: drawn around `centre`, not 0
    float centre = 0.0f; // the draw's mean: 1 for norms (2 for gemma3's post-norms)
    float std = 0.0f;

    int64_t elementCount() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
};

// All tensors of `shape` with an nVocab-token vocabulary, in the order llama.cpp's converters
// write them, typed for `fileType`.
std::vector<SynthTensor> planSynthTensors(const SynthShape& shape, int64_t nVocab,
                                          SynthFileType fileType);

// llama-quantize's choice for one weight matrix (exposed for tests). `layer` is -1 outside the
// blocks; nGqa = query heads per KV head; nDim2 = the tensor's third size (experts, else 1).
GgmlType llamaQuantizeType(SynthFileType fileType, std::string_view name, int layer, int nLayer,
                           int nExpert, bool tiedOutput, int64_t rowLength, int nGqa = 1,
                           int64_t nDim2 = 1);

} // namespace fabulist::inference
