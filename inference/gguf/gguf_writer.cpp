#include "inference/gguf/gguf_writer.h"

#include "inference/quant/quant_kernels.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fabulist::inference {

namespace {

template <typename T> void append(std::vector<uint8_t>& out, T v) {
    const size_t at = out.size();
    out.resize(at + sizeof v);
    std::memcpy(out.data() + at, &v, sizeof v); // little-endian host
}

void appendString(std::vector<uint8_t>& out, std::string_view s) {
    append<uint64_t>(out, s.size());
    out.insert(out.end(), s.begin(), s.end());
}

template <typename T> std::vector<uint8_t> arrayPayload(GgufValueType t, const std::vector<T>& v) {
    std::vector<uint8_t> p;
    append<uint32_t>(p, static_cast<uint32_t>(t));
    append<uint64_t>(p, v.size());
    const auto* b = reinterpret_cast<const uint8_t*>(v.data());
    p.insert(p.end(), b, b + v.size() * sizeof(T));
    return p;
}

template <typename S> std::vector<uint8_t> stringArrayPayload(const std::vector<S>& v) {
    std::vector<uint8_t> p;
    append<uint32_t>(p, static_cast<uint32_t>(GgufValueType::String));
    append<uint64_t>(p, v.size());
    for (const auto& s : v) appendString(p, s);
    return p;
}

} // namespace

void GgufWriter::setRaw(std::string_view key, GgufValueType type, std::vector<uint8_t> payload) {
    if (key.empty()) throw GgufError("GGUF writer: metadata keys must not be empty");
    for (Kv& kv : m_kvs)
        if (kv.key == key) {
            kv.type = type;
            kv.payload = std::move(payload);
            return;
        }
    m_kvs.push_back({std::string(key), type, std::move(payload)});
}

template <typename T> void GgufWriter::setScalar(std::string_view key, GgufValueType type, T v) {
    std::vector<uint8_t> p;
    append<T>(p, v);
    setRaw(key, type, std::move(p));
}

void GgufWriter::setU8(std::string_view k, uint8_t v) {
    setScalar(k, GgufValueType::U8, v);
}
void GgufWriter::setI8(std::string_view k, int8_t v) {
    setScalar(k, GgufValueType::I8, v);
}
void GgufWriter::setU16(std::string_view k, uint16_t v) {
    setScalar(k, GgufValueType::U16, v);
}
void GgufWriter::setI16(std::string_view k, int16_t v) {
    setScalar(k, GgufValueType::I16, v);
}
void GgufWriter::setU32(std::string_view k, uint32_t v) {
    setScalar(k, GgufValueType::U32, v);
}
void GgufWriter::setI32(std::string_view k, int32_t v) {
    setScalar(k, GgufValueType::I32, v);
}
void GgufWriter::setU64(std::string_view k, uint64_t v) {
    setScalar(k, GgufValueType::U64, v);
}
void GgufWriter::setI64(std::string_view k, int64_t v) {
    setScalar(k, GgufValueType::I64, v);
}
void GgufWriter::setF32(std::string_view k, float v) {
    setScalar(k, GgufValueType::F32, v);
}
void GgufWriter::setF64(std::string_view k, double v) {
    setScalar(k, GgufValueType::F64, v);
}
void GgufWriter::setBool(std::string_view k, bool v) {
    setScalar<uint8_t>(k, GgufValueType::Bool, v ? 1 : 0);
}
void GgufWriter::setString(std::string_view k, std::string_view v) {
    std::vector<uint8_t> p;
    appendString(p, v);
    setRaw(k, GgufValueType::String, std::move(p));
}

