// Our tokenizers against llama.cpp: every tokenization in the reference JSON files (text,
// parse_special flag, ids, with BOS where the model adds it) must match exactly, and the ids
// must decode back to the text. Covers byte-level BPE with the gpt-2 (full and truncated
// vocabulary), qwen2 and llama-bpe (128k tokens, 280k merges) pre-tokenizers.

#include "inference/gguf/gguf_file.h"
#include "inference/tokenizer/tokenizer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <map>

using namespace fabulist::inference;

namespace {

const char* const kModels[] = {"tiny-dense-f32", "tiny-moe-f32", "tiny-qwen3moe-f32",
                               "tiny-llama3-f16"};

QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

struct Loaded {
    std::unique_ptr<GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
    QJsonArray cases;
};

// Each model is loaded once for all its rows. Null (with the reason in error) when it cannot be.
Loaded* model(const QString& name, QString& error) {
    static std::map<QString, Loaded> cache;
    Loaded& m = cache[name];
    if (!m.tokenizer) {
        const QString dir = referenceDir();
        QFile json(dir + "/" + name + ".json");
        if (!json.open(QIODevice::ReadOnly)) {
            error = "cannot read " + json.fileName() +
                    "; set FABULIST_REFERENCE_DIR to the llama.cpp reference data";
            return nullptr;
        }
        m.cases = QJsonDocument::fromJson(json.readAll()).object()["tokenization"].toArray();
        try {
            m.file = GgufFile::open((dir + "/models/" + name + ".gguf").toStdString());
            QElapsedTimer timer;
            timer.start();
            m.tokenizer = Tokenizer::fromGguf(*m.file);
            qInfo("%s: tokenizer loaded in %.1f ms (%d tokens)", qPrintable(name),
                  double(timer.nsecsElapsed()) / 1e6, m.tokenizer->vocabSize());
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
            return nullptr;
        }
    }
    return &m;
}

#define LOAD_MODEL(var, name)                                                                      \
    QString var##Error;                                                                            \
    Loaded* var##Ptr = model(name, var##Error);                                                    \
    QVERIFY2(var##Ptr, qPrintable(var##Error));                                                    \
    Loaded& var = *var##Ptr

std::vector<int32_t> toIds(const QJsonArray& a) {
    std::vector<int32_t> ids;
    for (const auto& v : a) ids.push_back(int32_t(v.toInteger()));
    return ids;
}

QString show(const std::vector<int32_t>& ids) {
    QStringList s;
    for (int32_t id : ids) s << QString::number(id);
    return "[" + s.join(", ") + "]";
}

} // namespace

class TokenizerReferenceTest : public QObject {
    Q_OBJECT
private slots:
    void referenceDirExists();
    void encodeMatchesLlamaCpp_data();
    void encodeMatchesLlamaCpp();
    void perplexityAndGreedyPrompts_data();
    void perplexityAndGreedyPrompts();
    void llama3PackageCases();
    void specialTokenIds();
    void streamHoldsBackSplitCharacters();
};

void TokenizerReferenceTest::referenceDirExists() {
    const QString dir = referenceDir();
    QVERIFY2(!dir.isEmpty(), "FABULIST_REFERENCE_DIR is not set (CTest sets it; run via ctest)");
    for (const char* name : kModels) {
        const QString path = dir + "/" + name + ".json";
        QVERIFY2(QFile::exists(path),
                 qPrintable("reference file missing: " + path +
                            "; set FABULIST_REFERENCE_DIR to the llama.cpp reference data"));
    }
}

void TokenizerReferenceTest::encodeMatchesLlamaCpp_data() {
    QTest::addColumn<QString>("modelName");
    QTest::addColumn<int>("index");
    for (const char* name : kModels) {
        QFile json(referenceDir() + "/" + name + ".json");
        if (!json.open(QIODevice::ReadOnly)) {
            QTest::newRow(name) << QString(name) << -1; // fails with the reason
            continue;
        }
        const QJsonArray cases =
            QJsonDocument::fromJson(json.readAll()).object()["tokenization"].toArray();
        for (int i = 0; i < cases.size(); ++i) {
            const QJsonObject c = cases[i].toObject();
            const QString row = QString("%1/%2/%3")
                                    .arg(name, c["name"].toString(),
                                         c["parse_special"].toBool() ? "special" : "plain");
            QTest::newRow(qPrintable(row)) << QString(name) << i;
        }
    }
}

void TokenizerReferenceTest::encodeMatchesLlamaCpp() {
    QFETCH(QString, modelName);
    QFETCH(int, index);
    LOAD_MODEL(m, modelName);
    QVERIFY(index >= 0 && index < m.cases.size());
    const QJsonObject c = m.cases[index].toObject();
    const QByteArray text = c["text"].toString().toUtf8();
    const bool parseSpecial = c["parse_special"].toBool();
    const std::vector<int32_t> expected = toIds(c["ids"].toArray());
    const Tokenizer& tok = *m.tokenizer;

    const std::vector<int32_t> ids =
        tok.encode(std::string_view(text.constData(), size_t(text.size())), true, parseSpecial);
    QVERIFY2(ids == expected, qPrintable("text " + c["text"].toString() + "\n got      " +
                                         show(ids) + "\n expected " + show(expected)));

    // Back to the text: without the added BOS, control tokens rendered where they were parsed.
    std::span<const int32_t> body(expected);
    if (tok.addsBos()) {
        QVERIFY(!body.empty() && body.front() == tok.bos());
        body = body.subspan(1);
    }
    const std::string decoded = tok.decode(body, parseSpecial);
    QCOMPARE(QByteArray::fromStdString(decoded), text);

    // Plain text always round-trips.
    const std::vector<int32_t> plain =
        tok.encode(std::string_view(text.constData(), size_t(text.size())), false, false);
    QCOMPARE(QByteArray::fromStdString(tok.decode(plain)), text);

    // Streaming the ids gives the same text, in valid UTF-8 pieces.
    TokenTextStream stream(tok);
    QByteArray streamed;
    for (int32_t id : plain) {
        const std::string part = stream.push(id);
        QVERIFY2(QString::fromUtf8(part).toUtf8() == QByteArray::fromStdString(part),
                 "stream returned incomplete UTF-8");
        streamed += QByteArray::fromStdString(part);
    }
    streamed += QByteArray::fromStdString(stream.flush());
    QCOMPARE(streamed, text);
}

void TokenizerReferenceTest::perplexityAndGreedyPrompts_data() {
    QTest::addColumn<QString>("modelName");
    for (const char* name : kModels) QTest::newRow(name) << QString(name);
}

void TokenizerReferenceTest::perplexityAndGreedyPrompts() {
    // The ~1 KB perplexity text and the three greedy prompts as llama.cpp tokenized them, and
    // the greedy continuations as llama.cpp's tool printed them (random-weight models generate
    // odd tokens, including pieces of UTF-8 characters).
    QFETCH(QString, modelName);
    LOAD_MODEL(m, modelName);
    QFile json(referenceDir() + "/" + modelName + ".json");
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(json.readAll()).object();
    const Tokenizer& t = *m.tokenizer;
    const auto encode = [&](const QString& text) {
        const QByteArray utf8 = text.toUtf8();
        return t.encode(std::string_view(utf8.constData(), size_t(utf8.size())), true, true);
    };

    const QJsonObject ppl = root["perplexity"].toObject();
    // llama-tokenize read the text from a file that ends with one more newline (text_note).
    QCOMPARE(encode(ppl["text"].toString() + "\n"),
             toIds(ppl["tokens_of_text_llama_tokenize"].toArray()));

    const QJsonArray greedy = root["greedy"].toArray();
    QCOMPARE(greedy.size(), 3);
    for (const auto& v : greedy) {
        const QJsonObject g = v.toObject();
        QCOMPARE(encode(g["prompt"].toString()), toIds(g["prompt_ids"].toArray()));
        const std::vector<int32_t> generated = toIds(g["ids"].toArray());
        QCOMPARE(int(generated.size()), 32);
        const QByteArray printed =
            QByteArray::fromHex(g["tool_kv_f32"].toObject()["stdout_hex"].toString().toLatin1());
        const QByteArray ours =
            g["prompt"].toString().toUtf8() + QByteArray::fromStdString(t.decode(generated));
        // The tool printed the prompt, then the continuation (build A's llama-cli ran one
        // token further, -n 33), then its own line breaks.
        QVERIFY2(printed.startsWith(ours), qPrintable(g["prompt"].toString()));
        QVERIFY(printed.size() > ours.size());
    }
}

void TokenizerReferenceTest::llama3PackageCases() {
    // checks/llama3_tokenizer_vs_llama3-tokenizer-js.json: llama3-tokenizer-js's own test cases
    // (special tokens, look-alikes, emoji, runs of spaces), which both llama.cpp builds agree
    // with. Encoded with parse_special and without BOS/EOS.
    QFile f(referenceDir() + "/checks/llama3_tokenizer_vs_llama3-tokenizer-js.json");
    QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable("cannot read " + f.fileName()));
    const QJsonArray cases = QJsonDocument::fromJson(f.readAll())
                                 .object()["package_test_cases"]
                                 .toObject()["cases"]
                                 .toArray();
    QCOMPARE(cases.size(), 17);
    LOAD_MODEL(m, "tiny-llama3-f16");
    for (const auto& v : cases) {
        const QJsonObject c = v.toObject();
        QVERIFY(c["llama_cpp_A_equal"].toBool() && c["llama_cpp_B_equal"].toBool());
        const QByteArray text = c["text"].toString().toUtf8();
        const std::vector<int32_t> expected =
            toIds(c["package_expected_ids_without_bos_eos"].toArray());
        const std::vector<int32_t> ids = m.tokenizer->encode(
            std::string_view(text.constData(), size_t(text.size())), false, true);
        QVERIFY2(ids == expected, qPrintable("text " + c["text"].toString() + "\n got      " +
                                             show(ids) + "\n expected " + show(expected)));
        QCOMPARE(QByteArray::fromStdString(m.tokenizer->decode(ids, true)), text);
    }
}

