// Hostile GGUF files, crafted byte by byte: each must give a clean GgufError that names the
// file (no crash, no huge allocation, no read outside the mapping). The set covers llama.cpp's
// published GGUF CVEs/advisories (overflowing n_tensors, n_kv, string and array lengths,
// n_dims, ne products, offsets, bad alignment, bad type ids) plus every truncation of a valid
// file. Run under ASan/UBSan by the fuzz target too (tests/fuzz).

#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace fabulist::inference;

namespace {

constexpr uint64_t kHuge = 0xFFFFFFFFFFFFFFFFull;

class Bytes {
public:
    Bytes& u8(uint8_t v) { return raw(&v, 1); }
    Bytes& u32(uint32_t v) { return raw(&v, 4); }
    Bytes& u64(uint64_t v) { return raw(&v, 8); }
    Bytes& str(const std::string& s) {
        u64(s.size());
        return raw(s.data(), s.size());
    }
    Bytes& header(uint64_t nTensors, uint64_t nKv, uint32_t version = 3) {
        raw("GGUF", 4);
        u32(version);
        u64(nTensors);
        return u64(nKv);
    }
    Bytes& kvU32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
    // Tensor info: name, dims, type, offset.
    Bytes& tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t off) {
        str(name).u32(static_cast<uint32_t>(ne.size()));
        for (uint64_t n : ne) u64(n);
        return u32(type).u64(off);
    }
    Bytes& padTo(size_t alignment) {
        while (m_data.size() % alignment) m_data.push_back(0);
        return *this;
    }
    Bytes& zeros(size_t n) {
        m_data.insert(m_data.end(), n, 0);
        return *this;
    }
    Bytes& raw(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        m_data.insert(m_data.end(), b, b + n);
        return *this;
    }
    const std::vector<uint8_t>& data() const { return m_data; }

private:
    std::vector<uint8_t> m_data;
};

} // namespace

class GgufMalformedTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void rejects_data();
    void rejects();
    void everyTruncationIsRejected();
    void everySingleByteCorruptionIsSafe();
    void acceptsMinimalValidFiles();
    void reportsMissingFile();

private:
    std::string writeFile(const std::string& name, const std::vector<uint8_t>& bytes);
    QTemporaryDir m_dir;
};

void GgufMalformedTest::initTestCase() {
    QVERIFY(m_dir.isValid());
    // A parser that trusted a count would try to allocate terabytes: cap the address space so
    // such a bug fails loudly here instead of swapping (ASan builds skip this: they reserve a
    // lot of virtual memory up front).
#if !defined(__SANITIZE_ADDRESS__)
    struct rlimit lim {
        4ull << 30, 4ull << 30
    };
    setrlimit(RLIMIT_AS, &lim);
#endif
}

std::string GgufMalformedTest::writeFile(const std::string& name,
                                         const std::vector<uint8_t>& bytes) {
    const std::string path = (m_dir.path() + "/").toStdString() + name + ".gguf";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
}

