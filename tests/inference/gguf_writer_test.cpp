// GgufWriter -> GgufFile round trip: every KV type (scalars, arrays of each element type,
// strings, empty values) and tensors of every type and rank, at two alignments; atomic writes.

#include "inference/gguf/gguf_file.h"
#include "inference/gguf/gguf_writer.h"
#include "inference/quant/quant_kernels.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <limits>
#include <random>

using namespace fabulist::inference;

namespace {

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    return v;
}

struct TensorSpec {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;
    std::vector<uint8_t> data;
};

std::vector<TensorSpec> tensorSpecs() {
    std::vector<TensorSpec> specs;
    const GgmlType types[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0,
                              GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
                              GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};
    uint32_t seed = 1;
    for (GgmlType t : types) {
        const int64_t block = ggmlTypeTraits(t).blockSize;
        const int64_t row = block == 1 ? 3 : block * 2; // odd byte counts exercise padding
        std::vector<std::vector<int64_t>> shapes = {{row}, {row, 3}, {row, 2, 3}, {row, 1, 2, 2}};
        for (size_t s = 0; s < shapes.size(); ++s) {
            int64_t rows = 1;
            for (size_t d = 1; d < shapes[s].size(); ++d) rows *= shapes[s][d];
            const size_t bytes = ggmlRowBytes(t, row) * rows;
            specs.push_back({"t." + std::string(ggmlTypeTraits(t).name) + "." + std::to_string(s),
                             t, shapes[s], randomBytes(bytes, seed++)});
        }
    }
    return specs;
}

} // namespace

class GgufWriterTest : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data();
    void roundTrip();
    void replacesKeysInPlace();
    void quantizesFloats();
    void rejectsBadTensors();
    void atomicWrite();
};

void GgufWriterTest::roundTrip_data() {
    QTest::addColumn<int>("alignment");
    QTest::newRow("align32") << 32;
    QTest::newRow("align64") << 64;
    QTest::newRow("align8") << 8;
}

