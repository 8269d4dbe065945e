// libFuzzer target: GGUF parsing plus every accessor a model loader uses. Any input must give a
// GgufFile or a GgufError; reads stay inside the input (ASan) and nothing overflows (UBSan).

#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"

#include <cstddef>
#include <cstdint>
#include <vector>

using namespace fabulist::inference;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::unique_ptr<GgufFile> f;
    try {
        f = GgufFile::openMemory(data, size, "fuzz-input");
    } catch (const GgufError&) {
        return 0;
    }
    for (const std::string& key : f->keys()) {
        try {
            switch (*f->typeOf(key)) {
            case GgufValueType::String:
                (void)f->getString(key);
                break;
            case GgufValueType::Bool:
                (void)f->getBool(key);
                break;
            case GgufValueType::F32:
            case GgufValueType::F64:
                (void)f->getFloat(key);
                break;
            case GgufValueType::Array:
                if (f->arrayElementType(key) == GgufValueType::String)
                    (void)f->getStringArray(key);
                else
                    (void)f->getFloatArray(key), (void)f->getIntArray(key);
                break;
            default:
                (void)f->getInt(key), (void)f->getUInt(key);
            }
        } catch (const GgufError&) {
            // out-of-range conversions are reported, not crashes
        }
    }
    // Touch every tensor's first and last byte and decode its first row (bounded), so a wrong
    // size or offset would read outside the input.
    std::vector<float> row;
    for (const GgufTensorInfo& t : f->tensors()) {
        volatile uint8_t sink = t.data[0];
        sink = t.data[t.nbytes - 1];
        (void)sink;
        if (t.ne[0] <= 4096) {
            row.resize(static_cast<size_t>(t.ne[0]));
            dequantizeRow(t.type, t.data, row.data(), t.ne[0]);
        }
    }
    return 0;
}