void GgufWriter::setArray(std::string_view key, GgufValueType elementType, const void* data,
                          uint64_t count) {
    const size_t size = ggufScalarSize(elementType);
    if (size == 0)
        throw GgufError("GGUF writer: key '" + std::string(key) +
                        "': use setStringArray for strings; nested arrays are not supported");
    std::vector<uint8_t> p;
    append<uint32_t>(p, static_cast<uint32_t>(elementType));
    append<uint64_t>(p, count);
    const auto* b = static_cast<const uint8_t*>(data);
    p.insert(p.end(), b, b + count * size);
    setRaw(key, GgufValueType::Array, std::move(p));
}

#define FAB_ARRAY_SETTER(T, TYPE)                                                                  \
    void GgufWriter::setArray(std::string_view key, const std::vector<T>& v) {                     \
        setRaw(key, GgufValueType::Array, arrayPayload(GgufValueType::TYPE, v));                   \
    }
FAB_ARRAY_SETTER(uint8_t, U8)
FAB_ARRAY_SETTER(int8_t, I8)
FAB_ARRAY_SETTER(uint16_t, U16)
FAB_ARRAY_SETTER(int16_t, I16)
FAB_ARRAY_SETTER(uint32_t, U32)
FAB_ARRAY_SETTER(int32_t, I32)
FAB_ARRAY_SETTER(uint64_t, U64)
FAB_ARRAY_SETTER(int64_t, I64)
FAB_ARRAY_SETTER(float, F32)
FAB_ARRAY_SETTER(double, F64)
#undef FAB_ARRAY_SETTER

void GgufWriter::setStringArray(std::string_view key, const std::vector<std::string>& v) {
    setRaw(key, GgufValueType::Array, stringArrayPayload(v));
}
void GgufWriter::setStringArray(std::string_view key, const std::vector<std::string_view>& v) {
    setRaw(key, GgufValueType::Array, stringArrayPayload(v));
}

bool GgufWriter::has(std::string_view key) const {
    for (const Kv& kv : m_kvs)
        if (kv.key == key) return true;
    return false;
}

void GgufWriter::remove(std::string_view key) {
    for (auto it = m_kvs.begin(); it != m_kvs.end(); ++it)
        if (it->key == key) {
            m_kvs.erase(it);
            return;
        }
}

void GgufWriter::setAlignment(uint32_t alignment) {
    if (alignment == 0 || (alignment & (alignment - 1)) != 0)
        throw GgufError("GGUF writer: alignment " + std::to_string(alignment) +
                        " is not a power of two");
    m_alignment = alignment;
    if (alignment == 32)
        remove("general.alignment");
    else
        setU32("general.alignment", alignment);
}

void GgufWriter::addTensor(std::string_view name, GgmlType type, const std::vector<int64_t>& ne,
                           const void* data, size_t nbytes) {
    const std::string what = "GGUF writer: tensor '" + std::string(name) + "'";
    for (const Tensor& t : m_tensors)
        if (t.name == name) throw GgufError(what + " was added twice");
    if (ne.empty() || ne.size() > 4) throw GgufError(what + " needs 1 to 4 dimensions");
    const GgmlTypeTraits* traits = ggmlTypeTraits(static_cast<uint32_t>(type));
    if (!traits) throw GgufError(what + " has an unsupported type");
    int64_t rows = 1;
    for (size_t d = 0; d < ne.size(); ++d) {
        if (ne[d] < 1) throw GgufError(what + " has a dimension < 1");
        if (d > 0 && __builtin_mul_overflow(rows, ne[d], &rows))
            throw GgufError(what + " is too large");
    }
    if (ne[0] % traits->blockSize != 0)
        throw GgufError(what + ": rows of " + std::to_string(ne[0]) +
                        " are not a multiple of the block size " +
                        std::to_string(traits->blockSize));
    size_t expected = 0;
    if (__builtin_mul_overflow(ggmlRowBytes(type, ne[0]), static_cast<size_t>(rows), &expected))
        throw GgufError(what + " is too large");
    if (nbytes != expected)
        throw GgufError(what + " has " + std::to_string(nbytes) + " bytes of data, expected " +
                        std::to_string(expected));
    const auto* b = static_cast<const uint8_t*>(data);
    m_tensors.push_back({std::string(name), type, ne, std::vector<uint8_t>(b, b + nbytes)});
}

