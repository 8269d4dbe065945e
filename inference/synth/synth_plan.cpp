#include "inference/synth/synth_plan.h"

#include "inference/synth/synth_plan_blocks.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

namespace fabulist::inference {

namespace {

bool contains(std::string_view s, std::string_view part) {
    return s.find(part) != std::string_view::npos;
}

GgmlType baseType(SynthFileType t) {
    switch (t) {
    case SynthFileType::F32:
        return GgmlType::F32;
    case SynthFileType::F16:
        return GgmlType::F16;
    case SynthFileType::Q8_0:
        return GgmlType::Q8_0;
    case SynthFileType::Q4_0:
        return GgmlType::Q4_0;
    case SynthFileType::Q4_K_M:
        return GgmlType::Q4_K;
    case SynthFileType::Q6_K:
        return GgmlType::Q6_K;
    case SynthFileType::Q2_K:
        return GgmlType::Q2_K;
    case SynthFileType::Q3_K_M:
        return GgmlType::Q3_K;
    case SynthFileType::IQ4_NL:
        return GgmlType::IQ4_NL;
    case SynthFileType::IQ4_XS:
        return GgmlType::IQ4_XS;
    case SynthFileType::MXFP4_MOE:
        return GgmlType::MXFP4;
    }
    return GgmlType::F32;
}

constexpr SynthFileType kFileTypes[] = {
    SynthFileType::F32,    SynthFileType::F16,    SynthFileType::Q8_0,     SynthFileType::Q4_0,
    SynthFileType::Q4_K_M, SynthFileType::Q6_K,   SynthFileType::Q2_K,     SynthFileType::Q3_K_M,
    SynthFileType::IQ4_NL, SynthFileType::IQ4_XS, SynthFileType::MXFP4_MOE};

// llama.cpp's "use more bits" layer pattern for Q4_K_M/Q5_K_M: the first and last eighth of the
// layers and every third layer in between.
bool useMoreBits(int i, int n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

bool rowFits(GgmlType type, int64_t rowLength) {
    return rowLength % ggmlTypeTraits(type).blockSize == 0;
}

// llama-quantize's fallback when a row does not split into whole blocks of the chosen type.
GgmlType fallback(GgmlType type, int64_t rowLength) {
    if (rowFits(type, rowLength)) return type;
    GgmlType alternative = GgmlType::F16;
    switch (type) {
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::IQ4_XS:
        alternative = GgmlType::IQ4_NL;
        break;
    case GgmlType::Q4_K:
        alternative = GgmlType::Q5_0;
        break;
    case GgmlType::Q5_K:
        alternative = GgmlType::Q5_1;
        break;
    case GgmlType::Q6_K:
        alternative = GgmlType::Q8_0;
        break;
    default:
        break;
    }
    return rowFits(alternative, rowLength) ? alternative : GgmlType::F16;
}


} // namespace

std::optional<SynthFileType> parseSynthFileType(std::string_view name) {
    std::string upper;
    for (char c : name) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (SynthFileType t : kFileTypes)
        if (synthFileTypeName(t) == upper) return t;
    return std::nullopt;
}

std::string_view synthFileTypeName(SynthFileType type) {
    switch (type) {
    case SynthFileType::F32:
        return "F32";
    case SynthFileType::F16:
        return "F16";
    case SynthFileType::Q8_0:
        return "Q8_0";
    case SynthFileType::Q4_0:
        return "Q4_0";
    case SynthFileType::Q4_K_M:
        return "Q4_K_M";
    case SynthFileType::Q6_K:
        return "Q6_K";
    case SynthFileType::Q2_K:
        return "Q2_K";
    case SynthFileType::Q3_K_M:
        return "Q3_K_M";
    case SynthFileType::IQ4_NL:
        return "IQ4_NL";
    case SynthFileType::IQ4_XS:
        return "IQ4_XS";
    case SynthFileType::MXFP4_MOE:
        return "MXFP4_MOE";
    }
    return "?";
}

uint32_t llamaFileTypeId(SynthFileType type) {
    switch (type) {
    case SynthFileType::F32:
        return 0;
    case SynthFileType::F16:
        return 1;
    case SynthFileType::Q4_0:
        return 2;
    case SynthFileType::Q8_0:
        return 7;
    case SynthFileType::Q4_K_M:
        return 15;
    case SynthFileType::Q6_K:
        return 18;
    case SynthFileType::Q2_K:
        return 10;
    case SynthFileType::Q3_K_M:
        return 12;
    case SynthFileType::IQ4_NL:
        return 25;
    case SynthFileType::IQ4_XS:
        return 30;
    case SynthFileType::MXFP4_MOE:
        return 38;
    }
    return 0;
}

bool isQuantized(SynthFileType type) {
    return type != SynthFileType::F32 && type != SynthFileType::F16;
}

GgmlType llamaQuantizeType(SynthFileType fileType, std::string_view name, int layer, int nLayer,
                           int nExpert, bool tiedOutput, int64_t rowLength, int nGqa,
                           int64_t nDim2) {
    const GgmlType base = baseType(fileType);
    if (!isQuantized(fileType)) return base;
    using F = SynthFileType;
    const bool q4km = fileType == F::Q4_K_M;
    const bool iq4 = fileType == F::IQ4_NL || fileType == F::IQ4_XS;
    GgmlType type = base;
    const bool isOutput = name == "output.weight" || (tiedOutput && name == "token_embd.weight");
    if (isOutput) {
        // The output matrix gets Q6_K unless the file is Q8_0 or MXFP4_MOE (or rows do not fit).
        if (fileType == F::MXFP4_MOE || !rowFits(base, rowLength))
            type = GgmlType::Q8_0;
        else if (base != GgmlType::Q8_0)
            type = GgmlType::Q6_K;
    } else if (fileType == F::MXFP4_MOE) {
        // Expert tensors MXFP4, everything else Q8_0.
        type = nDim2 > 1 ? GgmlType::MXFP4 : GgmlType::Q8_0;
    } else if (name == "token_embd.weight") {
        type = base;
    } else if (contains(name, "attn_v.weight")) {
        // llama.cpp counts attn_v tensors, one per layer here.
        if (fileType == F::Q2_K)
            type = nGqa >= 4 ? GgmlType::Q4_K : GgmlType::Q3_K;
        else if (fileType == F::Q3_K_M)
            type = layer < 2 ? GgmlType::Q5_K : GgmlType::Q4_K;
        else if (iq4 && nGqa >= 4)
            type = GgmlType::Q5_K;
        else if (q4km && useMoreBits(layer, nLayer))
            type = GgmlType::Q6_K;
        // llama.cpp bumps attn_k/attn_v of exactly-8-expert models (Mixtral) to Q8_0.
        if (nExpert == 8) type = GgmlType::Q8_0;
    } else if (contains(name, "attn_k.weight")) {
        if (nExpert == 8) type = GgmlType::Q8_0;
    } else if (contains(name, "ffn_down")) {
        if (fileType == F::Q2_K)
            type = GgmlType::Q3_K;
        else if (fileType == F::Q3_K_M)
            type = layer < nLayer / 16 ? GgmlType::Q5_K : GgmlType::Q4_K;
        else if (q4km && useMoreBits(layer, nLayer))
            type = GgmlType::Q6_K;
        else if (iq4 && layer < nLayer / 8) // without an importance matrix
            type = GgmlType::Q5_K;
    } else if (contains(name, "attn_output.weight")) {
        if (nExpert == 8) {
            if (q4km || iq4 || fileType == F::Q2_K || fileType == F::Q3_K_M) type = GgmlType::Q5_K;
        } else if (fileType == F::Q2_K) {
            type = GgmlType::Q3_K;
        } else if (fileType == F::Q3_K_M) {
            type = GgmlType::Q4_K;
        }
    }
    return fallback(type, rowLength);
}

std::vector<SynthTensor> planSynthTensors(const SynthShape& s, int64_t nVocab,
                                          SynthFileType fileType) {
    const bool mla = s.mla.kvLoraRank > 0;
    if (s.nLayer <= 0 || s.nEmbd <= 0 || s.nHead <= 0 || s.nHeadKv <= 0 ||
        (!mla && s.headDim <= 0) || s.nFf <= 0 || nVocab <= 0)
        throw std::invalid_argument("synth: shape '" + s.name + "' has a zero size");
    std::vector<SynthTensor> out;
    SynthPlanBuilder plan(s, fileType, out);
    plan.weight("token_embd.weight", {s.nEmbd, nVocab}, s.embdStd, -1);
    plan.f32("output_norm.weight", {s.nEmbd}, 0.1f, true);
    if (!s.tiedOutput) plan.weight("output.weight", {s.nEmbd, nVocab}, s.outputStd, -1);
    for (int l = 0; l < s.nLayer; ++l) plan.block(l);
    return out;
}

} // namespace fabulist::inference
