#include "inference/gguf/gguf_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/mman.h>
#include <sys/stat.h>
#include <type_traits>
#include <unistd.h>
#include <unordered_map>

namespace fabulist::inference {

namespace {

constexpr uint64_t kDefaultAlignment = 32;
constexpr uint64_t kMaxKeyLength = 65535; // GGUF spec limit for keys
constexpr uint32_t kMaxDims = 4;

// Smallest possible encodings, used to bound counts by the bytes left before any allocation.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;                 // key len, 1-byte key, type, u8
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8; // name, n_dims, ne[0], type, offset

size_t scalarSizeOf(GgufValueType t) {
    switch (t) {
    case GgufValueType::U8:
    case GgufValueType::I8:
    case GgufValueType::Bool:
        return 1;
    case GgufValueType::U16:
    case GgufValueType::I16:
        return 2;
    case GgufValueType::U32:
    case GgufValueType::I32:
    case GgufValueType::F32:
        return 4;
    case GgufValueType::U64:
    case GgufValueType::I64:
    case GgufValueType::F64:
        return 8;
    case GgufValueType::String:
    case GgufValueType::Array:
        return 0;
    }
    return 0;
}

bool isValidValueType(uint32_t t) {
    return t <= static_cast<uint32_t>(GgufValueType::F64);
}

bool isIntegerType(GgufValueType t) {
    switch (t) {
    case GgufValueType::U8:
    case GgufValueType::I8:
    case GgufValueType::U16:
    case GgufValueType::I16:
    case GgufValueType::U32:
    case GgufValueType::I32:
    case GgufValueType::U64:
    case GgufValueType::I64:
        return true;
    default:
        return false;
    }
}

bool isFloatType(GgufValueType t) {
    return t == GgufValueType::F32 || t == GgufValueType::F64;
}

template <typename T> T loadLe(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v); // GGUF is little-endian, like every host we build for
    return v;
}

// An integer value of any GGUF integer type, kept exact: the magnitude plus a sign.
struct IntegerValue {
    uint64_t magnitude = 0;
    bool negative = false;
};

template <typename T> IntegerValue integerOf(const uint8_t* p) {
    const T v = loadLe<T>(p);
    if constexpr (std::is_signed_v<T>) {
        if (v < 0) return {static_cast<uint64_t>(-(static_cast<int64_t>(v) + 1)) + 1, true};
    }
    return {static_cast<uint64_t>(v), false};
}

// Reads an integer scalar of type t at p; false when t is not an integer type. asSigned is
// clamped to the int64 range (callers check magnitude/negative for range errors).
bool loadInteger(GgufValueType t, const uint8_t* p, int64_t* asSigned, uint64_t* asUnsigned,
                 bool* negative) {
    IntegerValue v;
    switch (t) {
    case GgufValueType::U8:
        v = integerOf<uint8_t>(p);
        break;
    case GgufValueType::U16:
        v = integerOf<uint16_t>(p);
        break;
    case GgufValueType::U32:
        v = integerOf<uint32_t>(p);
        break;
    case GgufValueType::U64:
        v = integerOf<uint64_t>(p);
        break;
    case GgufValueType::I8:
        v = integerOf<int8_t>(p);
        break;
    case GgufValueType::I16:
        v = integerOf<int16_t>(p);
        break;
    case GgufValueType::I32:
        v = integerOf<int32_t>(p);
        break;
    case GgufValueType::I64:
        v = integerOf<int64_t>(p);
        break;
    default:
        return false;
    }
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    *negative = v.negative;
    *asUnsigned = v.negative ? 0 : v.magnitude;
    if (v.negative)
        *asSigned = v.magnitude > kMax ? std::numeric_limits<int64_t>::min()
                                       : -static_cast<int64_t>(v.magnitude);
    else
        *asSigned = v.magnitude > kMax ? std::numeric_limits<int64_t>::max()
                                       : static_cast<int64_t>(v.magnitude);
    return true;
}

struct KvEntry {
    std::string key;
    GgufValueType type;
    GgufValueType elementType = GgufValueType::U8; // arrays only
    uint64_t count = 0;                            // arrays only
    const uint8_t* value = nullptr; // scalar payload, string length field, or first element
};

// Bounds-checked reader over the mapped bytes. Every read checks the bytes that remain, so a
// count or length read from the file can never make us touch memory outside the mapping.
class Cursor {
public:
    Cursor(const uint8_t* begin, uint64_t size, const std::string& path)
        : m_begin(begin), m_size(size), m_path(path) {}