void TokenizerReferenceTest::specialTokenIds() {
    // Values from the reference README / the files' KV pairs.
    {
        LOAD_MODEL(m, "tiny-dense-f32");
        const Tokenizer& t = *m.tokenizer;
        QCOMPARE(t.vocabSize(), 50257);
        QCOMPARE(t.bos(), 50256);
        QCOMPARE(t.eos(), 50256);
        QVERIFY(!t.addsBos());
        QVERIFY(t.isControl(50256));
        QVERIFY(t.isEndOfGeneration(50256));
        QVERIFY(!t.isEndOfGeneration(198));
        QCOMPARE(QString::fromStdString(std::string(t.tokenText(50256))), QString("<|endoftext|>"));
        QCOMPARE(QByteArray::fromStdString(t.tokenBytes(220)), QByteArray(" "));  // "Ġ"
        QCOMPARE(QByteArray::fromStdString(t.tokenBytes(198)), QByteArray("\n")); // "Ċ"
        QVERIFY(t.tokenBytes(50256).empty());
    }
    {
        LOAD_MODEL(m, "tiny-llama3-f16");
        const Tokenizer& t = *m.tokenizer;
        QCOMPARE(t.vocabSize(), 128256);
        QCOMPARE(t.bos(), 128000);
        QCOMPARE(t.eos(), 128001);
        QVERIFY(t.addsBos());
        QVERIFY(t.isEndOfGeneration(128001)); // <|end_of_text|>
        QVERIFY(t.isEndOfGeneration(128008)); // <|eom_id|>
        QVERIFY(t.isEndOfGeneration(128009)); // <|eot_id|>
        QVERIFY(!t.isEndOfGeneration(128000));
        QVERIFY(!t.isEndOfGeneration(128006));
        // The README's look-alike: not a token, so plain text.
        const std::vector<int32_t> ids =
            t.encode("<|reserved_special_token_250|><|eot_id|>", false, true);
        QVERIFY(ids.size() > 2);
        QCOMPARE(ids.back(), 128009);
        QCOMPARE(QByteArray::fromStdString(t.decode(ids, true)),
                 QByteArray("<|reserved_special_token_250|><|eot_id|>"));
        QCOMPARE(QByteArray::fromStdString(t.decode(ids, false)),
                 QByteArray("<|reserved_special_token_250|>"));
    }
    {
        LOAD_MODEL(m, "tiny-qwen3moe-f32");
        const Tokenizer& t = *m.tokenizer;
        QCOMPARE(t.bos(), 4093);
        QCOMPARE(t.eos(), 4095);
        QVERIFY(t.isEndOfGeneration(4095));
        QVERIFY(t.isEndOfGeneration(4093)); // <|endoftext|> is a control token here
    }
}

