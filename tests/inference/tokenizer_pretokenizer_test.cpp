// The pre-tokenizer scanners against the real split regexes (expected pieces computed by the
// Python `regex` module, see tokenizer_pretokenizer_cases.py), and the Unicode and UTF-8
// helpers they stand on.

#include "inference/tokenizer/pre_tokenizer.h"
#include "inference/tokenizer/unicode_text.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace fabulist::inference;

namespace {

QJsonObject loadCases() {
    QFile f(qEnvironmentVariable("FABULIST_SOURCE_DIR") +
            "/tests/inference/tokenizer_pretokenizer_cases.json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object()["cases"].toObject();
}

UnicodeCategory cat(char32_t cp) {
    return codepointFlags(cp).category();
}
bool space(char32_t cp) {
    return codepointFlags(cp).isWhitespace();
}

} // namespace

class TokenizerPretokenizerTest : public QObject {
    Q_OBJECT
private slots:
    void names();
    void splitsLikeTheRegex_data();
    void splitsLikeTheRegex();
    void unicodeCategories();
    void utf8Decoding();
    void completePrefix();
};

void TokenizerPretokenizerTest::names() {
    QCOMPARE(preTokenizerFromName("gpt-2"), std::optional(PreTokenizerKind::Gpt2));
    QCOMPARE(preTokenizerFromName("llama-bpe"), std::optional(PreTokenizerKind::Llama3));
    QCOMPARE(preTokenizerFromName("llama3"), std::optional(PreTokenizerKind::Llama3));
    QCOMPARE(preTokenizerFromName("qwen2"), std::optional(PreTokenizerKind::Qwen2));
    QCOMPARE(preTokenizerFromName("default"), std::optional(PreTokenizerKind::Default));
    QCOMPARE(preTokenizerFromName("falcon3"), std::optional(PreTokenizerKind::Llama3));
    QCOMPARE(preTokenizerFromName("phi-2"), std::optional(PreTokenizerKind::Gpt2));
    QCOMPARE(preTokenizerFromName("deepseek-r1-qwen"), std::optional(PreTokenizerKind::Qwen2));
    QVERIFY(!preTokenizerFromName("deepseek-coder"));
    QVERIFY(!preTokenizerFromName("roberta-bpe")); // GPT-2 pattern, but llama.cpp adds SEP
    QVERIFY(!preTokenizerFromName(""));
    QVERIFY(preTokenizerIgnoresMerges(PreTokenizerKind::Llama3));
    QVERIFY(!preTokenizerIgnoresMerges(PreTokenizerKind::Qwen2));
}

void TokenizerPretokenizerTest::splitsLikeTheRegex_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QStringList>("expected");
    const QJsonObject all = loadCases();
    if (all.isEmpty()) QTest::newRow("missing cases") << QString() << QString() << QStringList();
    for (const QString& kind : {"gpt-2", "llama-bpe", "qwen2", "default"}) {
        const QJsonArray cases = all[kind].toArray();
        for (int i = 0; i < cases.size(); ++i) {
            const QJsonObject c = cases[i].toObject();
            QStringList pieces;
            for (const auto& p : c["pieces"].toArray()) pieces << p.toString();
            QTest::newRow(qPrintable(QString("%1/%2").arg(kind).arg(i)))
                << kind << c["text"].toString() << pieces;
        }
    }
}

void TokenizerPretokenizerTest::splitsLikeTheRegex() {
    QVERIFY2(!loadCases().isEmpty(),
             "tokenizer_pretokenizer_cases.json not found (FABULIST_SOURCE_DIR "
             "is set by CTest; run via ctest)");
    QFETCH(QString, kind);
    QFETCH(QString, text);
    QFETCH(QStringList, expected);
    const PreTokenizer pre(*preTokenizerFromName(kind.toStdString()));
    const QByteArray utf8 = text.toUtf8();
    std::vector<std::string_view> pieces;
    pre.split(std::string_view(utf8.constData(), size_t(utf8.size())), pieces);
    QStringList got;
    for (std::string_view p : pieces) got << QString::fromUtf8(p.data(), qsizetype(p.size()));
    QCOMPARE(got, expected);
}

