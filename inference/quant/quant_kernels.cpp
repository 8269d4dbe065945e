// Kernel selection: one table per ISA level, built once; the best level the CPU supports wins.

#include "inference/quant/quant_kernels.h"

#include "inference/quant/quant_internal.h"

#include <array>
#include <stdexcept>
#include <string>

namespace fabulist::inference {

using namespace quant;

namespace {

constexpr std::array kWeightTypes = {
    GgmlType::F32,  GgmlType::F16,    GgmlType::BF16,   GgmlType::Q4_0,
    GgmlType::Q4_1, GgmlType::Q5_0,   GgmlType::Q5_1,   GgmlType::Q8_0,
    GgmlType::Q2_K, GgmlType::Q3_K,   GgmlType::Q4_K,   GgmlType::Q5_K,
    GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4};
constexpr int kIsaCount = 3;

ActQuantFn activationQuantizer(GgmlType vecDotType) {
    switch (vecDotType) {
    case GgmlType::F32:
        return quantizeActF32;
    case GgmlType::F16:
        return quantizeActF16;
    case GgmlType::Q8_0:
        return quantizeActQ8_0;
    case GgmlType::Q8_1:
        return quantizeActQ8_1;
    case GgmlType::Q8_K:
        return quantizeActQ8_K;
    default:
        return nullptr;
    }
}

bool cpuHas(QuantIsa isa) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                      __builtin_cpu_supports("f16c");
    switch (isa) {
    case QuantIsa::Scalar:
        return true;
    case QuantIsa::Avx2:
        return avx2;
    case QuantIsa::Avx512:
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vnni");
    }
    return false;
#else
    return isa == QuantIsa::Scalar;
#endif
}

struct Tables {
    // [isa][index in kWeightTypes]
    QuantKernels kernels[kIsaCount][kWeightTypes.size()];
    bool available[kIsaCount];

    Tables() {
        for (int isa = 0; isa < kIsaCount; ++isa) {
            available[isa] = cpuHas(static_cast<QuantIsa>(isa));
            for (size_t t = 0; t < kWeightTypes.size(); ++t) {
                const GgmlType w = kWeightTypes[t];
                const GgmlType v = vecDotTypeOf(w);
                QuantKernels k{w, v, activationQuantizer(v), vecDotScalar(w), "scalar", nullptr};
                if (isa >= 1 && available[isa]) {
                    if (VecDotFn f = vecDotAvx2(w)) {
                        k.vecDot = f;
                        k.isa = "avx2";
                    }
                    if (ActQuantFn q = activationQuantizerAvx2(v)) k.quantizeActivations = q;
                }
                if (isa >= 2 && available[isa])
                    if (VecDotFn f = vecDotAvx512(w)) {
                        k.vecDot = f;
                        k.isa = "avx512";
                        k.vecDotCols = vecDotColsAvx512(w);
                    }
                kernels[isa][t] = k;
            }
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

int typeIndex(GgmlType type) {
    for (size_t i = 0; i < kWeightTypes.size(); ++i)
        if (kWeightTypes[i] == type) return static_cast<int>(i);
    return -1;
}

} // namespace

GgmlType vecDotTypeOf(GgmlType weightType) {
    switch (weightType) {
    case GgmlType::F32:
    case GgmlType::BF16:
        return GgmlType::F32;
    case GgmlType::F16:
        return GgmlType::F16;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL:
    case GgmlType::MXFP4:
        return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
        return GgmlType::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_XS:
        return GgmlType::Q8_K;
    default:
        throw std::invalid_argument("no vec-dot kernels for ggml type id " +
                                    std::to_string(static_cast<uint32_t>(weightType)));
    }
}

bool quantIsaAvailable(QuantIsa isa) {
    return tables().available[static_cast<int>(isa)];
}

const QuantKernels* quantKernelsFor(GgmlType weightType, QuantIsa isa) {
    const int t = typeIndex(weightType);
    if (t < 0)
        throw std::invalid_argument("no vec-dot kernels for ggml type id " +
                                    std::to_string(static_cast<uint32_t>(weightType)));
    const Tables& tab = tables();
    return tab.available[static_cast<int>(isa)] ? &tab.kernels[static_cast<int>(isa)][t] : nullptr;
}

const QuantKernels& quantKernels(GgmlType weightType) {
    for (int isa = kIsaCount - 1; isa >= 0; --isa)
        if (const QuantKernels* k = quantKernelsFor(weightType, static_cast<QuantIsa>(isa)))
            return *k;
    throw std::logic_error("scalar kernels are always available");
}

size_t activationBytes(GgmlType weightType, int64_t n) {
    return ggmlRowBytes(vecDotTypeOf(weightType), n);
}

} // namespace fabulist::inference
