#pragma once
// Read-only view of a GGUF (v2 or v3) file. The file is memory-mapped; tensor data is never
// copied. open() validates every count, length, offset, size, type and shape before anything
// is used, and throws GgufError (message names the file, the key or tensor, and the problem).

#include "inference/quant/ggml_type.h"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

class GgufError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class GgufValueType : uint32_t {
    U8 = 0,
    I8 = 1,
    U16 = 2,
    I16 = 3,
    U32 = 4,
    I32 = 5,
    F32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    U64 = 10,
    I64 = 11,
    F64 = 12,
};

// "UINT32", "STRING", ... (the names gguf-py and the reference JSON use).
std::string_view ggufValueTypeName(GgufValueType type);
// Bytes of one value of a fixed-size type; 0 for String and Array.
size_t ggufScalarSize(GgufValueType type);

struct GgufTensorInfo {
    std::string name;
    GgmlType type;
    uint32_t nDims = 0;
    std::array<int64_t, 4> ne{1, 1, 1, 1}; // ggml order: ne[0] is the contiguous dimension
    uint64_t offset = 0;                   // relative to the start of the data section
    uint64_t nbytes = 0;
    const uint8_t* data = nullptr; // points into the mapping

    int64_t elementCount() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
    int64_t rowCount() const { return ne[1] * ne[2] * ne[3]; }
};

// A host float matrix (nOut rows of nIn) seen as an F32 tensor, for Backend::upload of weights
// made at run time (the diversity head). Points into `v`, which must outlive the view's use.
inline GgufTensorInfo hostF32MatrixView(const char* name, const std::vector<float>& v, int64_t nIn,
                                        int64_t nOut) {
    GgufTensorInfo t;
    t.name = name;
    t.type = GgmlType::F32;
    t.nDims = 2;
    t.ne = {nIn, nOut, 1, 1};
    t.nbytes = v.size() * sizeof(float);
    t.data = reinterpret_cast<const uint8_t*>(v.data());
    return t;
}

class GgufFile {
public:
    // Maps and validates the file. Throws GgufError.
    static std::unique_ptr<GgufFile> open(const std::string& path);
    // Parses bytes the caller keeps alive for the GgufFile's lifetime (fuzzing, embedded
    // data); name stands in for the path in messages. Same validation as open().
    static std::unique_ptr<GgufFile> openMemory(const uint8_t* data, size_t size,
                                                const std::string& name);
    ~GgufFile();
    GgufFile(const GgufFile&) = delete;
    GgufFile& operator=(const GgufFile&) = delete;

    const std::string& path() const;
    uint32_t version() const;
    uint64_t alignment() const;
    uint64_t fileSize() const;
    const uint8_t* mappedData() const; // start of the mapping (whole file)

    bool has(std::string_view key) const;
    std::optional<GgufValueType> typeOf(std::string_view key) const;
    // For arrays: element type and length. Throws if key is missing or not an array.
    GgufValueType arrayElementType(std::string_view key) const;
    uint64_t arrayLength(std::string_view key) const;
    std::vector<std::string> keys() const; // in file order

    // Typed getters throw GgufError naming the key when it is missing, of the wrong type, or
    // out of range. Integer getters accept any integer type; float getters F32 or F64.
    uint64_t getUInt(std::string_view key) const;
    int64_t getInt(std::string_view key) const;
    double getFloat(std::string_view key) const;
    bool getBool(std::string_view key) const;
    std::string getString(std::string_view key) const;
    uint64_t getUInt(std::string_view key, uint64_t fallback) const; // fallback when missing
    double getFloat(std::string_view key, double fallback) const;
    bool getBool(std::string_view key, bool fallback) const;
    std::string getString(std::string_view key, std::string fallback) const;

    // Array getters (element type checked; numeric arrays converted).
    std::vector<std::string_view> getStringArray(std::string_view key) const; // views into map
    std::vector<float> getFloatArray(std::string_view key) const;
    std::vector<int64_t> getIntArray(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const;
    const GgufTensorInfo* findTensor(std::string_view name) const;
    const GgufTensorInfo& tensor(std::string_view name) const; // throws naming the tensor

    // Absolute file offset of the data section (tensor offsets are relative to it).
    uint64_t dataOffset() const;
    // For model loaders: throws GgufError naming the file and tensor unless the tensor has
    // exactly these dimensions (ggml order, trailing 1s may be omitted).
    void requireShape(const GgufTensorInfo& tensor, std::initializer_list<int64_t> ne) const;
    // tensor(name) + requireShape.
    const GgufTensorInfo& requireTensor(std::string_view name,
                                        std::initializer_list<int64_t> ne) const;

    struct Impl;

private:
    explicit GgufFile(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace fabulist::inference