void GgufMalformedTest::rejects_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected"); // a piece of the error message
    auto row = [](const char* name, const Bytes& b, const char* expected) {
        QTest::newRow(name) << QByteArray(reinterpret_cast<const char*>(b.data().data()),
                                          qsizetype(b.data().size()))
                            << QString(expected);
    };
    row("empty", Bytes(), "too small");
    row("bad-magic", Bytes().raw("GGUX", 4).u32(3).u64(0).u64(0), "bad magic");
    row("version-1", Bytes().header(0, 0, 1), "version 1");
    row("version-99", Bytes().header(0, 0, 99), "unsupported GGUF version");
    row("big-endian", Bytes().header(0, 0, 0x03000000), "big-endian");
    // Counts far beyond the file (CVE-2024-21802-style n_tensors / n_kv overflows).
    row("n_tensors-huge", Bytes().header(kHuge, 0).zeros(64), "tensors");
    row("n_tensors-2^61", Bytes().header(1ull << 61, 0).zeros(64), "tensors");
    row("n_kv-huge", Bytes().header(0, kHuge).zeros(64), "metadata entries");
    row("n_kv-too-many", Bytes().header(0, 5).kvU32("a", 1), "metadata entries");
    // String lengths (key, value, tensor name) that overflow or exceed the file.
    row("key-len-huge", Bytes().header(0, 1).u64(kHuge).zeros(16), "truncated");
    row("key-len-2^63", Bytes().header(0, 1).u64(1ull << 63).zeros(16), "truncated");
    row("key-empty", Bytes().header(0, 1).str("").u32(4).u32(1), "empty key");
    row("string-value-huge", Bytes().header(0, 1).str("k").u32(8).u64(kHuge - 3).zeros(8),
        "truncated");
    row("tensor-name-huge", Bytes().header(1, 0).u64(kHuge).zeros(40), "truncated");
    // Arrays: count * element size overflowing 64 bits, counts beyond the file.
    row("array-count-overflow",
        Bytes().header(0, 1).str("a").u32(9).u32(10).u64(1ull << 61).zeros(8),
        "more than the file can hold");
    row("array-count-huge-u8", Bytes().header(0, 1).str("a").u32(9).u32(0).u64(kHuge).zeros(8),
        "more than the file can hold");
    row("array-strings-huge", Bytes().header(0, 1).str("a").u32(9).u32(8).u64(kHuge / 2).zeros(8),
        "more than the file can hold");
    row("array-string-len-huge",
        Bytes().header(0, 1).str("a").u32(9).u32(8).u64(2).u64(kHuge).zeros(16), "truncated");
    row("array-nested", Bytes().header(0, 1).str("a").u32(9).u32(9).u64(1).zeros(16), "nested");
    row("array-bad-elem-type", Bytes().header(0, 1).str("a").u32(9).u32(13).u64(1).zeros(16),
        "unknown element type");
    row("value-type-bad", Bytes().header(0, 1).str("a").u32(13).zeros(8), "unknown value type");
    row("value-type-huge", Bytes().header(0, 1).str("a").u32(0xFFFFFFFF).zeros(8),
        "unknown value type");
    row("bool-2", Bytes().header(0, 1).str("b").u32(7).u8(2), "bool");
    row("duplicate-key", Bytes().header(0, 2).kvU32("k", 1).kvU32("k", 2), "duplicate key 'k'");
    // Alignment: zero (division by zero in naive parsers), not a power of two, wrong type.
    row("alignment-0", Bytes().header(0, 1).kvU32("general.alignment", 0), "general.alignment");
    row("alignment-3", Bytes().header(0, 1).kvU32("general.alignment", 3), "general.alignment");
    row("alignment-string", Bytes().header(0, 1).str("general.alignment").u32(8).str("32"),
        "general.alignment");
    // Tensor infos.
    row("n_dims-0", Bytes().header(1, 0).str("t").u32(0).u32(0).u64(0).zeros(32), "dimensions");
    row("n_dims-5", Bytes().header(1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0).zeros(32),
        "dimensions");
    row("n_dims-huge", Bytes().header(1, 0).str("t").u32(0xFFFFFFFF).zeros(64), "dimensions");
    row("ne-0", Bytes().header(1, 0).tensor("t", {0}, 0, 0).zeros(32), "invalid size 0");
    row("ne-negative", Bytes().header(1, 0).tensor("t", {kHuge}, 0, 0).zeros(32), "invalid size");
    row("ne-product-overflow",
        Bytes().header(1, 0).tensor("t", {1ull << 32, 1ull << 32}, 0, 0).zeros(32), "overflows");
    row("ne-product-overflow-4d",
        Bytes()
            .header(1, 0)
            .tensor("t", {1ull << 16, 1ull << 16, 1ull << 16, 1ull << 16}, 0, 0)
            .zeros(32),
        "overflows");
    row("nbytes-overflow", Bytes().header(1, 0).tensor("t", {1ull << 62}, 0, 0).zeros(32),
        "too large");
    row("type-unknown", Bytes().header(1, 0).tensor("weights", {32}, 4, 0).zeros(64),
        "tensor 'weights' has unsupported tensor type id 4");
    row("type-huge", Bytes().header(1, 0).tensor("w", {32}, 0xFFFFFFFF, 0).zeros(64),
        "type id 4294967295");
    row("type-activation-only", Bytes().header(1, 0).tensor("w", {256}, 15, 0).zeros(400),
        "only used for activations");
    row("row-not-block-multiple", Bytes().header(1, 0).tensor("w", {33}, 8, 0).zeros(64),
        "not a multiple of the block size 32");
    row("offset-unaligned", Bytes().header(1, 0).tensor("w", {4}, 0, 4).padTo(32).zeros(64),
        "alignment");
    row("offset-past-end", Bytes().header(1, 0).tensor("w", {4}, 0, 1ull << 40).padTo(32).zeros(64),
        "extends past the end");
    row("offset-plus-size-wraps",
        Bytes().header(1, 0).tensor("w", {8}, 0, kHuge - 31).padTo(32).zeros(64), "extends past");
    row("data-truncated", Bytes().header(1, 0).tensor("w", {64}, 0, 0).padTo(32).zeros(100),
        "extends past the end");
    row("tensor-overlap",
        Bytes().header(2, 0).tensor("a", {16}, 0, 0).tensor("b", {16}, 0, 32).padTo(32).zeros(128),
        "overlap");
    row("duplicate-tensor",
        Bytes().header(2, 0).tensor("a", {8}, 0, 0).tensor("a", {8}, 0, 32).padTo(32).zeros(64),
        "duplicate tensor name 'a'");
    // general.alignment 1 is legal GGUF, but a tensor whose data lands on an odd address
    // cannot be read in place (fp16 scales): found by the fuzzer as a misaligned load.
    row("data-misaligned",
        Bytes().header(1, 1).kvU32("general.alignment", 1).tensor("hh", {2}, 1, 0).zeros(8),
        "not 2-byte aligned");
    row("no-data-section", Bytes().header(1, 0).tensor("a", {8}, 0, 0).u8(0), "data section");
}