void TokenizerPretokenizerTest::unicodeCategories() {
    QCOMPARE(cat('A'), UnicodeCategory::Letter);
    QCOMPARE(cat(U'é'), UnicodeCategory::Letter);
    QCOMPARE(cat(U'中'), UnicodeCategory::Letter);   // Lo, in a range entry of UnicodeData
    QCOMPARE(cat(0xac00), UnicodeCategory::Letter);  // first Hangul syllable
    QCOMPARE(cat(0xd7a3), UnicodeCategory::Letter);  // last Hangul syllable
    QCOMPARE(cat(0x20000), UnicodeCategory::Letter); // CJK Extension B
    QCOMPARE(cat('7'), UnicodeCategory::Number);
    QCOMPARE(cat(0x0663), UnicodeCategory::Number); // ARABIC-INDIC DIGIT THREE (Nd)
    QCOMPARE(cat(0x00b2), UnicodeCategory::Number); // SUPERSCRIPT TWO (No)
    QCOMPARE(cat(0x2163), UnicodeCategory::Number); // ROMAN NUMERAL FOUR (Nl)
    QCOMPARE(cat('!'), UnicodeCategory::Punctuation);
    QCOMPARE(cat(0x2014), UnicodeCategory::Punctuation); // EM DASH
    QCOMPARE(cat('$'), UnicodeCategory::Symbol);
    QCOMPARE(cat(0x20ac), UnicodeCategory::Symbol);  // EURO SIGN
    QCOMPARE(cat(0x1f355), UnicodeCategory::Symbol); // SLICE OF PIZZA
    QCOMPARE(cat(0x0301), UnicodeCategory::Mark);    // COMBINING ACUTE ACCENT
    QCOMPARE(cat(0x200d), UnicodeCategory::Other);   // ZERO WIDTH JOINER (Cf)
    QCOMPARE(cat(0xe000), UnicodeCategory::Other);   // private use
    QCOMPARE(cat(0x0378), UnicodeCategory::Unassigned);
    QCOMPARE(cat(0x10ffff), UnicodeCategory::Unassigned);
    QCOMPARE(cat(0x3000), UnicodeCategory::Separator);
    // White_Space (PropList.txt), the \s of the patterns.
    for (char32_t cp : {0x09u, 0x0au, 0x0bu, 0x0cu, 0x0du, 0x20u, 0x85u, 0xa0u, 0x1680u, 0x2000u,
                        0x200au, 0x2028u, 0x2029u, 0x202fu, 0x205fu, 0x3000u}) {
        QVERIFY2(space(cp), qPrintable(QString::number(cp, 16)));
    }
    for (char32_t cp : {0x08u, 0x1cu, 0x1fu, 0x200bu, 0x180eu, 0xfeffu, 0x61u}) {
        QVERIFY2(!space(cp), qPrintable(QString::number(cp, 16)));
    }
}

void TokenizerPretokenizerTest::utf8Decoding() {
    const auto dec = [](std::string_view s) { return decodeUtf8(s, 0); };
    QCOMPARE(dec("A").cp, char32_t('A'));
    QCOMPARE(dec("\xc3\xa9").cp, char32_t(0xe9));
    QCOMPARE(dec("\xc3\xa9").length, 2u);
    QCOMPARE(dec("\xf0\x9f\x8d\x95").cp, char32_t(0x1f355));
    QCOMPARE(dec("\xf0\x9f\x8d\x95").length, 4u);
    for (std::string_view bad : {"\x80", "\xff", "\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80",
                                 "\xf4\x90\x80\x80", "\xe2\x82", "\xc3(", "\xf8\x88\x80\x80\x80"}) {
        QCOMPARE(dec(bad).cp, kInvalidCodepoint);
        QCOMPARE(dec(bad).length, 1u);
    }
    std::string out;
    for (char32_t cp : {char32_t('a'), char32_t(0xe9), char32_t(0x4e2d), char32_t(0x1f355)}) {
        appendUtf8(out, cp);
    }
    QCOMPARE(QString::fromStdString(out), QString::fromUtf8("aé中🍕"));
}

void TokenizerPretokenizerTest::completePrefix() {
    QCOMPARE(completeUtf8Prefix(""), size_t(0));
    QCOMPARE(completeUtf8Prefix("abc"), size_t(3));
    QCOMPARE(completeUtf8Prefix("a\xe4\xbd"), size_t(1)); // 你, one byte missing
    QCOMPARE(completeUtf8Prefix("a\xe4"), size_t(1));
    QCOMPARE(completeUtf8Prefix("a\xe4\xbd\xa0"), size_t(4)); // complete
    QCOMPARE(completeUtf8Prefix("\xf0\x9f\x8d"), size_t(0));  // 🍕 without its last byte
    QCOMPARE(completeUtf8Prefix("\xe0\x80"), size_t(2));      // can never be valid: release
    QCOMPARE(completeUtf8Prefix("\xf4\x90"), size_t(2));
    QCOMPARE(completeUtf8Prefix("\xff"), size_t(1));
    QCOMPARE(completeUtf8Prefix("\x80\x80\x80"), size_t(3));
}

QTEST_GUILESS_MAIN(TokenizerPretokenizerTest)
#include "tokenizer_pretokenizer_test.moc"
