#pragma once
// Helpers shared by the tests that compare quantized tensors of llama-quantize's files with
// their F32 originals (quant_reference_models_test, quant_lowbit_reference_test).

#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"

#include <cmath>
#include <vector>

namespace fabulist::test {

// Every element of a tensor of any supported type, as floats.
inline std::vector<float> dequantizeTensor(const inference::GgufTensorInfo& t) {
    std::vector<float> out(static_cast<size_t>(t.elementCount()));
    const size_t rowBytes = inference::ggmlRowBytes(t.type, t.ne[0]);
    for (int64_t r = 0; r < t.rowCount(); ++r)
        inference::dequantizeRow(t.type, t.data + r * rowBytes, out.data() + r * t.ne[0],
                                 t.ne[0]);
    return out;
}

// sqrt(sum (ref - got)^2 / sum ref^2).
inline double relativeRmsError(const std::vector<float>& ref, const std::vector<float>& got) {
    double e = 0, r = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        e += double(ref[i] - got[i]) * (ref[i] - got[i]);
        r += double(ref[i]) * ref[i];
    }
    return std::sqrt(e / r);
}

} // namespace fabulist::test