    uint64_t pos() const { return m_pos; }
    uint64_t remaining() const { return m_size - m_pos; }
    const uint8_t* here() const { return m_begin + m_pos; }

    [[noreturn]] void fail(const std::string& what) const {
        throw GgufError(m_path + ": " + what + " (at byte " + std::to_string(m_pos) +
                        "); the file is not a valid GGUF model, re-download or re-convert it");
    }

    void need(uint64_t n, const char* what) const {
        if (n > remaining())
            fail(std::string("truncated file: ") + what + " needs " + std::to_string(n) +
                 " bytes but only " + std::to_string(remaining()) + " remain");
    }
    const uint8_t* take(uint64_t n, const char* what) {
        need(n, what);
        const uint8_t* p = here();
        m_pos += n;
        return p;
    }
    uint32_t u32(const char* what) { return loadLe<uint32_t>(take(4, what)); }
    uint64_t u64(const char* what) { return loadLe<uint64_t>(take(8, what)); }
    std::string_view string(const char* what) {
        const uint64_t len = u64(what);
        const uint8_t* p = take(len, what);
        return {reinterpret_cast<const char*>(p), static_cast<size_t>(len)};
    }
    void skipString(const char* what) {
        const uint64_t len = u64(what);
        take(len, what);
    }

private:
    const uint8_t* m_begin;
    uint64_t m_size;
    uint64_t m_pos = 0;
    const std::string& m_path;
};

} // namespace

size_t ggufScalarSize(GgufValueType type) {
    return scalarSizeOf(type);
}

std::string_view ggufValueTypeName(GgufValueType type) {
    switch (type) {
    case GgufValueType::U8:
        return "UINT8";
    case GgufValueType::I8:
        return "INT8";
    case GgufValueType::U16:
        return "UINT16";
    case GgufValueType::I16:
        return "INT16";
    case GgufValueType::U32:
        return "UINT32";
    case GgufValueType::I32:
        return "INT32";
    case GgufValueType::F32:
        return "FLOAT32";
    case GgufValueType::Bool:
        return "BOOL";
    case GgufValueType::String:
        return "STRING";
    case GgufValueType::Array:
        return "ARRAY";
    case GgufValueType::U64:
        return "UINT64";
    case GgufValueType::I64:
        return "INT64";
    case GgufValueType::F64:
        return "FLOAT64";
    }
    return "INVALID";
}

struct GgufFile::Impl {
    std::string path;
    const uint8_t* map = nullptr;
    uint64_t size = 0;
    bool ownsMapping = false;
    uint32_t version = 0;
    uint64_t alignment = kDefaultAlignment;
    uint64_t dataOffset = 0;
    std::vector<KvEntry> kvs;
    std::unordered_map<std::string_view, size_t> kvIndex; // views into kvs[i].key
    std::vector<GgufTensorInfo> tensors;
    std::unordered_map<std::string_view, size_t> tensorIndex;

    ~Impl() {
        if (map && ownsMapping) munmap(const_cast<uint8_t*>(map), size);
    }

    [[noreturn]] void fail(const std::string& what) const { throw GgufError(path + ": " + what); }

    const KvEntry& entry(std::string_view key) const {
        auto it = kvIndex.find(key);
        if (it == kvIndex.end()) fail("missing key '" + std::string(key) + "'");
        return kvs[it->second];
    }
    const KvEntry* find(std::string_view key) const {
        auto it = kvIndex.find(key);
        return it == kvIndex.end() ? nullptr : &kvs[it->second];
    }
    [[noreturn]] void wrongType(const KvEntry& e, const char* wanted) const {
        fail("key '" + e.key + "' has type " + std::string(ggufValueTypeName(e.type)) +
             ", expected " + wanted);
    }

    void mapFile();
    void parse();
    void parseValue(Cursor& c, KvEntry& e);
    void parseTensors(Cursor& c, uint64_t nTensors);
    void validateTensorPlacement();
};

void GgufFile::Impl::mapFile() {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        fail(std::string("cannot stat: ") + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        fail("not a regular file");
    }
    size = static_cast<uint64_t>(st.st_size);
    if (size < 4 + 4 + 8 + 8) {
        ::close(fd);
        fail("file is too small (" + std::to_string(size) + " bytes) to be a GGUF model");
    }
    void* p = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd); // the mapping keeps the file alive
    if (p == MAP_FAILED) {
        size = 0;
        fail(std::string("cannot memory-map: ") + std::strerror(err));
    }
    map = static_cast<const uint8_t*>(p);
    ownsMapping = true;
}

