// The remote engine (ui/remote/) against Debian's real llama-server, started here on
// 127.0.0.1 (tests/remote/llama-server.sh; label `remote`, needs root): streaming agrees with
// the non-streamed reply, greedy text agrees with fabulist-cli's own engine, Stop closes the
// stream, `n` gives candidates; the faults come from a proxy in front of the real server
// (fault_proxy.py) or from addresses that cannot work (an .invalid name, TLS to plain HTTP).
#include "tests/remote/llama_server_process.h"
#include "ui/remote/remote_client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>
#include <atomic>
#include <memory>
#include <unistd.h>

using namespace fabulist::remote;
using fabulist::test::FaultProxy;
using fabulist::test::LlamaServerProcess;

namespace {
QString defaultModel() {
    return LlamaServerProcess::sourceDir() + "/resources/models/fabulist-default.gguf";
}
QString referenceModel() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR") + "/models/tiny-llama3-f16.gguf";
}
CompletionParams params(const QString& prompt, int n, float temperature, uint32_t seed) {
    CompletionParams p;
    p.prompt = prompt;
    p.maxTokens = n;
    p.sampler.temperature = temperature;
    p.sampler.seed = seed;
    return p;
}
RemoteServer at(const QUrl& url, const QString& model = {}) {
    RemoteServer s;
    s.baseUrl = url;
    s.model = model;
    return s;
}
} // namespace

class RemoteServerTest : public QObject {
    Q_OBJECT
    std::unique_ptr<LlamaServerProcess> m_default, m_reference;

private slots:
    void initTestCase() {
        if (geteuid() != 0)
            QSKIP(
                "llama-server runs in a Debian sid chroot: run as root (installer/test-remote.sh)");
        m_default = std::make_unique<LlamaServerProcess>(defaultModel(), "fabulist-default");
        QVERIFY2(m_default->ok(), qPrintable(m_default->error()));
        m_reference = std::make_unique<LlamaServerProcess>(referenceModel(), "tiny-llama3");
        QVERIFY2(m_reference->ok(), qPrintable(m_reference->error()));
    }

    void listsModelsAndKnowsTheServer() {
        RemoteClient client(at(m_default->url()));
        const ModelList list = client.models();
        QVERIFY2(list.error.isEmpty(), qPrintable(list.error));
        QCOMPARE(list.ids, QStringList{"fabulist-default"});
        QCOMPARE(list.kind, ServerKind::LlamaServer);
        const TokenCount count = client.countTokens("Once upon a time");
        QVERIFY(!count.estimated);
        QCOMPARE(count.tokens, 5); // the default model's ids 772 1028 700 261 582
    }

    void streamedEqualsNonStreamed_data() {
        QTest::addColumn<int>("which");
        QTest::newRow("default model") << 0;
        QTest::newRow("tiny-llama3-f16") << 1;
    }
    void streamedEqualsNonStreamed() {
        QFETCH(int, which);
        const QUrl url = (which == 0 ? m_default : m_reference)->url();
        RemoteClient client(at(url));
        QString pieces;
        const Completion streamed = client.complete(params("The old house", 40, 0.9f, 1234),
                                                    [&](int, const QString& piece) {
                                                        pieces += piece;
                                                        return true;
                                                    });
        QVERIFY2(streamed.ok(), qPrintable(streamed.error));
        const Completion whole =
            client.complete(params("The old house", 40, 0.9f, 1234), {}, nullptr,
                            /*stream=*/false);
        QVERIFY2(whole.ok(), qPrintable(whole.error));
        QVERIFY(!streamed.choices.front().text.isEmpty());
        QCOMPARE(streamed.choices.front().text, whole.choices.front().text);
        QCOMPARE(pieces, streamed.choices.front().text);
        QVERIFY(streamed.honoured.contains("top_k")); // llama-server takes its extensions
    }