void GgufWriterTest::roundTrip() {
    QFETCH(int, alignment);
    GgufWriter w;
    w.setU8("u8", 250);
    w.setI8("i8", -120);
    w.setU16("u16", 65000);
    w.setI16("i16", -32000);
    w.setU32("u32", 4000000000u);
    w.setI32("i32", -2000000000);
    w.setU64("u64", std::numeric_limits<uint64_t>::max());
    w.setI64("i64", std::numeric_limits<int64_t>::min());
    w.setF32("f32", 3.25f);
    w.setF64("f64", -1e300);
    w.setBool("yes", true);
    w.setBool("no", false);
    w.setString("str", "Grüße, 世界 \n\t\"quoted\"");
    w.setString("empty", "");
    w.setArray("a.u8", std::vector<uint8_t>{1, 2, 255});
    w.setArray("a.i8", std::vector<int8_t>{-1, 0, 127});
    w.setArray("a.u16", std::vector<uint16_t>{1, 65535});
    w.setArray("a.i16", std::vector<int16_t>{-32768, 5});
    w.setArray("a.u32", std::vector<uint32_t>{7, 4294967295u});
    w.setArray("a.i32", std::vector<int32_t>{-7, 1 << 30});
    w.setArray("a.u64", std::vector<uint64_t>{1, 1ull << 40});
    w.setArray("a.i64", std::vector<int64_t>{-(1ll << 40), 3});
    w.setArray("a.f32", std::vector<float>{0.5f, -2.f, 1e-20f});
    w.setArray("a.f64", std::vector<double>{0.1, -1e200});
    const uint8_t bools[] = {1, 0, 1};
    w.setArray("a.bool", GgufValueType::Bool, bools, 3);
    w.setArray("a.empty", std::vector<float>{});
    w.setStringArray("a.str", std::vector<std::string>{"a", "", "ccc", "Ünïcode"});
    w.setStringArray("a.strempty", std::vector<std::string>{});
    if (alignment != 32) w.setAlignment(static_cast<uint32_t>(alignment));
    const auto specs = tensorSpecs();
    for (const auto& s : specs) w.addTensor(s.name, s.type, s.ne, s.data.data(), s.data.size());

    QTemporaryDir dir;
    const std::string path = (dir.path() + "/rt.gguf").toStdString();
    w.write(path);
    auto f = GgufFile::open(path);
    QCOMPARE(f->version(), 3u);
    QCOMPARE(f->alignment(), uint64_t(alignment));
    QCOMPARE(f->getUInt("u8"), 250u);
    QCOMPARE(f->getInt("i8"), -120);
    QCOMPARE(f->getUInt("u16"), 65000u);
    QCOMPARE(f->getInt("i16"), -32000);
    QCOMPARE(f->getUInt("u32"), 4000000000u);
    QCOMPARE(f->getInt("i32"), -2000000000);
    QCOMPARE(f->getUInt("u64"), std::numeric_limits<uint64_t>::max());
    QVERIFY_THROWS_EXCEPTION(GgufError, f->getInt("u64")); // does not fit int64
    QCOMPARE(f->getInt("i64"), std::numeric_limits<int64_t>::min());
    QVERIFY_THROWS_EXCEPTION(GgufError, f->getUInt("i8")); // negative
    QCOMPARE(f->getFloat("f32"), 3.25);
    QCOMPARE(f->getFloat("f64"), -1e300);
    QCOMPARE(f->getBool("yes"), true);
    QCOMPARE(f->getBool("no"), false);
    QCOMPARE(f->getString("str"), std::string("Grüße, 世界 \n\t\"quoted\""));
    QCOMPARE(f->getString("empty"), std::string());
    QCOMPARE(*f->typeOf("f64"), GgufValueType::F64);
    QVERIFY(!f->typeOf("missing"));
    QCOMPARE(f->getUInt("missing", 42), 42u);
    QCOMPARE(f->getString("missing", "dflt"), std::string("dflt"));
    QVERIFY_THROWS_EXCEPTION(GgufError, f->getString("u8"));
    QVERIFY_THROWS_EXCEPTION(GgufError, f->getUInt("missing"));

    QCOMPARE(f->getIntArray("a.u8"), (std::vector<int64_t>{1, 2, 255}));
    QCOMPARE(f->getIntArray("a.i8"), (std::vector<int64_t>{-1, 0, 127}));
    QCOMPARE(f->getIntArray("a.u16"), (std::vector<int64_t>{1, 65535}));
    QCOMPARE(f->getIntArray("a.i16"), (std::vector<int64_t>{-32768, 5}));
    QCOMPARE(f->getIntArray("a.u32"), (std::vector<int64_t>{7, 4294967295ll}));
    QCOMPARE(f->getIntArray("a.i32"), (std::vector<int64_t>{-7, 1 << 30}));
    QCOMPARE(f->getIntArray("a.u64"), (std::vector<int64_t>{1, 1ll << 40}));
    QCOMPARE(f->getIntArray("a.i64"), (std::vector<int64_t>{-(1ll << 40), 3}));
    QCOMPARE(f->getFloatArray("a.f32"), (std::vector<float>{0.5f, -2.f, 1e-20f}));
    QCOMPARE(f->getFloatArray("a.f64"),
             (std::vector<float>{0.1f, -std::numeric_limits<float>::infinity()}));
    QCOMPARE(f->getFloatArray("a.i32"), (std::vector<float>{-7.f, float(1 << 30)}));
    QCOMPARE(f->arrayElementType("a.bool"), GgufValueType::Bool);
    QCOMPARE(f->arrayLength("a.bool"), 3u);
    QCOMPARE(f->arrayLength("a.empty"), 0u);
    QCOMPARE(f->arrayElementType("a.str"), GgufValueType::String);
    const auto strs = f->getStringArray("a.str");
    QCOMPARE(strs.size(), size_t(4));
    QCOMPARE(std::string(strs[0]), std::string("a"));
    QCOMPARE(std::string(strs[1]), std::string(""));
    QCOMPARE(std::string(strs[2]), std::string("ccc"));
    QCOMPARE(std::string(strs[3]), std::string("Ünïcode"));
    QVERIFY(f->getStringArray("a.strempty").empty());
    QVERIFY_THROWS_EXCEPTION(GgufError, f->getStringArray("a.f32"));
    QVERIFY_THROWS_EXCEPTION(GgufError, f->getIntArray("a.f32"));
    QVERIFY_THROWS_EXCEPTION(GgufError, f->arrayLength("u8"));

    const auto keys = f->keys();
    QCOMPARE(keys.front(), std::string("u8"));
    QCOMPARE(keys.size(), size_t(28 + (alignment != 32 ? 1 : 0)));

    QCOMPARE(f->tensors().size(), specs.size());
    for (size_t i = 0; i < specs.size(); ++i) {
        const GgufTensorInfo& t = f->tensors()[i]; // file order = insertion order
        QCOMPARE(t.name, specs[i].name);
        QCOMPARE(t.type, specs[i].type);
        QCOMPARE(t.nDims, uint32_t(specs[i].ne.size()));
        for (size_t d = 0; d < 4; ++d)
            QCOMPARE(t.ne[d], d < specs[i].ne.size() ? specs[i].ne[d] : 1);
        QCOMPARE(t.nbytes, uint64_t(specs[i].data.size()));
        QCOMPARE(t.offset % uint64_t(alignment), 0u);
        QCOMPARE(uint64_t(t.data - f->mappedData()) % uint64_t(alignment), 0u);
        QVERIFY(std::memcmp(t.data, specs[i].data.data(), t.nbytes) == 0);
        QCOMPARE(f->findTensor(t.name), &t);
    }
    QVERIFY(!f->findTensor("nope"));
    QVERIFY_THROWS_EXCEPTION(GgufError, f->tensor("nope"));
    f->requireShape(f->tensor("t.Q4_K.1"), {512, 3});
    QVERIFY_THROWS_EXCEPTION(GgufError, f->requireShape(f->tensor("t.Q4_K.1"), {512, 4}));
    QVERIFY_THROWS_EXCEPTION(GgufError, f->requireTensor("t.Q4_K.2", {512, 3}));
    f->requireTensor("t.Q4_K.2", {512, 2, 3});

    // serialize() and write() produce the same bytes.
    QFile file(QString::fromStdString(path));
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray onDisk = file.readAll();
    const auto mem = w.serialize();
    QCOMPARE(size_t(onDisk.size()), mem.size());
    QVERIFY(std::memcmp(onDisk.constData(), mem.data(), mem.size()) == 0);
}

