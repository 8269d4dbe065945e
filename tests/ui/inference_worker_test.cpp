// The InferenceWorker on its own QThread with the real default model and head, driven the way
// the panel drives it (queued invocations, queued signals): its text equals the engine's, the
// streamed pieces add up to it, a repeated context reuses the KV cache and still gives the same
// text, a long context is cut to the end that fits, and cancel/errors behave.
#include "engine_reference.h"
#include "ui/generate/generation_request.h"
#include "ui/generate/inference_worker.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace fabulist;
using namespace fabulist::ui;

namespace {
constexpr int kTimeoutMs = 30000;
const QString kParagraph = QStringLiteral(
    "Mara folded the letter twice and hid it under the loose board by the stove. Nobody in the "
    "village knew that her brother had written again.");
} // namespace

class InferenceWorkerTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void generatesTheEnginesTextAndStreamsIt();
    void repeatedContextReusesTheCache();
    void longContextKeepsTheEndThatFits();
    void cancelledBeforeStartEndsAtOnce();
    void cancelStopsWithinOneToken();
    void lengthBeyondTheContextIsRefused();
    void withoutModelSaysWhatToDo();
    void failedLoadKeepsTheModelInUse();

private:
    // Runs one request on the worker thread and waits for its outcome.
    GenerationOutcome run(const GenerationRequest& request, QString* streamed = nullptr);
    GenerationRequest request(const QString& context, int maxTokens, uint32_t seed);

    QThread m_thread;
    InferenceWorker* m_worker = nullptr;
    LoadedModel m_model;
    qint64 m_nextId = 1;
};

void InferenceWorkerTest::initTestCase() {
    m_worker = new InferenceWorker;
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    QSignalSpy loaded(m_worker, &InferenceWorker::modelLoaded);
    QSignalSpy progress(m_worker, &InferenceWorker::loadProgress);
    const QString model = QString::fromStdString(inference::defaultModelPath());
    QMetaObject::invokeMethod(m_worker, [w = m_worker, model] {
        w->loadModel(model, InferenceWorker::adapterPathFor(model));
    });
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kTimeoutMs);
    m_model = loaded.at(0).at(0).value<LoadedModel>();
    QCOMPARE(m_model.modelName, QStringLiteral("fabulist-default"));
    QVERIFY(m_model.contextLength > 200); // the shipped model holds 1,024 tokens
    QCOMPARE(m_model.adapterId, QStringLiteral("fabulist-default.head.gguf"));
    QVERIFY(m_model.adapterStatus.isEmpty());
    QCOMPARE(m_model.modelSha256.size(), 64);
    QVERIFY(progress.count() >= 2);
    QCOMPARE(progress.last().at(0).toInt(), 100);
}

void InferenceWorkerTest::cleanupTestCase() {
    m_thread.quit();
    m_thread.wait();
    delete m_worker;
}

GenerationRequest InferenceWorkerTest::request(const QString& context, int maxTokens,
                                               uint32_t seed) {
    GenerationRequest r;
    r.id = m_nextId++;
    r.context = context;
    r.maxTokens = maxTokens;
    r.sampler.temperature = 0.8f;
    r.sampler.seed = seed;
    r.alpha = 0.3f;
    return r;
}

GenerationOutcome InferenceWorkerTest::run(const GenerationRequest& r, QString* streamed) {
    QSignalSpy finished(m_worker, &InferenceWorker::finished);
    QSignalSpy failed(m_worker, &InferenceWorker::failed);
    QSignalSpy tokens(m_worker, &InferenceWorker::tokenArrived);
    QMetaObject::invokeMethod(m_worker, [w = m_worker, r] { w->generate(r); });
    [&] { QTRY_COMPARE_WITH_TIMEOUT(finished.count() + failed.count(), 1, kTimeoutMs); }();
    if (!failed.isEmpty()) {
        qWarning("failed: %s", qPrintable(failed.at(0).at(1).toString()));
        return {};
    }
    if (finished.isEmpty()) return {};
    if (streamed) {
        streamed->clear();
        for (const QList<QVariant>& t : std::as_const(tokens)) {
            if (t.at(0).toLongLong() == r.id) *streamed += t.at(1).toString();
        }
    }
    return finished.at(0).at(0).value<GenerationOutcome>();
}

