// A model with a tensor type the engine does not know (ggml's NVFP4 = 40, or an id no ggml has
// yet, such as 99) is refused at load with an EngineError that names the file, the tensor, the
// numeric type id (and ggml's name where it has one) and the types the engine reads: never a
// crash, never a model that loads and then computes garbage.

#include "inference/engine/engine.h"
#include "inference/engine_error.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace fabulist::inference;

namespace {

// A GGUF v3 file: one llama key, an F32 tensor, then a tensor of `rawType` (data zeros).
std::vector<uint8_t> ggufWithType(uint32_t rawType) {
    std::vector<uint8_t> b;
    auto raw = [&](const void* p, size_t n) {
        const auto* c = static_cast<const uint8_t*>(p);
        b.insert(b.end(), c, c + n);
    };
    auto u32 = [&](uint32_t v) { raw(&v, 4); };
    auto u64 = [&](uint64_t v) { raw(&v, 8); };
    auto str = [&](const std::string& s) {
        u64(s.size());
        raw(s.data(), s.size());
    };
    raw("GGUF", 4);
    u32(3);
    u64(2); // tensors
    u64(1); // key-value pairs
    str("general.architecture");
    u32(8); // string
    str("llama");
    str("token_embd.weight");
    u32(2);
    u64(64);
    u64(8);
    u32(0); // F32
    u64(0);
    str("blk.0.ffn_down_exps.weight");
    u32(2);
    u64(64);
    u64(8);
    u32(rawType);
    u64(64 * 8 * 4);
    while (b.size() % 32) b.push_back(0);
    b.insert(b.end(), 2 * 64 * 8 * 4, 0);
    return b;
}

QString loadError(const QString& path) {
    EngineOptions o;
    o.modelPath = path.toStdString();
    try {
        Engine::load(o);
    } catch (const EngineError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class EngineUnknownTypeTest : public QObject {
    Q_OBJECT
private slots:
    void refusedWithMessage_data() {
        QTest::addColumn<uint>("typeId");
        QTest::addColumn<QString>("named");
        QTest::newRow("NVFP4") << 40u << "type id 40 (NVFP4 in ggml)";
        QTest::newRow("Q1_0") << 41u << "type id 41 (Q1_0 in ggml)";
        QTest::newRow("IQ2_XS") << 17u << "type id 17 (IQ2_XS in ggml)";
        QTest::newRow("future") << 99u << "type id 99 (unknown to ggml as of this build)";
    }

    void refusedWithMessage() {
        QFETCH(uint, typeId);
        QFETCH(QString, named);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath("model.gguf");
        const auto bytes = ggufWithType(typeId);
        std::ofstream(path.toStdString(), std::ios::binary)
            .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
        const QString msg = loadError(path);
        qInfo("%s", qPrintable(msg));
        QVERIFY2(!msg.isEmpty(), "the model loaded");
        QVERIFY2(msg.contains(path), qPrintable(msg));
        QVERIFY2(msg.contains("tensor 'blk.0.ffn_down_exps.weight'"), qPrintable(msg));
        QVERIFY2(msg.contains(named), qPrintable(msg));
        QVERIFY2(msg.contains("Fabulist reads F32, F16, Q4_0"), qPrintable(msg));
        for (const char* t : {"Q2_K", "Q3_K", "Q6_K", "IQ4_NL", "IQ4_XS", "BF16", "and MXFP4"})
            QVERIFY2(msg.contains(t), qPrintable(msg));
        QVERIFY2(!msg.contains("Q8_K"), qPrintable(msg)); // activation-only, not a weight type
    }
};

QTEST_GUILESS_MAIN(EngineUnknownTypeTest)
#include "engine_unknown_type_test.moc"
