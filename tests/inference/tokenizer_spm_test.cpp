// Our SentencePiece tokenizer against sentencepiece itself: tests/fixtures/spm/ holds a small
// model trained with the default model's settings (BPE, byte fallback, identity normalization,
// dummy prefix, split digits, whitespace-only pieces), its vocabulary as GGUF, and
// sentencepiece's encodings of ~30 strings (made by make_fixture.py with python3-sentencepiece).

#include "inference/gguf/gguf_file.h"
#include "inference/tokenizer/tokenizer.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace fabulist::inference;

namespace {

QString fixtureDir() {
    return qEnvironmentVariable("FABULIST_SOURCE_DIR") + "/tests/fixtures/spm";
}

struct Fixture {
    std::unique_ptr<GgufFile> file;
    std::unique_ptr<Tokenizer> tokenizer;
    QJsonArray cases;
    QString error; // why the fixture could not be loaded
};

Fixture& fixture() {
    static Fixture f = [] {
        Fixture x;
        QFile json(fixtureDir() + "/tiny-spm.json");
        if (json.open(QIODevice::ReadOnly)) {
            x.cases = QJsonDocument::fromJson(json.readAll()).object()["cases"].toArray();
        }
        try {
            x.file = GgufFile::open((fixtureDir() + "/tiny-spm.gguf").toStdString());
            x.tokenizer = Tokenizer::fromGguf(*x.file);
        } catch (const std::exception& e) {
            x.error = QString::fromStdString(e.what());
        }
        return x;
    }();
    return f;
}

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

std::string_view view(const QByteArray& b) {
    return {b.constData(), size_t(b.size())};
}

} // namespace

class TokenizerSpmTest : public QObject {
    Q_OBJECT
private slots:
    void fixtureExists();
    void vocabulary();
    void encodeMatchesSentencepiece_data();
    void encodeMatchesSentencepiece();
    void streamHoldsBackPartialCharacters();
    void invalidUtf8UsesByteTokens();
};

void TokenizerSpmTest::fixtureExists() {
    QVERIFY2(QFile::exists(fixtureDir() + "/tiny-spm.gguf"),
             qPrintable("missing " + fixtureDir() +
                        "/tiny-spm.gguf (FABULIST_SOURCE_DIR is set by CTest; run via ctest)"));
    QVERIFY(fixture().cases.size() >= 30);
}

void TokenizerSpmTest::vocabulary() {
    QVERIFY2(fixture().tokenizer, qPrintable(fixture().error));
    const Tokenizer& t = *fixture().tokenizer;
    QCOMPARE(t.kind(), Tokenizer::Kind::Spm);
    QCOMPARE(t.vocabSize(), 600);
    QCOMPARE(t.unk(), 0);
    QCOMPARE(t.bos(), 1);
    QCOMPARE(t.eos(), 2);
    QVERIFY(t.addsBos());
    QVERIFY(!t.addsEos());
    QVERIFY(t.isControl(1));
    QVERIFY(t.isEndOfGeneration(2));
    QVERIFY(!t.isEndOfGeneration(1));
    QCOMPARE(t.tokenType(3), TokenType::Byte);
    QCOMPARE(QByteArray::fromStdString(std::string(t.tokenText(3))), QByteArray("<0x00>"));
    QCOMPARE(QByteArray::fromStdString(t.tokenBytes(3 + 0x41)), QByteArray("A"));
    QCOMPARE(QByteArray::fromStdString(t.tokenBytes(3 + 0xe4)), QByteArray("\xe4"));
    QVERIFY(t.tokenBytes(1).empty()); // control renders as nothing
}

void TokenizerSpmTest::encodeMatchesSentencepiece_data() {
    QTest::addColumn<int>("index");
    if (fixture().cases.isEmpty()) QTest::newRow("missing fixture") << -1; // fails with reason
    for (int i = 0; i < fixture().cases.size(); ++i) {
        const QString text = fixture().cases[i].toObject()["text"].toString();
        QTest::newRow(qPrintable(QString("%1: %2").arg(i).arg(text.left(24)))) << i;
    }
}