void InferenceWorkerTest::generatesTheEnginesTextAndStreamsIt() {
    QString streamed;
    const GenerationOutcome out = run(request(kParagraph, 20, 99), &streamed);
    QVERIFY(!QTest::currentTestFailed());
    const test::EngineContinuation expected =
        test::engineContinuation(kParagraph, 20, 0.8f, 99, 0.3f);
    QVERIFY(!expected.text.isEmpty());
    QCOMPARE(out.text, expected.text);
    QCOMPARE(streamed, out.text); // complete UTF-8 pieces, in order, nothing lost
    QCOMPARE(out.prompt, kParagraph);
    QCOMPARE(out.promptTokens, expected.promptTokens);
    QCOMPARE(out.generatedTokens, expected.generatedTokens);
    QVERIFY(!out.cancelled);
    QCOMPARE(out.alpha, 0.3f);
    // The head changes the text: α 0 is not what α 0.3 wrote (the same seed).
    const GenerationOutcome plain = [&] {
        GenerationRequest r = request(kParagraph, 20, 99);
        r.alpha = 0.0f;
        return run(r);
    }();
    QCOMPARE(plain.text, test::engineContinuation(kParagraph, 20, 0.8f, 99, 0.0f).text);
    QCOMPARE(plain.alpha, 0.0f);
}

void InferenceWorkerTest::repeatedContextReusesTheCache() {
    const GenerationOutcome first = run(request(kParagraph, 12, 7));
    const GenerationOutcome again = run(request(kParagraph, 12, 7));
    QVERIFY(!QTest::currentTestFailed());
    // All but the last prompt token come from the cache (its logits are computed again).
    QCOMPARE(again.reusedTokens, again.promptTokens - 1);
    QCOMPARE(again.text, first.text);
    // A longer context that starts the same reuses the common part.
    const GenerationOutcome longer =
        run(request(kParagraph + QStringLiteral(" She lit the lamp."), 12, 7));
    QVERIFY(longer.reusedTokens > again.promptTokens / 2);
    QVERIFY(longer.reusedTokens < longer.promptTokens);
}

void InferenceWorkerTest::longContextKeepsTheEndThatFits() {
    QString context;
    for (int i = 0; context.size() < 12000; ++i)
        context += QStringLiteral("Chapter %1. ").arg(i) + kParagraph + QLatin1Char('\n');
    GenerationRequest r = request(context, 8, 3);
    r.maxContextTokens = 1500; // above what the model holds: its context - 8 is the limit
    const int limit = std::min(1500, m_model.contextLength - 8);
    const GenerationOutcome out = run(r);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(context.endsWith(out.prompt));
    QVERIFY(out.prompt.size() < context.size());
    QVERIFY(context.at(context.size() - out.prompt.size() - 1).isSpace()); // a word boundary
    QVERIFY2(out.promptTokens <= limit, qPrintable(QString::number(out.promptTokens)));
    QVERIFY2(out.promptTokens > limit - 16, qPrintable(QString::number(out.promptTokens)));
    QCOMPARE(out.text, test::engineContinuation(out.prompt, 8, 0.8f, 3, 0.3f).text);

    // The writer's own limit applies when it is the smaller one.
    GenerationRequest small = request(context, 8, 3);
    small.maxContextTokens = 200;
    const GenerationOutcome cut = run(small);
    QVERIFY(cut.promptTokens <= 200 && cut.promptTokens > 180);
}

void InferenceWorkerTest::cancelledBeforeStartEndsAtOnce() {
    const GenerationRequest r = request(kParagraph, 500, 11);
    m_worker->cancel(r.id); // before it starts: e.g. Stop pressed right after Continue
    const GenerationOutcome out = run(r);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(out.cancelled);
    QCOMPARE(out.generatedTokens, 0);
    QVERIFY(out.text.isEmpty());
    // The next request is not affected.
    const GenerationOutcome next = run(request(kParagraph, 4, 11));
    QVERIFY(!next.cancelled);
    QVERIFY(next.stop != storage::GenerationStop::Stopped);
}

