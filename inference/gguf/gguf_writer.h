#pragma once
// Builds a GGUF v3 file: metadata of every type (arrays included) and tensors given as raw
// bytes in their ggml layout (or as floats to quantize). Used for synthetic models, head
// adapters and test files. write() is atomic: it writes a temporary file beside the target,
// fsyncs it and renames it over the target, so readers never see a half-written model.

#include "inference/gguf/gguf_file.h"
#include "inference/quant/ggml_type.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

class GgufWriter {
public:
    GgufWriter() = default;

    // Scalars. Setting a key that exists replaces its value and keeps its position.
    void setU8(std::string_view key, uint8_t v);
    void setI8(std::string_view key, int8_t v);
    void setU16(std::string_view key, uint16_t v);
    void setI16(std::string_view key, int16_t v);
    void setU32(std::string_view key, uint32_t v);
    void setI32(std::string_view key, int32_t v);
    void setU64(std::string_view key, uint64_t v);
    void setI64(std::string_view key, int64_t v);
    void setF32(std::string_view key, float v);
    void setF64(std::string_view key, double v);
    void setBool(std::string_view key, bool v);
    void setString(std::string_view key, std::string_view v);

    // Arrays. Numeric elements are given as raw little-endian values of elementType (Bool: one
    // byte 0 or 1 each); elementType must not be String or Array.
    void setArray(std::string_view key, GgufValueType elementType, const void* data,
                  uint64_t count);
    void setArray(std::string_view key, const std::vector<uint8_t>& v);
    void setArray(std::string_view key, const std::vector<int8_t>& v);
    void setArray(std::string_view key, const std::vector<uint16_t>& v);
    void setArray(std::string_view key, const std::vector<int16_t>& v);
    void setArray(std::string_view key, const std::vector<uint32_t>& v);
    void setArray(std::string_view key, const std::vector<int32_t>& v);
    void setArray(std::string_view key, const std::vector<uint64_t>& v);
    void setArray(std::string_view key, const std::vector<int64_t>& v);
    void setArray(std::string_view key, const std::vector<float>& v);
    void setArray(std::string_view key, const std::vector<double>& v);
    void setStringArray(std::string_view key, const std::vector<std::string>& v);
    void setStringArray(std::string_view key, const std::vector<std::string_view>& v);

    bool has(std::string_view key) const;
    void remove(std::string_view key);

    // Alignment of the data section and of every tensor (power of two; default 32). A value
    // other than 32 is also stored as general.alignment (UINT32).
    void setAlignment(uint32_t alignment);

    // Adds a tensor. ne is in ggml order (ne[0] contiguous), 1 to 4 dimensions, each >= 1,
    // ne[0] a multiple of the type's block size, and data exactly ggmlRowBytes * rows bytes.
    // The bytes are copied. Throws GgufError (naming the tensor) when any of that is wrong or
    // the name is taken.
    void addTensor(std::string_view name, GgmlType type, const std::vector<int64_t>& ne,
                   const void* data, size_t nbytes);
    // Quantizes float rows (ne[0] values each) into type with the reference quantizer.
    void addTensorFromFloats(std::string_view name, GgmlType type, const std::vector<int64_t>& ne,
                             const float* values);
    size_t tensorCount() const { return m_tensors.size(); }

    // The whole file in memory (tests, fuzz seeds).
    std::vector<uint8_t> serialize() const;
    // Writes atomically to path; throws GgufError naming the path on failure.
    void write(const std::string& path) const;

private:
    struct Kv {
        std::string key;
        GgufValueType type;
        std::vector<uint8_t> payload; // encoded value (after the type field)
    };
    struct Tensor {
        std::string name;
        GgmlType type;
        std::vector<int64_t> ne;
        std::vector<uint8_t> data;
    };

    void setRaw(std::string_view key, GgufValueType type, std::vector<uint8_t> payload);
    template <typename T> void setScalar(std::string_view key, GgufValueType type, T v);
    void writeParts(const std::function<void(const void*, size_t)>& sink) const;

    std::vector<Kv> m_kvs;
    std::vector<Tensor> m_tensors;
    uint32_t m_alignment = 32;
};

} // namespace fabulist::inference