void TokenizerSpmTest::encodeMatchesSentencepiece() {
    QFETCH(int, index);
    QVERIFY2(fixture().tokenizer, qPrintable(fixture().error));
    QVERIFY2(index >= 0, qPrintable("no cases in " + fixtureDir() + "/tiny-spm.json"));
    const Tokenizer& t = *fixture().tokenizer;
    const QJsonObject c = fixture().cases[index].toObject();
    const QByteArray text = c["text"].toString().toUtf8();
    const std::vector<int32_t> expected = toIds(c["ids"].toArray());

    const std::vector<int32_t> ids = t.encode(view(text), false, false);
    QVERIFY2(ids == expected, qPrintable("got " + show(ids) + "\n expected " + show(expected)));

    std::vector<int32_t> withBos{t.bos()};
    withBos.insert(withBos.end(), expected.begin(), expected.end());
    QCOMPARE(t.encode(view(text)), withBos);

    // sentencepiece's decode (U+2581 in the input comes back as a space, as in sentencepiece).
    const QByteArray decoded = c["decoded"].toString().toUtf8();
    QCOMPARE(QByteArray::fromStdString(t.decode(expected)), decoded);
    QCOMPARE(QByteArray::fromStdString(t.decode(withBos)), decoded);

    // Streaming: the pieces as a continuation (dummy-prefix space kept), in valid UTF-8 chunks.
    TokenTextStream stream(t);
    std::string streamed, pieces;
    for (int32_t id : expected) {
        const std::string part = stream.push(id);
        QVERIFY2(QString::fromUtf8(part).toUtf8() == QByteArray::fromStdString(part),
                 "stream returned incomplete UTF-8");
        streamed += part;
        pieces += t.tokenBytes(id);
    }
    streamed += stream.flush();
    QCOMPARE(QByteArray::fromStdString(streamed), QByteArray::fromStdString(pieces));
}

void TokenizerSpmTest::streamHoldsBackPartialCharacters() {
    QVERIFY2(fixture().tokenizer, qPrintable(fixture().error));
    const Tokenizer& t = *fixture().tokenizer;
    // "你" and "🍕" are not in the vocabulary: they become 3 and 4 byte tokens.
    const std::vector<int32_t> ids = t.encode("你🍕", false);
    QCOMPARE(int(ids.size()), 1 + 3 + 4); // "▁" then the bytes
    TokenTextStream stream(t);
    QCOMPARE(QByteArray::fromStdString(stream.push(ids[0])), QByteArray(" "));
    QVERIFY(stream.push(ids[1]).empty());
    QVERIFY(stream.push(ids[2]).empty());
    QCOMPARE(QString::fromStdString(stream.push(ids[3])), QString::fromUtf8("你"));
    QVERIFY(stream.push(ids[4]).empty());
    QVERIFY(stream.push(ids[5]).empty());
    QVERIFY(stream.push(ids[6]).empty());
    QCOMPARE(QString::fromStdString(stream.push(ids[7])), QString::fromUtf8("🍕"));
    QVERIFY(stream.flush().empty());

    // A sequence cut short comes out as U+FFFD at flush; a stray byte at once.
    TokenTextStream cut(t);
    QVERIFY(cut.push(ids[4]).empty());
    QCOMPARE(QString::fromStdString(cut.flush()), QString(QChar(0xfffd)));
    QCOMPARE(QString::fromStdString(cut.push(3 + 0x80)), QString(QChar(0xfffd)));
}

void TokenizerSpmTest::invalidUtf8UsesByteTokens() {
    QVERIFY2(fixture().tokenizer, qPrintable(fixture().error));
    const Tokenizer& t = *fixture().tokenizer;
    const std::string bad = "a\xff\xc3(\xe2\x82";
    const std::vector<int32_t> ids = t.encode(bad, false);
    QCOMPARE(QByteArray::fromStdString(t.decode(ids)), QByteArray::fromStdString(bad));
}

QTEST_GUILESS_MAIN(TokenizerSpmTest)
#include "tokenizer_spm_test.moc"