void GgufFile::Impl::parseValue(Cursor& c, KvEntry& e) {
    const std::string ctx = "value of key '" + e.key + "'";
    if (e.type == GgufValueType::String) {
        e.value = c.here();
        c.skipString(ctx.c_str());
        return;
    }
    if (e.type != GgufValueType::Array) {
        e.value = c.here();
        const uint8_t* p = c.take(scalarSizeOf(e.type), ctx.c_str());
        if (e.type == GgufValueType::Bool && *p > 1)
            c.fail("key '" + e.key + "' is a bool with value " + std::to_string(*p));
        return;
    }
    const uint32_t rawElem = c.u32(ctx.c_str());
    if (!isValidValueType(rawElem))
        c.fail("array key '" + e.key + "' has unknown element type " + std::to_string(rawElem));
    e.elementType = static_cast<GgufValueType>(rawElem);
    if (e.elementType == GgufValueType::Array)
        c.fail("array key '" + e.key + "' holds nested arrays, which are not supported");
    e.count = c.u64(ctx.c_str());
    e.value = c.here();
    if (e.elementType == GgufValueType::String) {
        // Every string needs at least its 8-byte length: bound the count before looping.
        if (e.count > c.remaining() / 8)
            c.fail("array key '" + e.key + "' claims " + std::to_string(e.count) +
                   " strings, more than the file can hold");
        for (uint64_t i = 0; i < e.count; ++i) c.skipString(ctx.c_str());
        return;
    }
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(e.count, scalarSizeOf(e.elementType), &bytes) ||
        bytes > c.remaining())
        c.fail("array key '" + e.key + "' claims " + std::to_string(e.count) +
               " elements, more than the file can hold");
    const uint8_t* p = c.take(bytes, ctx.c_str());
    if (e.elementType == GgufValueType::Bool)
        for (uint64_t i = 0; i < e.count; ++i)
            if (p[i] > 1) c.fail("array key '" + e.key + "' holds a bool that is not 0 or 1");
}

void GgufFile::Impl::parse() {
    if (size < 4 + 4 + 8 + 8)
        fail("file is too small (" + std::to_string(size) + " bytes) to be a GGUF model");
    Cursor c(map, size, path);
    const uint8_t* magic = c.take(4, "magic");
    if (std::memcmp(magic, "GGUF", 4) != 0) fail("not a GGUF file (bad magic)");
    version = c.u32("version");
    if (version == 1) fail("GGUF version 1 is not supported; re-convert the model");
    if (version != 2 && version != 3) {
        if ((version & 0xffff) == 0)
            fail("big-endian GGUF files are not supported (version field " +
                 std::to_string(version) + ")");
        fail("unsupported GGUF version " + std::to_string(version));
    }
    const uint64_t nTensors = c.u64("tensor count");
    const uint64_t nKv = c.u64("metadata count");
    if (nKv > c.remaining() / kMinKvBytes)
        c.fail("header claims " + std::to_string(nKv) + " metadata entries, more than the file " +
               "can hold");
    if (nTensors > c.remaining() / kMinTensorInfoBytes)
        c.fail("header claims " + std::to_string(nTensors) +
               " tensors, more than the file can hold");

    // Counts are bounded by the file size, but reserve only a little up front: memory then
    // grows with entries actually parsed, never with what a header merely claims.
    kvs.reserve(static_cast<size_t>(std::min<uint64_t>(nKv, 1024)));
    for (uint64_t i = 0; i < nKv; ++i) {
        KvEntry e;
        const std::string_view key = c.string("metadata key");
        if (key.empty()) c.fail("metadata entry " + std::to_string(i) + " has an empty key");
        if (key.size() > kMaxKeyLength)
            c.fail("metadata entry " + std::to_string(i) + " has a key longer than 65535 bytes");
        e.key = std::string(key);
        const uint32_t rawType = c.u32("metadata value type");
        if (!isValidValueType(rawType))
            c.fail("key '" + e.key + "' has unknown value type " + std::to_string(rawType));
        e.type = static_cast<GgufValueType>(rawType);
        parseValue(c, e);
        kvs.push_back(std::move(e));
    }
    kvIndex.reserve(kvs.size());
    for (size_t i = 0; i < kvs.size(); ++i)
        if (!kvIndex.emplace(kvs[i].key, i).second) fail("duplicate key '" + kvs[i].key + "'");

    if (const KvEntry* a = find("general.alignment")) {
        int64_t s = 0;
        uint64_t u = 0;
        bool negative = false;
        if (!loadInteger(a->type, a->value, &s, &u, &negative) || negative)
            fail("key 'general.alignment' must be an unsigned integer");
        if (u == 0 || (u & (u - 1)) != 0 || u > (uint64_t{1} << 30))
            fail("key 'general.alignment' is " + std::to_string(u) +
                 ", which is not a power of two between 1 and 2^30");
        alignment = u;
    }

    parseTensors(c, nTensors);

    // The data section starts at the next multiple of the alignment.
    const uint64_t pos = c.pos();
    const uint64_t padded = (pos + alignment - 1) / alignment * alignment; // pos < 2^63: no wrap
    if (padded > size && nTensors > 0)
        fail("file ends before its data section (truncated download?)");
    dataOffset = std::min(padded, size);
    validateTensorPlacement();
}