    // Token probabilities (logprobs) come with the stream, one per token, as in the whole reply.
    void logprobsStreamedEqualNonStreamed() {
        RemoteClient client(at(m_default->url()));
        CompletionParams p = params("The old house", 12, 0.9f, 77);
        p.logprobs = 5;
        const Completion streamed = client.complete(p);
        const Completion whole = client.complete(p, {}, nullptr, /*stream=*/false);
        QVERIFY2(streamed.ok() && whole.ok(), qPrintable(streamed.error + whole.error));
        const auto& a = streamed.choices.front().logprobs;
        const auto& b = whole.choices.front().logprobs;
        QCOMPARE(int(a.size()), streamed.choices.front().tokens);
        QCOMPARE(a.size(), b.size());
        QByteArray text;
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].id, b[i].id);
            QCOMPARE(a[i].bytes, b[i].bytes);
            QCOMPARE(a[i].logprob, b[i].logprob);
            QVERIFY(a[i].logprob < 0.0);
            QCOMPARE(a[i].top.size(), size_t(5));
            QVERIFY(a[i].top[0].logprob >= a[i].top[4].logprob);
            text += a[i].bytes;
        }
        QCOMPARE(QString::fromUtf8(text), streamed.choices.front().text);
    }

    // The server and fabulist-cli's own engine write the same greedy text from the same file.
    void greedyEqualsLocalEngine_data() { streamedEqualsNonStreamed_data(); }
    void greedyEqualsLocalEngine() {
        QFETCH(int, which);
        const QUrl url = (which == 0 ? m_default : m_reference)->url();
        const QString model = which == 0 ? defaultModel() : referenceModel();
        RemoteClient client(at(url));
        const Completion remote = client.complete(params("Once upon a time", 24, 0.0f, 1));
        QVERIFY2(remote.ok(), qPrintable(remote.error));
        QProcess cli;
        cli.start(qEnvironmentVariable("FABULIST_BINARY_DIR") + "/app/fabulist-cli",
                  {"generate", "-m", model, "-p", "Once upon a time", "-n", "24", "--temp", "0",
                   "-t", "1", "--json"});
        QVERIFY(cli.waitForFinished(120000));
        QCOMPARE(cli.exitCode(), 0);
        const QString local =
            QJsonDocument::fromJson(cli.readAllStandardOutput()).object().value("text").toString();
        QCOMPARE(remote.choices.front().text, local);
    }

    void stopClosesTheStream() {
        RemoteClient client(at(m_default->url()));
        int pieces = 0;
        const Completion r = client.complete(params("The old house", 400, 0.8f, 7),
                                             [&](int, const QString&) { return ++pieces < 5; });
        QVERIFY(r.cancelled);
        QVERIFY(r.ok());
        QCOMPARE(pieces, 5);
        QCOMPARE(r.choices.front().tokens, 5); // nothing read after Stop
        // The flag another thread sets (the GUI's Stop) ends it too, with the text kept.
        std::atomic<bool> stop{false};
        const Completion flagged = client.complete(
            params("The old house", 400, 0.8f, 7),
            [&](int, const QString&) {
                stop = true;
                return true;
            },
            &stop);
        QVERIFY(flagged.cancelled);
        QVERIFY(!flagged.choices.front().text.isEmpty());
        QVERIFY(flagged.choices.front().tokens < 400);
    }

    void candidatesWithN() {
        RemoteClient client(at(m_default->url()));
        CompletionParams p = params("The old house", 16, 1.0f, 99);
        p.n = 3;
        const Completion r = client.complete(p);
        QVERIFY2(r.ok(), qPrintable(r.error));
        QCOMPARE(r.choices.size(), size_t(3));
        for (const CompletionChoice& c : r.choices) QVERIFY(!c.text.isEmpty());
        QVERIFY(r.choices[0].text != r.choices[1].text || r.choices[1].text != r.choices[2].text);
        QCOMPARE(r.serverModel, QStringLiteral("fabulist-default"));
    }

    void cliGeneratesOnTheServer() {
        QProcess cli;
        cli.start(qEnvironmentVariable("FABULIST_BINARY_DIR") + "/app/fabulist-cli",
                  {"generate", "--server", m_default->url().toString(), "--server-model",
                   "fabulist-default", "-p", "Once upon a time", "-n", "12", "--temp", "0",
                   "--json"});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QJsonObject o = QJsonDocument::fromJson(cli.readAllStandardOutput()).object();
        QCOMPARE(o.value("server_model").toString(), QStringLiteral("fabulist-default"));
        QCOMPARE(o.value("stop").toString(), QStringLiteral("max_tokens"));
        QVERIFY(o.value("text").toString().startsWith(", and the other two men were in"));
        QVERIFY(o.value("honoured").toVariant().toStringList().contains("min_p"));
    }

    // --candidates N: each candidate in a request of its own with seed + i, as locally.
    void cliCandidatesHaveSeedsOfTheirOwn() {
        QProcess cli;
        cli.start(qEnvironmentVariable("FABULIST_BINARY_DIR") + "/app/fabulist-cli",
                  {"generate", "--server", m_default->url().toString(), "-p", "The old house", "-n",
                   "10", "--seed", "7", "--candidates", "3", "--json"});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 0);
        const QJsonArray candidates = QJsonDocument::fromJson(cli.readAllStandardOutput())
                                          .object()
                                          .value("candidates")
                                          .toArray();
        QCOMPARE(candidates.size(), 3);
        RemoteClient client(at(m_default->url()));
        for (int i = 0; i < 3; ++i) {
            const QJsonObject c = candidates.at(i).toObject();
            QCOMPARE(c.value("seed").toInt(), 7 + i);
            CompletionParams p = params("The old house", 10, CompletionParams{}.sampler.temperature,
                                        uint32_t(7 + i));
            const Completion again = client.complete(p);
            QVERIFY2(again.ok(), qPrintable(again.error));
            QCOMPARE(c.value("text").toString(), again.choices.front().text);
        }
    }

    void faults_data() {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("message");
        QTest::addColumn<bool>("keepsText");
        QTest::newRow("401") << "key"
                             << "refused the API key (HTTP 401" << false;
        QTest::newRow("404 model") << "model"
                                   << "has no model \u201cno-such-model\u201d (HTTP 404" << false;
        QTest::newRow("429") << "busy"
                             << "try again in 7 s" << false;
        QTest::newRow("500 mid-stream") << "broken"
                                        << "error mid-stream: CUDA error" << true;
        QTest::newRow("stall") << "stall"
                               << "it stalled" << true;
        QTest::newRow("malformed") << "malformed"
                                   << "malformed stream line" << true;
        QTest::newRow("longer than asked") << "overlong"
                                           << "more than the 20 tokens asked" << true;
    }
    void faults() {
        QFETCH(QString, mode);
        QFETCH(QString, message);
        QFETCH(bool, keepsText);
        FaultProxy proxy(mode, m_default->port());
        QVERIFY(proxy.ok());
        RemoteServer server = at(proxy.url(), mode == "model" ? "no-such-model" : QString());
        server.stallTimeoutMs = 1500; // the setting; the proxy stalls for a minute
        RemoteClient client(server);
        const Completion r = client.complete(params("The old house", 20, 0.8f, 3));
        QVERIFY2(r.error.contains(message, Qt::CaseInsensitive), qPrintable(r.error));
        QCOMPARE(!r.choices.empty() && !r.choices.front().text.isEmpty(), keepsText);
        if (mode == "busy") QCOMPARE(r.retryAfterSeconds, std::optional<int>(7));
        if (mode == "key") { // the right key passes the same proxy
            server.apiKey = "right-key";
            const Completion good =
                RemoteClient(server).complete(params("The old house", 8, 0.8f, 3));
            QVERIFY2(good.ok(), qPrintable(good.error));
        }
    }

    // A prompt longer than the server's context (-c 1024) is a clear message, not a bare 400.
    void contextOverflowIsExplained() {
        QString prompt;
        for (int i = 0; i < 1500; ++i) prompt += QStringLiteral("the lamp ");
        RemoteClient client(at(m_default->url()));
        const TokenCount count = client.countTokens(prompt);
        QVERIFY(!count.estimated);
        QVERIFY(count.tokens > 1024);
        const Completion r = client.complete(params(prompt, 8, 0.0f, 1));
        QVERIFY2(r.error.contains("does not fit the context"), qPrintable(r.error));
        QCOMPARE(r.httpStatus, 400);
    }

    void connectionRefusedDnsAndTls() {
        const Completion refused =
            RemoteClient(
                at(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(LlamaServerProcess::freePort()))))
                .complete(params("x", 4, 0.0f, 1));
        QVERIFY2(refused.error.contains("connection refused"), qPrintable(refused.error));
        const Completion dns = RemoteClient(at(QUrl("http://fabulist-test.invalid:8080")))
                                   .complete(params("x", 4, 0.0f, 1));
        QVERIFY2(dns.error.contains("could not be found (DNS)"), qPrintable(dns.error));
        // https:// to plain HTTP: a server that answers the handshake with an HTTP error
        // (the proxy), and one that waits for a request it cannot read (llama-server).
        FaultProxy plain("pass", m_default->port());
        QUrl tls = plain.url();
        tls.setScheme("https");
        const Completion secure = RemoteClient(at(tls)).complete(params("x", 4, 0.0f, 1));
        QVERIFY2(secure.error.contains("secure (TLS) connection"), qPrintable(secure.error));
        tls = m_default->url();
        tls.setScheme("https");
        RemoteServer silent = at(tls);
        silent.stallTimeoutMs = 1500;
        const Completion waiting = RemoteClient(silent).complete(params("x", 4, 0.0f, 1));
        QVERIFY2(waiting.error.contains("got no TLS answer"), qPrintable(waiting.error));
    }

    void cleanupTestCase() {
        m_default.reset();
        m_reference.reset();
    }
};

QTEST_GUILESS_MAIN(RemoteServerTest)
#include "remote_server_test.moc"
