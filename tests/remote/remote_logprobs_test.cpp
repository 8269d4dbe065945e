// The token probabilities in the shapes servers send them (ui/remote/logprobs_json.h), read from
// replies as those servers write them. llama-server's logprobs.content is also checked against
// the real server (remote_server_test::logprobsStreamedEqualNonStreamed); vLLM and SGLang do not
// run here, so their shape is read from a reply in the form of their OpenAI completions API.
#include "ui/remote/completion_json.h"
#include "ui/remote/logprobs_json.h"

#include <QJsonDocument>
#include <QtTest>
#include <cmath>

using namespace fabulist::remote;

class RemoteLogprobsTest : public QObject {
    Q_OBJECT
private slots:
    void openAiCompletionsShape() { // vLLM, SGLang: texts and ln p, alternatives as a map
        Completion c;
        QString error;
        QVERIFY(applyChunk(R"({"choices": [{"index": 0, "text": " cat sat", "logprobs": {
            "tokens": [" cat", " sat"], "token_logprobs": [-0.5, -2.25],
            "top_logprobs": [{" dog": -1.5, " cat": -0.5}, {" ran": -1.0, " sat": -2.25}],
            "text_offset": [0, 4]}, "finish_reason": null}]})",
                           c, &error));
        const auto& t = c.choices.front().logprobs;
        QCOMPARE(t.size(), size_t(2));
        QCOMPARE(t[0].id, -1);
        QCOMPARE(t[0].bytes, QByteArray(" cat"));
        QCOMPARE(t[1].logprob, -2.25);
        QCOMPARE(t[0].top.size(), size_t(2));
        QCOMPARE(t[0].top[0].bytes, QByteArray(" cat")); // likeliest first
        QCOMPARE(t[1].top[0].bytes, QByteArray(" ran"));
        QCOMPARE(t[1].top[1].logprob, -2.25);
    }

    void llamaServerContentShape() { // ids and bytes (a token may be part of a character)
        Completion c;
        QString error;
        QVERIFY(applyChunk(R"({"choices": [{"index": 0, "text": "\u00e9", "logprobs": {"content": [
            {"id": 42, "token": "\u00e9", "bytes": [195, 169], "logprob": -0.1,
             "top_logprobs": [{"id": 42, "token": "\u00e9", "bytes": [195, 169], "logprob": -0.1},
                              {"id": 7, "token": "e", "logprob": -2.5}]}]}}]})",
                           c, &error));
        const TokenLogprob& t = c.choices.front().logprobs.front();
        QCOMPARE(t.id, 42);
        QCOMPARE(t.bytes, QByteArray("\xc3\xa9"));
        QCOMPARE(t.top[1].id, 7);
        QCOMPARE(t.top[1].bytes, QByteArray("e")); // no byte list: the text
    }

    void llamaServerCompletionProbabilities() { // /completion's older shape: probabilities
        const QJsonObject reply = QJsonDocument::fromJson(R"({"content": " was",
            "completion_probabilities": [{"content": " was", "probs": [
                {"tok_str": " is", "prob": 0.5}, {"tok_str": " was", "prob": 0.25}]}]})")
                                      .object();
        std::vector<TokenLogprob> t;
        appendLogprobs(reply, t);
        QCOMPARE(t.size(), size_t(1));
        QCOMPARE(t[0].bytes, QByteArray(" was"));
        QCOMPARE(t[0].logprob, std::log(0.25)); // its own among the alternatives
        QCOMPARE(t[0].top[0].logprob, std::log(0.5));
    }

    void noLogprobsNoTokens() {
        Completion c;
        QString error;
        QVERIFY(
            applyChunk(R"({"choices": [{"index": 0, "text": "x", "logprobs": null}]})", c, &error));
        QVERIFY(c.choices.front().logprobs.empty());
    }
};

QTEST_GUILESS_MAIN(RemoteLogprobsTest)
#include "remote_logprobs_test.moc"