void GgufWriterTest::replacesKeysInPlace() {
    GgufWriter w;
    w.setU32("a", 1);
    w.setString("b", "x");
    w.setF32("a", 2.f);
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/k.gguf").toStdString();
    w.write(path);
    auto f = GgufFile::open(path);
    QCOMPARE(f->keys(), (std::vector<std::string>{"a", "b"}));
    QCOMPARE(f->getFloat("a"), 2.0);
    QVERIFY(f->tensors().empty());
}

void GgufWriterTest::quantizesFloats() {
    std::vector<float> x(512 * 2);
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 0.37f);
    GgufWriter w;
    w.addTensorFromFloats("q", GgmlType::Q6_K, {512, 2}, x.data());
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/q.gguf").toStdString();
    w.write(path);
    auto f = GgufFile::open(path);
    const GgufTensorInfo& t = f->tensor("q");
    std::vector<float> y(x.size());
    for (int r = 0; r < 2; ++r)
        dequantizeRow(t.type, t.data + r * ggmlRowBytes(t.type, 512), y.data() + r * 512, 512);
    // Q6_K step here is ~1/32: errors stay within about half a step plus scale rounding.
    for (size_t i = 0; i < x.size(); ++i) QVERIFY(std::fabs(x[i] - y[i]) < 0.03f);
}

void GgufWriterTest::rejectsBadTensors() {
    GgufWriter w;
    std::vector<uint8_t> d(1000);
    QVERIFY_THROWS_EXCEPTION(GgufError, w.addTensor("a", GgmlType::Q4_0, {33}, d.data(), 18));
    QVERIFY_THROWS_EXCEPTION(GgufError, w.addTensor("a", GgmlType::Q4_0, {32}, d.data(), 17));
    QVERIFY_THROWS_EXCEPTION(GgufError, w.addTensor("a", GgmlType::F32, {}, d.data(), 0));
    QVERIFY_THROWS_EXCEPTION(GgufError,
                             w.addTensor("a", GgmlType::F32, {1, 1, 1, 1, 1}, d.data(), 4));
    QVERIFY_THROWS_EXCEPTION(GgufError, w.addTensor("a", GgmlType::F32, {0}, d.data(), 0));
    w.addTensor("a", GgmlType::F32, {2}, d.data(), 8);
    QVERIFY_THROWS_EXCEPTION(GgufError, w.addTensor("a", GgmlType::F32, {2}, d.data(), 8));
    QVERIFY_THROWS_EXCEPTION(GgufError, w.setAlignment(48));
    QVERIFY_THROWS_EXCEPTION(GgufError, w.setString("", "x"));
}

void GgufWriterTest::atomicWrite() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/m.gguf").toStdString();
    GgufWriter a;
    a.setString("which", "first");
    a.write(path);
    auto first = GgufFile::open(path); // keeps the old mapping alive across the replace
    GgufWriter b;
    b.setString("which", "second");
    b.write(path);
    QCOMPARE(first->getString("which"), std::string("first"));
    QCOMPARE(GgufFile::open(path)->getString("which"), std::string("second"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"m.gguf"}); // no temp left
    try {
        b.write((dir.path() + "/no/such/dir/x.gguf").toStdString());
        QFAIL("expected GgufError");
    } catch (const GgufError& e) {
        QVERIFY2(QString(e.what()).contains("no/such/dir/x.gguf"), e.what());
    }
}

QTEST_GUILESS_MAIN(GgufWriterTest)
#include "gguf_writer_test.moc"