void GgufMalformedTest::rejects() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    const std::string path =
        writeFile(QTest::currentDataTag(), std::vector<uint8_t>(bytes.begin(), bytes.end()));
    try {
        GgufFile::open(path);
        QFAIL("opened a malformed file");
    } catch (const GgufError& e) {
        const QString msg = e.what();
        QVERIFY2(msg.startsWith(QString::fromStdString(path)), qPrintable(msg));
        QVERIFY2(msg.contains(expected), qPrintable(msg));
    }
}

namespace {

std::vector<uint8_t> validFile() {
    GgufWriter w;
    w.setString("general.architecture", "llama");
    w.setU32("llama.block_count", 2);
    w.setStringArray("tokenizer.ggml.tokens", std::vector<std::string>{"a", "bb", "ccc"});
    w.setArray("tokenizer.ggml.scores", std::vector<float>{0.f, 1.f, 2.f});
    std::vector<uint8_t> q(18 * 2 + 4);
    w.addTensor("q", GgmlType::Q4_0, {64}, q.data(), 36);
    w.addTensor("f", GgmlType::F32, {1}, q.data(), 4);
    return w.serialize();
}

} // namespace

void GgufMalformedTest::everyTruncationIsRejected() {
    const auto full = validFile();
    QVERIFY(GgufFile::open(writeFile("full", full))->tensors().size() == 2);
    for (size_t len = 0; len < full.size(); ++len) {
        // Heap copy of exactly len bytes, so ASan sees any read past the end.
        std::vector<uint8_t> cut(full.begin(), full.begin() + long(len));
        try {
            auto f = GgufFile::openMemory(cut.data(), cut.size(), "cut");
            // The last tensor's padding is not needed: a file cut inside it is still valid.
            QVERIFY2(len >= full.size() - 28, qPrintable(QString("accepted a cut at %1").arg(len)));
        } catch (const GgufError&) {
        }
    }
    // The same through the file path (mmap) for a few lengths.
    for (size_t len : {size_t(0), size_t(23), size_t(24), full.size() / 2, full.size() - 29}) {
        const std::string path =
            writeFile("cut", std::vector<uint8_t>(full.begin(), full.begin() + long(len)));
        QVERIFY_THROWS_EXCEPTION(GgufError, GgufFile::open(path));
    }
}

void GgufMalformedTest::everySingleByteCorruptionIsSafe() {
    // Every byte of the metadata and tensor infos replaced by values that stress lengths and
    // counts: the reader must either accept the file or throw GgufError, never crash.
    const auto full = validFile();
    int rejected = 0;
    for (size_t i = 0; i < full.size() - 64; ++i)
        for (uint8_t v : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
            auto bytes = full;
            bytes[i] = v;
            try {
                auto f = GgufFile::openMemory(bytes.data(), bytes.size(), "corrupt");
                for (const auto& t : f->tensors())
                    QVERIFY(t.data + t.nbytes <= f->mappedData() + f->fileSize());
            } catch (const GgufError&) {
                ++rejected;
            }
        }
    QVERIFY(rejected > 100);
}

void GgufMalformedTest::acceptsMinimalValidFiles() {
    auto f = GgufFile::open(writeFile("minimal", Bytes().header(0, 0).data()));
    QCOMPARE(f->tensors().size(), size_t(0));
    QCOMPARE(f->alignment(), uint64_t(32));
    auto v2 = GgufFile::open(writeFile("v2", Bytes().header(0, 1, 2).kvU32("x", 7).data()));
    QCOMPARE(v2->version(), 2u);
    QCOMPARE(v2->getUInt("x"), 7u);
    auto aligned = GgufFile::open(writeFile("align8", Bytes()
                                                          .header(1, 1)
                                                          .kvU32("general.alignment", 8)
                                                          .tensor("t", {2}, 0, 0)
                                                          .padTo(8)
                                                          .zeros(8)
                                                          .data()));
    QCOMPARE(aligned->alignment(), uint64_t(8));
    QCOMPARE(aligned->tensor("t").nbytes, uint64_t(8));
}

void GgufMalformedTest::reportsMissingFile() {
    const std::string path = (m_dir.path() + "/does-not-exist.gguf").toStdString();
    try {
        GgufFile::open(path);
        QFAIL("opened a missing file");
    } catch (const GgufError& e) {
        QVERIFY2(QString(e.what()).contains("does-not-exist.gguf"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(GgufError, GgufFile::open(m_dir.path().toStdString())); // a directory
}

QTEST_GUILESS_MAIN(GgufMalformedTest)
#include "gguf_malformed_test.moc"