void GgufFile::Impl::parseTensors(Cursor& c, uint64_t nTensors) {
    tensors.reserve(static_cast<size_t>(std::min<uint64_t>(nTensors, 4096)));
    for (uint64_t i = 0; i < nTensors; ++i) {
        GgufTensorInfo t;
        const std::string_view name = c.string("tensor name");
        t.name = std::string(name);
        const std::string what = "tensor '" + t.name + "'";
        t.nDims = c.u32(what.c_str());
        if (t.nDims < 1 || t.nDims > kMaxDims)
            c.fail(what + " has " + std::to_string(t.nDims) + " dimensions (1 to 4 allowed)");
        int64_t elements = 1;
        for (uint32_t d = 0; d < t.nDims; ++d) {
            const uint64_t ne = c.u64(what.c_str());
            if (ne < 1 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                c.fail(what + " has invalid size " + std::to_string(ne) + " in dimension " +
                       std::to_string(d));
            t.ne[d] = static_cast<int64_t>(ne);
            if (__builtin_mul_overflow(elements, t.ne[d], &elements))
                c.fail(what + " has too many elements (the product of its sizes overflows)");
        }
        const uint32_t rawType = c.u32(what.c_str());
        const GgmlTypeTraits* traits = ggmlTypeTraits(rawType);
        if (!traits) {
            const std::string_view ggmlName = ggmlTypeNameOfId(rawType);
            // A valid file of a newer or rarer type: say what it holds, not that it is broken.
            fail(what + " has unsupported tensor type id " + std::to_string(rawType) +
                   (ggmlName.empty() ? std::string(" (unknown to ggml as of this build)")
                                     : " (" + std::string(ggmlName) + " in ggml)") +
                   "; Fabulist reads " + supportedWeightTypeList() +
                   " tensors: re-quantize the model to one of those types");
        }
        if (traits->type == GgmlType::Q8_1 || traits->type == GgmlType::Q8_K)
            c.fail(what + " has type " + std::string(traits->name) + " (id " +
                   std::to_string(rawType) + "), which is only used for activations");
        t.type = traits->type;
        if (t.ne[0] % traits->blockSize != 0)
            c.fail(what + " of type " + std::string(traits->name) + " has rows of " +
                   std::to_string(t.ne[0]) + " elements, not a multiple of the block size " +
                   std::to_string(traits->blockSize));
        uint64_t rowBytes = 0;
        if (__builtin_mul_overflow(static_cast<uint64_t>(t.ne[0] / traits->blockSize),
                                   uint64_t{traits->blockBytes}, &rowBytes) ||
            __builtin_mul_overflow(rowBytes, static_cast<uint64_t>(t.rowCount()), &t.nbytes))
            c.fail(what + " is too large (its byte size overflows)");
        t.offset = c.u64(what.c_str());
        if (t.offset % alignment != 0)
            c.fail(what + " has offset " + std::to_string(t.offset) +
                   " that is not a multiple of the alignment " + std::to_string(alignment));
        tensors.push_back(std::move(t));
    }
    tensorIndex.reserve(tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i)
        if (!tensorIndex.emplace(tensors[i].name, i).second)
            fail("duplicate tensor name '" + tensors[i].name + "'");
}

void GgufFile::Impl::validateTensorPlacement() {
    const uint64_t dataSize = size - dataOffset;
    std::vector<size_t> order(tensors.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (auto& t : tensors) {
        uint64_t end = 0;
        if (__builtin_add_overflow(t.offset, t.nbytes, &end) || end > dataSize)
            fail("tensor '" + t.name + "' (" + std::to_string(t.nbytes) + " bytes at offset " +
                 std::to_string(t.offset) + ") extends past the end of the file (truncated?)");
        t.data = map + dataOffset + t.offset;
        // Kernels read fp16 scales / floats in place: they need their natural alignment. Only
        // a file with general.alignment < 4 (or a misaligned memory buffer) can miss it.
        const uintptr_t need = t.type == GgmlType::F32 ? 4 : 2;
        if (reinterpret_cast<uintptr_t>(t.data) % need != 0)
            fail("tensor '" + t.name + "' data is not " + std::to_string(need) +
                 "-byte aligned (general.alignment " + std::to_string(alignment) +
                 "); re-convert the model with the default alignment");
    }
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
    for (size_t i = 1; i < order.size(); ++i) {
        const GgufTensorInfo& prev = tensors[order[i - 1]];
        const GgufTensorInfo& cur = tensors[order[i]];
        if (prev.offset + prev.nbytes > cur.offset)
            fail("tensors '" + prev.name + "' and '" + cur.name + "' overlap");
    }
}

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->mapFile();
    impl->parse();
    return std::unique_ptr<GgufFile>(new GgufFile(std::move(impl)));
}

std::unique_ptr<GgufFile> GgufFile::openMemory(const uint8_t* data, size_t size,
                                               const std::string& name) {
    auto impl = std::make_unique<Impl>();
    impl->path = name;
    impl->map = data;
    impl->size = size;
    impl->parse();
    return std::unique_ptr<GgufFile>(new GgufFile(std::move(impl)));
}

GgufFile::GgufFile(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
GgufFile::~GgufFile() = default;

const std::string& GgufFile::path() const {
    return m_impl->path;
}
uint32_t GgufFile::version() const {
    return m_impl->version;
}
uint64_t GgufFile::alignment() const {
    return m_impl->alignment;
}
uint64_t GgufFile::fileSize() const {
    return m_impl->size;
}
const uint8_t* GgufFile::mappedData() const {
    return m_impl->map;
}
uint64_t GgufFile::dataOffset() const {
    return m_impl->dataOffset;
}

bool GgufFile::has(std::string_view key) const {
    return m_impl->find(key) != nullptr;
}

std::optional<GgufValueType> GgufFile::typeOf(std::string_view key) const {
    const KvEntry* e = m_impl->find(key);
    if (!e) return std::nullopt;
    return e->type;
}

GgufValueType GgufFile::arrayElementType(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type != GgufValueType::Array) m_impl->wrongType(e, "ARRAY");
    return e.elementType;
}

uint64_t GgufFile::arrayLength(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type != GgufValueType::Array) m_impl->wrongType(e, "ARRAY");
    return e.count;
}

