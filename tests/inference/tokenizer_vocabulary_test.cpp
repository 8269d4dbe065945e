// Tokenizer behaviour that the reference models do not reach, on small vocabularies written
// here as GGUF files: clear errors for unusable files, merge order and tie-breaking, special
// tokens (user-defined always, control only with parseSpecial, longest first), BOS/EOS rules,
// SentencePiece's space prefix after special tokens, out-of-range ids.

#include "inference/gguf/gguf_file.h"
#include "inference/tokenizer/tokenizer.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <fstream>

using namespace fabulist::inference;

namespace {

// Minimal GGUF v3 writer for metadata-only files (the test's own, independent of the engine's).
class MetadataFile {
public:
    void string(const std::string& key, const std::string& v) {
        begin(key, 8);
        str(v);
    }
    void u32(const std::string& key, uint32_t v) {
        begin(key, 4);
        raw(&v, 4);
    }
    void boolean(const std::string& key, bool v) {
        begin(key, 7);
        const uint8_t b = v;
        raw(&b, 1);
    }
    void strings(const std::string& key, const std::vector<std::string>& v) {
        array(key, 8, v.size());
        for (const auto& s : v) str(s);
    }
    void ints(const std::string& key, const std::vector<int32_t>& v) {
        array(key, 5, v.size());
        raw(v.data(), v.size() * 4);
    }
    void floats(const std::string& key, const std::vector<float>& v) {
        array(key, 6, v.size());
        raw(v.data(), v.size() * 4);
    }
    std::string write(const QTemporaryDir& dir, const char* name) const {
        const std::string path = dir.filePath(name).toStdString();
        std::string head = "GGUF";
        const uint32_t version = 3;
        const uint64_t tensors = 0;
        head.append(reinterpret_cast<const char*>(&version), 4);
        head.append(reinterpret_cast<const char*>(&tensors), 8);
        head.append(reinterpret_cast<const char*>(&m_count), 8);
        std::string all = head + m_body;
        all.append((32 - all.size() % 32) % 32, '\0');
        std::ofstream(path, std::ios::binary).write(all.data(), std::streamsize(all.size()));
        return path;
    }

private:
    void raw(const void* p, size_t n) { m_body.append(static_cast<const char*>(p), n); }
    void str(const std::string& s) {
        const uint64_t n = s.size();
        raw(&n, 8);
        m_body += s;
    }
    void begin(const std::string& key, uint32_t type) {
        str(key);
        raw(&type, 4);
        ++m_count;
    }
    void array(const std::string& key, uint32_t elementType, uint64_t n) {
        begin(key, 9);
        raw(&elementType, 4);
        raw(&n, 8);
    }
    std::string m_body;
    uint64_t m_count = 0;
};

// GPT-2's byte characters: token b (0..255) is the character of byte b.
std::vector<std::string> byteTokens() {
    std::vector<std::string> out;
    int next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
        const int cp = printable ? b : next++;
        std::string s;
        if (cp < 0x80) {
            s += char(cp);
        } else {
            s += char(0xc0 | (cp >> 6));
            s += char(0x80 | (cp & 0x3f));
        }
        out.push_back(s);
    }
    return out;
}

// A byte-level BPE vocabulary: 256 byte tokens, then the given extra tokens and types.
MetadataFile bpeFile(const std::vector<std::string>& extra, const std::vector<int32_t>& extraTypes,
                     const std::vector<std::string>& merges, const std::string& pre = "gpt-2") {
    std::vector<std::string> tokens = byteTokens();
    std::vector<int32_t> types(256, 1);
    tokens.insert(tokens.end(), extra.begin(), extra.end());
    types.insert(types.end(), extraTypes.begin(), extraTypes.end());
    MetadataFile f;
    f.string("general.architecture", "llama");
    f.string("tokenizer.ggml.model", "gpt2");
    f.string("tokenizer.ggml.pre", pre);
    f.strings("tokenizer.ggml.tokens", tokens);
    f.ints("tokenizer.ggml.token_type", types);
    f.strings("tokenizer.ggml.merges", merges);
    return f;
}

