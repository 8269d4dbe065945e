// The SSE framing of streamed completions (ui/remote/sse_parser.*): events split anywhere
// across reads, CRLF, comments, [DONE], and malformed lines as one clear error.
#include "ui/remote/completion_json.h"
#include "ui/remote/sse_parser.h"

#include <QtTest>

using fabulist::remote::SseEvent;
using fabulist::remote::SseParser;

class RemoteSseParserTest : public QObject {
    Q_OBJECT
private slots:
    void splitAtEveryByte() {
        const QByteArray stream = ": keep-alive\r\ndata: {\"a\":1}\r\n\r\nevent: x\ndata: {\"b\":\n"
                                  "data: 2}\n\ndata: [DONE]\n\n";
        for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
            SseParser parser;
            std::vector<SseEvent> events = parser.feed(stream.left(cut));
            for (SseEvent& e : parser.feed(stream.mid(cut))) events.push_back(std::move(e));
            QVERIFY2(parser.error().isEmpty(), qPrintable(parser.error()));
            QCOMPARE(events.size(), size_t(3));
            QCOMPARE(events[0].data, QByteArray("{\"a\":1}"));
            QCOMPARE(events[1].data, QByteArray("{\"b\":\n2}"));
            QVERIFY(!events[1].done);
            QVERIFY(events[2].done);
        }
    }
    void malformedLineIsAnError() {
        SseParser parser;
        auto events =
            parser.feed("data: {\"a\":1}\n\nthis is not a server-sent event\n\ndata: x\n\n");
        QCOMPARE(events.size(), size_t(1));
        QVERIFY(parser.error().contains(QLatin1String("malformed")));
        QVERIFY(parser.error().contains(QLatin1String("this is not a server-sent event")));
        QVERIFY(parser.feed("data: y\n\n").empty());
    }
    void unterminatedEventAtClose() {
        SseParser parser;
        QVERIFY(parser.feed("data: {\"a\":1}\n").empty());
        const auto events = parser.finish();
        QCOMPARE(events.size(), size_t(1));
        QCOMPARE(events[0].data, QByteArray("{\"a\":1}"));
    }
    void errorEventMidStream() {
        fabulist::remote::Completion c;
        QString error;
        QVERIFY(fabulist::remote::applyChunk(
            R"({"choices":[{"index":0,"text":"Once","finish_reason":null}],"model":"m"})", c,
            &error));
        QVERIFY(!fabulist::remote::applyChunk(R"({"error":{"code":500,"message":"out of memory"}})",
                                              c, &error));
        QCOMPARE(error, QStringLiteral("out of memory"));
        QCOMPARE(c.choices.front().text, QStringLiteral("Once"));
        QCOMPARE(c.serverModel, QStringLiteral("m"));
    }
};

QTEST_GUILESS_MAIN(RemoteSseParserTest)
#include "remote_sse_parser_test.moc"