std::vector<std::string> GgufFile::keys() const {
    std::vector<std::string> out;
    out.reserve(m_impl->kvs.size());
    for (const auto& e : m_impl->kvs) out.push_back(e.key);
    return out;
}

uint64_t GgufFile::getUInt(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    int64_t s = 0;
    uint64_t u = 0;
    bool negative = false;
    if (!loadInteger(e.type, e.value, &s, &u, &negative)) m_impl->wrongType(e, "an integer");
    if (negative) m_impl->fail("key '" + e.key + "' is negative (" + std::to_string(s) + ")");
    return u;
}

int64_t GgufFile::getInt(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    int64_t s = 0;
    uint64_t u = 0;
    bool negative = false;
    if (!loadInteger(e.type, e.value, &s, &u, &negative)) m_impl->wrongType(e, "an integer");
    if (!negative && u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        m_impl->fail("key '" + e.key + "' is too large (" + std::to_string(u) + ")");
    return s;
}

double GgufFile::getFloat(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type == GgufValueType::F32) return loadLe<float>(e.value);
    if (e.type == GgufValueType::F64) return loadLe<double>(e.value);
    m_impl->wrongType(e, "FLOAT32 or FLOAT64");
}

bool GgufFile::getBool(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type != GgufValueType::Bool) m_impl->wrongType(e, "BOOL");
    return *e.value != 0;
}

std::string GgufFile::getString(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type != GgufValueType::String) m_impl->wrongType(e, "STRING");
    const uint64_t len = loadLe<uint64_t>(e.value); // validated at open()
    return std::string(reinterpret_cast<const char*>(e.value + 8), static_cast<size_t>(len));
}