std::unique_ptr<Tokenizer> load(const std::string& path) {
    const auto file = GgufFile::open(path);
    return Tokenizer::fromGguf(*file); // the tokenizer does not keep the file
}

// The TokenizerError message for a file, or "" when it loads.
QString loadError(const std::string& path) {
    try {
        load(path);
    } catch (const TokenizerError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

std::vector<int32_t> ids(std::initializer_list<int32_t> l) {
    return l;
}

} // namespace

class TokenizerVocabularyTest : public QObject {
    Q_OBJECT
private slots:
    void errorsNameFileAndKey();
    void mergeOrder();
    void specialTokens();
    void bosAndEos();
    void sentencePieceSpacePrefix();
    void outOfRangeIds();

private:
    QTemporaryDir m_dir;
};

void TokenizerVocabularyTest::errorsNameFileAndKey() {
    QVERIFY(m_dir.isValid());
    const auto expectError = [&](const MetadataFile& f, const char* name,
                                 std::initializer_list<const char*> parts) {
        const std::string path = f.write(m_dir, name);
        const QString error = loadError(path);
        QVERIFY2(!error.isEmpty(), name);
        QVERIFY2(error.contains(QString::fromStdString(path)), qPrintable(error));
        for (const char* part : parts) QVERIFY2(error.contains(part), qPrintable(error));
    };

    MetadataFile noModel;
    noModel.string("general.architecture", "llama");
    expectError(noModel, "no-model.gguf", {"tokenizer.ggml.model"});

    MetadataFile bert;
    bert.string("tokenizer.ggml.model", "bert");
    bert.strings("tokenizer.ggml.tokens", {"a"});
    expectError(bert, "bert.gguf", {"tokenizer.ggml.model", "bert"});

    expectError(bpeFile({}, {}, {}, "deepseek-llm"), "pre.gguf",
                {"tokenizer.ggml.pre", "deepseek-llm"});

    MetadataFile noMergesKey;
    noMergesKey.string("tokenizer.ggml.model", "gpt2");
    noMergesKey.string("tokenizer.ggml.pre", "gpt-2");
    noMergesKey.strings("tokenizer.ggml.tokens", byteTokens());
    expectError(noMergesKey, "no-merges.gguf", {"tokenizer.ggml.merges"});

    MetadataFile badTypes;
    badTypes.string("tokenizer.ggml.model", "llama");
    badTypes.strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a"});
    badTypes.ints("tokenizer.ggml.token_type", {2, 3, 3});
    expectError(badTypes, "types.gguf", {"tokenizer.ggml.token_type", "3 entries", "4 tokens"});

    MetadataFile badScores;
    badScores.string("tokenizer.ggml.model", "llama");
    badScores.strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a"});
    badScores.floats("tokenizer.ggml.scores", {0, 0});
    expectError(badScores, "scores.gguf", {"tokenizer.ggml.scores"});

    MetadataFile badBos = bpeFile({}, {}, {});
    badBos.u32("tokenizer.ggml.bos_token_id", 9999);
    expectError(badBos, "bos.gguf", {"tokenizer.ggml.bos_token_id", "9999"});

    MetadataFile noBos = bpeFile({}, {}, {});
    noBos.boolean("tokenizer.ggml.add_bos_token", true);
    expectError(noBos, "nobos.gguf", {"tokenizer.ggml.bos_token_id"});

    MetadataFile emptyVocab;
    emptyVocab.string("tokenizer.ggml.model", "llama");
    emptyVocab.strings("tokenizer.ggml.tokens", {});
    expectError(emptyVocab, "empty.gguf", {"tokenizer.ggml.tokens"});
}

void TokenizerVocabularyTest::mergeOrder() {
    // 256 "ab", 257 "bc", 258 "aa", 259 "aaa"
    const std::vector<std::string> extra{"ab", "bc", "aa", "aaa"};
    const std::vector<int32_t> types{1, 1, 1, 1};
    {
        const auto t =
            load(bpeFile(extra, types, {"a b", "b c", "a a", "aa a"}).write(m_dir, "m1.gguf"));
        QCOMPARE(t->encode("abc"), ids({256, 'c'}));  // "a b" has the better rank
        QCOMPARE(t->encode("aaaa"), ids({258, 258})); // leftmost first on equal ranks
        // "a a" pairs from the left first, then "aa a" joins the last two symbols.
        QCOMPARE(t->encode("aaaaa"), ids({258, 259}));
        QCOMPARE(t->decode(t->encode("aaaaa")), std::string("aaaaa"));
    }
    {
        const auto t =
            load(bpeFile(extra, types, {"b c", "a b", "aa a", "a a"}).write(m_dir, "m2.gguf"));
        QCOMPARE(t->encode("abc"), ids({'a', 257}));
        QCOMPARE(t->encode("aaa"), ids({259})); // "aa a" applies once "a a" made "aa"
    }
    {
        // A merge whose result is not a token: llama.cpp falls back to single-byte tokens.
        const auto t = load(bpeFile({}, {}, {"x y"}).write(m_dir, "m3.gguf"));
        QCOMPARE(t->encode("xy"), ids({'x', 'y'}));
    }
}

void TokenizerVocabularyTest::specialTokens() {
    // 256 <|ctl|> (control), 257 <ud> (user-defined), 258 <ud>x (user-defined)
    MetadataFile f = bpeFile({"<|ctl|>", "<ud>", "<ud>x"}, {3, 4, 4}, {});
    const auto t = load(f.write(m_dir, "special.gguf"));
    const std::vector<int32_t> plain = t->encode("a<ud>b<|ctl|>", false, false);
    QCOMPARE(plain.size(), size_t(1 + 1 + 1 + 7));
    QCOMPARE(plain[1], 257); // user-defined tokens are always recognised
    QVERIFY(std::find(plain.begin(), plain.end(), 256) == plain.end());
    QCOMPARE(t->encode("a<ud>b<|ctl|>", false, true), ids({'a', 257, 'b', 256}));
    QCOMPARE(t->encode("<ud>xx", false, false), ids({258, 'x'})); // longest first

    // Precedence is by length over the whole text, not leftmost-first (llama.cpp): "yzw"
    // (3 bytes) claims its occurrence before "xy" (2 bytes) is looked for.
    const auto p = load(bpeFile({"xy", "yzw"}, {4, 4}, {}).write(m_dir, "precedence.gguf"));
    QCOMPARE(p->encode("xyzw", false, false), ids({'x', 257}));
    QCOMPARE(p->encode("xyxyzw", false, false), ids({256, 'x', 257}));
    QCOMPARE(t->decode(ids({257, 256})), std::string("<ud>"));
    QCOMPARE(t->decode(ids({257, 256}), true), std::string("<ud><|ctl|>"));
    QVERIFY(t->isControl(256));
    QVERIFY(!t->isControl(257));
    QCOMPARE(t->tokenType(258), TokenType::UserDefined);
    QCOMPARE(QByteArray::fromStdString(t->tokenBytes(258)), QByteArray("<ud>x"));
    QVERIFY(t->tokenBytes(256).empty());
}

void TokenizerVocabularyTest::bosAndEos() {
    MetadataFile f = bpeFile({"<s>", "</s>", "<|im_end|>"}, {3, 3, 3}, {});
    f.u32("tokenizer.ggml.bos_token_id", 256);
    f.u32("tokenizer.ggml.eos_token_id", 257);
    f.boolean("tokenizer.ggml.add_bos_token", true);
    f.boolean("tokenizer.ggml.add_eos_token", true);
    const auto t = load(f.write(m_dir, "boseos.gguf"));
    QCOMPARE(t->encode("a"), ids({256, 'a', 257}));
    QCOMPARE(t->encode(""), ids({256, 257}));
    QCOMPARE(t->encode("a", false), ids({'a'}));
    QVERIFY(t->isEndOfGeneration(257));
    QVERIFY(t->isEndOfGeneration(258)); // <|im_end|>, found by its text
    QVERIFY(!t->isEndOfGeneration(256));

    // An end-of-turn text that the file marks as normal still ends generation and becomes a
    // control token (llama.cpp overrides its type the same way).
    const auto u = load(bpeFile({"<|eot_id|>"}, {1}, {}).write(m_dir, "eot.gguf"));
    QVERIFY(u->isEndOfGeneration(256));
    QVERIFY(u->isControl(256));
    QCOMPARE(u->encode("a<|eot_id|>", false, true), ids({'a', 256}));

    // Without the keys: byte-level BPE adds nothing, except with the LLaMA-3 pre-tokenizer.
    MetadataFile plain = bpeFile({"<s>"}, {3}, {});
    plain.u32("tokenizer.ggml.bos_token_id", 256);
    QCOMPARE(load(plain.write(m_dir, "nokeys.gguf"))->encode("a"), ids({'a'}));
    MetadataFile llama3 = bpeFile({"<s>"}, {3}, {}, "llama-bpe");
    llama3.u32("tokenizer.ggml.bos_token_id", 256);
    QCOMPARE(load(llama3.write(m_dir, "llama3.gguf"))->encode("a"), ids({256, 'a'}));
}

void TokenizerVocabularyTest::sentencePieceSpacePrefix() {
    // 0 <unk>, 1 <s>, 2 </s>, 3 "▁", 4 "a", 5 "▁a", 6 "<ctl>" (control); no byte tokens.
    const auto file = [&](bool prefix, const char* name) {
        MetadataFile f;
        f.string("tokenizer.ggml.model", "llama");
        f.strings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "\xe2\x96\x81", "a",
                                            "\xe2\x96\x81"
                                            "a",
                                            "<ctl>"});
        f.floats("tokenizer.ggml.scores", {0, 0, 0, -1, -2, -3, 0});
        f.ints("tokenizer.ggml.token_type", {2, 3, 3, 1, 1, 1, 3});
        f.boolean("tokenizer.ggml.add_space_prefix", prefix);
        return load(f.write(m_dir, name));
    };
    const auto t = file(true, "spm1.gguf");
    QCOMPARE(t->encode("a a"), ids({1, 5, 5}));
    // After a special token the next text gets the prefix again (llama.cpp).
    QCOMPARE(t->encode("a<ctl>a", false, true), ids({5, 6, 5}));
    // Characters outside the vocabulary without byte tokens become <unk>.
    QCOMPARE(t->encode("ab", false), ids({5, 0}));
    QCOMPARE(t->decode(ids({1, 5, 5})), std::string("a a"));

    // A piece with U+2581 after a letter ("a▁") can span the start of a word, so words are not
    // merged separately: "▁a▁a" -> "▁", "a▁", "a" because "a▁" outscores "▁a".
    {
        MetadataFile f;
        f.string("tokenizer.ggml.model", "llama");
        f.strings("tokenizer.ggml.tokens",
                  {"<unk>", "<s>", "</s>", "\xe2\x96\x81", "a", "a\xe2\x96\x81",
                   "\xe2\x96\x81"
                   "a"});
        f.floats("tokenizer.ggml.scores", {0, 0, 0, -3, -4, -1, -2});
        f.ints("tokenizer.ggml.token_type", {2, 3, 3, 1, 1, 1, 1});
        const auto v = load(f.write(m_dir, "spm3.gguf"));
        QCOMPARE(v->encode("a a"), ids({1, 3, 5, 4}));
        QCOMPARE(v->decode(ids({1, 3, 5, 4})), std::string("a a"));
    }

    const auto u = file(false, "spm2.gguf");
    QCOMPARE(u->encode("a a"), ids({1, 4, 5}));
    QCOMPARE(u->decode(ids({1, 5, 5})), std::string(" a a"));
}

void TokenizerVocabularyTest::outOfRangeIds() {
    const auto t = load(bpeFile({}, {}, {}).write(m_dir, "range.gguf"));
    QCOMPARE(t->decode(ids({-1, 'h', 1 << 30, 'i'})), std::string("hi"));
    QVERIFY(t->tokenText(-5).empty());
    QVERIFY(t->tokenText(256).empty());
    QVERIFY(!t->isControl(12345));
    QVERIFY(!t->isEndOfGeneration(-1));
    QCOMPARE(t->bos(), -1);
    QCOMPARE(t->eos(), -1);
    TokenTextStream stream(*t);
    QVERIFY(stream.push(99999).empty());
}

QTEST_GUILESS_MAIN(TokenizerVocabularyTest)
#include "tokenizer_vocabulary_test.moc"