void InferenceWorkerTest::cancelStopsWithinOneToken() {
    // Cancel from the worker's own thread right when the 5th token is reported (as if Stop had
    // been pressed exactly then): no further token is produced.
    const GenerationRequest r = request(kParagraph, 500, 5);
    const QMetaObject::Connection c = connect(
        m_worker, &InferenceWorker::decodeProgress, m_worker,
        [this](qint64 id, int tokens, double) {
            if (tokens == 5) m_worker->cancel(id);
        },
        Qt::DirectConnection);
    QString streamed;
    const GenerationOutcome out = run(r, &streamed);
    disconnect(c);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(out.cancelled);
    QCOMPARE(out.generatedTokens, 5);
    QCOMPARE(streamed, out.text);
    // The partial text is the start of what the uncancelled request writes.
    QVERIFY(test::engineContinuation(kParagraph, 500, 0.8f, 5, 0.3f).text.startsWith(out.text));
}

void InferenceWorkerTest::lengthBeyondTheContextIsRefused() {
    QSignalSpy failed(m_worker, &InferenceWorker::failed);
    const GenerationRequest r = request(kParagraph, m_model.contextLength, 1);
    QMetaObject::invokeMethod(m_worker, [w = m_worker, r] { w->generate(r); });
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
    QCOMPARE(failed.at(0).at(0).toLongLong(), r.id);
    const QString message = failed.at(0).at(1).toString();
    QVERIFY2(message.contains(QString::number(m_model.contextLength)) &&
                 message.contains(QStringLiteral("shorter")),
             qPrintable(message));
}

void InferenceWorkerTest::withoutModelSaysWhatToDo() {
    InferenceWorker idle; // no thread needed: called directly
    QSignalSpy failed(&idle, &InferenceWorker::failed);
    idle.generate(request(kParagraph, 4, 1));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.at(0).at(1).toString().contains(QStringLiteral("No model is loaded")));
}

// A model that fails to load (here the default model cut to its first 1,000 bytes, and a file
// of text) is reported naming the file, and the Engine, Session and head in use stay: the next
// request writes exactly what the default model with its head writes.
void InferenceWorkerTest::failedLoadKeepsTheModelInUse() {
    QTemporaryDir dir;
    QFile source(QString::fromStdString(inference::defaultModelPath()));
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QString truncated = dir.filePath(QStringLiteral("cut.gguf"));
    const QString text = dir.filePath(QStringLiteral("notes.gguf"));
    {
        QFile cut(truncated);
        QVERIFY(cut.open(QIODevice::WriteOnly));
        QCOMPARE(cut.write(source.read(1000)), qint64(1000));
        QFile notes(text);
        QVERIFY(notes.open(QIODevice::WriteOnly));
        notes.write(QByteArray("Chapter one: the ferry.\n").repeated(200));
    }
    QSignalSpy loaded(m_worker, &InferenceWorker::modelLoaded);
    QSignalSpy failedLoad(m_worker, &InferenceWorker::loadFailed);
    for (const QString& bad : {truncated, text}) {
        QMetaObject::invokeMethod(m_worker, [w = m_worker, bad] {
            w->loadModel(bad, InferenceWorker::adapterPathFor(bad));
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(failedLoad.count(), 2, kTimeoutMs);
    QVERIFY2(failedLoad.at(0).at(0).toString().contains(truncated),
             qPrintable(failedLoad.at(0).at(0).toString()));
    QVERIFY2(failedLoad.at(1).at(0).toString().contains(text),
             qPrintable(failedLoad.at(1).at(0).toString()));
    QCOMPARE(loaded.count(), 0);
    const GenerationOutcome out = run(request(kParagraph, 12, 21));
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(out.text, test::engineContinuation(kParagraph, 12, 0.8f, 21, 0.3f).text);
    QCOMPARE(out.alpha, 0.3f); // the head stayed as well
}

QTEST_GUILESS_MAIN(InferenceWorkerTest)
#include "inference_worker_test.moc"