void TokenizerReferenceTest::streamHoldsBackSplitCharacters() {
    // tiny-dense's "emoji" case starts "I love pizza 🍕🍕!" = 40 1842 14256 | 12520 235 243 |
    // 8582 235 243 | 0: the pizza's four bytes are split over three tokens each.
    LOAD_MODEL(m, "tiny-dense-f32");
    TokenTextStream stream(*m.tokenizer);
    QCOMPARE(QString::fromStdString(stream.push(40)), QString("I"));
    QCOMPARE(QString::fromStdString(stream.push(1842)), QString(" love"));
    QCOMPARE(QString::fromStdString(stream.push(14256)), QString(" pizza"));
    QCOMPARE(QString::fromStdString(stream.push(12520)), QString(" ")); // + F0 9F held back
    QVERIFY(stream.push(235).empty());                                  // 8D
    QCOMPARE(QString::fromStdString(stream.push(243)), QString::fromUtf8("🍕"));
    QVERIFY(stream.push(8582).empty()); // F0 9F
    QVERIFY(stream.push(235).empty());
    QCOMPARE(QString::fromStdString(stream.push(243)), QString::fromUtf8("🍕"));
    QCOMPARE(QString::fromStdString(stream.push(0)), QString("!"));
    QVERIFY(stream.flush().empty());
}

QTEST_GUILESS_MAIN(TokenizerReferenceTest)
#include "tokenizer_reference_test.moc"