void GgufWriter::addTensorFromFloats(std::string_view name, GgmlType type,
                                     const std::vector<int64_t>& ne, const float* values) {
    const GgmlTypeTraits* traits = ggmlTypeTraits(static_cast<uint32_t>(type));
    if (ne.empty() || !traits || ne[0] < 1 || ne[0] % traits->blockSize != 0)
        throw GgufError("GGUF writer: tensor '" + std::string(name) +
                        "' cannot be quantized to this type with this shape");
    int64_t rows = 1;
    for (size_t d = 1; d < ne.size(); ++d) rows *= ne[d];
    const size_t rowBytes = ggmlRowBytes(type, ne[0]);
    std::vector<uint8_t> data(rowBytes * static_cast<size_t>(rows));
    for (int64_t r = 0; r < rows; ++r)
        quantizeRow(type, values + r * ne[0], data.data() + r * rowBytes, ne[0]);
    addTensor(name, type, ne, data.data(), data.size());
}

void GgufWriter::writeParts(const std::function<void(const void*, size_t)>& sink) const {
    std::vector<uint8_t> head;
    head.insert(head.end(), {'G', 'G', 'U', 'F'});
    append<uint32_t>(head, 3);
    append<uint64_t>(head, m_tensors.size());
    append<uint64_t>(head, m_kvs.size());
    for (const Kv& kv : m_kvs) {
        appendString(head, kv.key);
        append<uint32_t>(head, static_cast<uint32_t>(kv.type));
        head.insert(head.end(), kv.payload.begin(), kv.payload.end());
    }
    uint64_t offset = 0;
    for (const Tensor& t : m_tensors) {
        appendString(head, t.name);
        append<uint32_t>(head, static_cast<uint32_t>(t.ne.size()));
        for (int64_t n : t.ne) append<uint64_t>(head, static_cast<uint64_t>(n));
        append<uint32_t>(head, static_cast<uint32_t>(t.type));
        append<uint64_t>(head, offset);
        offset += (t.data.size() + m_alignment - 1) / m_alignment * m_alignment;
    }
    head.resize((head.size() + m_alignment - 1) / m_alignment * m_alignment, 0);
    sink(head.data(), head.size());
    static const uint8_t zeros[4096] = {};
    for (const Tensor& t : m_tensors) {
        sink(t.data.data(), t.data.size());
        size_t pad = (m_alignment - t.data.size() % m_alignment) % m_alignment;
        while (pad > 0) {
            const size_t n = pad < sizeof zeros ? pad : sizeof zeros;
            sink(zeros, n);
            pad -= n;
        }
    }
}

std::vector<uint8_t> GgufWriter::serialize() const {
    std::vector<uint8_t> out;
    writeParts([&](const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        out.insert(out.end(), b, b + n);
    });
    return out;
}

void GgufWriter::write(const std::string& path) const {
    std::string tmp = path + ".tmp-XXXXXX";
    const int fd = mkstemp(tmp.data());
    if (fd < 0)
        throw GgufError(path + ": cannot create a temporary file beside it: " +
                        std::strerror(errno) + "; check that the folder exists and is writable");
    int error = 0;
    writeParts([&](const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        while (n > 0 && error == 0) {
            const ssize_t w = ::write(fd, b, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                error = errno;
                break;
            }
            b += w;
            n -= static_cast<size_t>(w);
        }
    });
    if (error == 0 && fchmod(fd, 0644) != 0) error = errno; // mkstemp creates 0600
    if (error == 0 && fsync(fd) != 0) error = errno;
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) error = errno;
    if (error != 0) {
        ::unlink(tmp.c_str());
        throw GgufError(path + ": cannot write: " + std::strerror(error) +
                        " (disk full or no permission?)");
    }
}

} // namespace fabulist::inference