uint64_t GgufFile::getUInt(std::string_view key, uint64_t fallback) const {
    return has(key) ? getUInt(key) : fallback;
}
double GgufFile::getFloat(std::string_view key, double fallback) const {
    return has(key) ? getFloat(key) : fallback;
}
bool GgufFile::getBool(std::string_view key, bool fallback) const {
    return has(key) ? getBool(key) : fallback;
}
std::string GgufFile::getString(std::string_view key, std::string fallback) const {
    return has(key) ? getString(key) : fallback;
}

std::vector<std::string_view> GgufFile::getStringArray(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type != GgufValueType::Array || e.elementType != GgufValueType::String)
        m_impl->fail("key '" + e.key + "' is not an array of strings");
    std::vector<std::string_view> out;
    out.reserve(static_cast<size_t>(e.count));
    const uint8_t* p = e.value;
    for (uint64_t i = 0; i < e.count; ++i) { // lengths validated at open()
        const uint64_t len = loadLe<uint64_t>(p);
        out.emplace_back(reinterpret_cast<const char*>(p + 8), static_cast<size_t>(len));
        p += 8 + len;
    }
    return out;
}

std::vector<float> GgufFile::getFloatArray(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type != GgufValueType::Array ||
        !(isFloatType(e.elementType) || isIntegerType(e.elementType)))
        m_impl->fail("key '" + e.key + "' is not a numeric array");
    std::vector<float> out(static_cast<size_t>(e.count));
    const size_t step = scalarSizeOf(e.elementType);
    for (uint64_t i = 0; i < e.count; ++i) {
        const uint8_t* p = e.value + i * step;
        if (e.elementType == GgufValueType::F32) {
            out[i] = loadLe<float>(p);
        } else if (e.elementType == GgufValueType::F64) {
            out[i] = static_cast<float>(loadLe<double>(p));
        } else {
            int64_t s = 0;
            uint64_t u = 0;
            bool negative = false;
            loadInteger(e.elementType, p, &s, &u, &negative);
            out[i] = negative ? static_cast<float>(s) : static_cast<float>(u);
        }
    }
    return out;
}

std::vector<int64_t> GgufFile::getIntArray(std::string_view key) const {
    const KvEntry& e = m_impl->entry(key);
    if (e.type != GgufValueType::Array || !isIntegerType(e.elementType))
        m_impl->fail("key '" + e.key + "' is not an integer array");
    std::vector<int64_t> out(static_cast<size_t>(e.count));
    const size_t step = scalarSizeOf(e.elementType);
    for (uint64_t i = 0; i < e.count; ++i) {
        int64_t s = 0;
        uint64_t u = 0;
        bool negative = false;
        loadInteger(e.elementType, e.value + i * step, &s, &u, &negative);
        if (!negative && u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            m_impl->fail("key '" + e.key + "' holds a value too large for int64");
        out[i] = s;
    }
    return out;
}

const std::vector<GgufTensorInfo>& GgufFile::tensors() const {
    return m_impl->tensors;
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const {
    auto it = m_impl->tensorIndex.find(name);
    return it == m_impl->tensorIndex.end() ? nullptr : &m_impl->tensors[it->second];
}

const GgufTensorInfo& GgufFile::tensor(std::string_view name) const {
    const GgufTensorInfo* t = findTensor(name);
    if (!t) m_impl->fail("missing tensor '" + std::string(name) + "'");
    return *t;
}

void GgufFile::requireShape(const GgufTensorInfo& tensor, std::initializer_list<int64_t> ne) const {
    std::array<int64_t, 4> want{1, 1, 1, 1};
    bool ok = ne.size() <= 4;
    size_t d = 0;
    for (int64_t v : ne)
        if (d < 4) want[d++] = v;
    ok = ok && want == tensor.ne;
    if (ok) return;
    auto fmt = [](const auto& values) {
        std::string s = "[";
        bool first = true;
        for (int64_t v : values) {
            s += (first ? "" : ", ") + std::to_string(v);
            first = false;
        }
        return s + "]";
    };
    std::vector<int64_t> have(tensor.ne.begin(), tensor.ne.begin() + tensor.nDims);
    m_impl->fail("tensor '" + tensor.name + "' has shape " + fmt(have) + ", expected " +
                 fmt(std::vector<int64_t>(ne)) + "; the model does not match its metadata");
}

const GgufTensorInfo& GgufFile::requireTensor(std::string_view name,
                                              std::initializer_list<int64_t> ne) const {
    const GgufTensorInfo& t = tensor(name);
    requireShape(t, ne);
    return t;
}

} // namespace fabulist::inference
