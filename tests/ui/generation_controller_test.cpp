// The GenerationController without any widget: a real project file and the real default model.
// A request through it streams the engine's own text and is recorded in the project (read back
// with storage::GenerationRepository); the writer's decisions are written to that row; Stop and
// a project closing mid-generation record the partial output as stopped; a model that fails to
// load leaves the previous one writing.
#include "engine_reference.h"
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/generate/generation_controller.h"
#include "ui/settings.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace fabulist;
using namespace fabulist::ui;

namespace {
constexpr int kTimeoutMs = 30000;
const QString kParagraph = QStringLiteral(
    "The ferry left the harbour an hour late. On the upper deck, a girl with a red scarf was "
    "counting the gulls that followed the wake.");
} // namespace

class GenerationControllerTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void requestIsRecordedInTheProject();
    void decisionsAreWrittenToTheRecord();
    void stopRecordsThePartialOutputAsStopped();
    void closingTheProjectRecordsTheGenerationInFlight();
    void failedLoadLeavesThePreviousModelInUse();

private:
    // Starts `maxTokens` from kParagraph at `seed` in the scene; returns the request id.
    qint64 startRequest(int maxTokens, uint32_t seed);
    // Waits for the request in flight to be recorded and returns its row.
    std::optional<storage::Generation> waitForRecord();

    QTemporaryDir m_dir;
    std::unique_ptr<storage::Project> m_project;
    int64_t m_scene = 0;
    GenerationController* m_controller = nullptr;
};

void GenerationControllerTest::initTestCase() {
    QVERIFY2(QFileInfo::exists(GenerationController::defaultModelPath()),
             "the default model is missing: git checkout resources/models/");
    m_project =
        storage::Project::create(m_dir.filePath(QStringLiteral("ferry.fabulist")).toStdString());
    m_scene = m_project->binder().create(storage::NodeKind::Scene, "Ferry");
    m_project->documents().setText(m_scene, kParagraph.toStdString());
    m_controller = new GenerationController(this);
    m_controller->setProject(m_project.get());
    QSignalSpy loaded(m_controller, &GenerationController::modelLoaded);
    m_controller->loadDefaultModel();
    QVERIFY(m_controller->isLoadingModel());
    QVERIFY(!m_controller->isModelReady());
    QVERIFY(loaded.wait(kTimeoutMs) || !loaded.isEmpty());
    QVERIFY(m_controller->isModelReady());
    QCOMPARE(m_controller->model().modelName, QStringLiteral("fabulist-default"));
    QVERIFY(m_controller->hasAdapter());
}

qint64 GenerationControllerTest::startRequest(int maxTokens, uint32_t seed) {
    GenerationRequest request;
    request.context = kParagraph;
    request.maxTokens = maxTokens;
    request.sampler.temperature = 0.8f;
    request.sampler.seed = seed;
    GenerationOrigin origin;
    origin.documentId = m_scene;
    origin.contextEnd = kParagraph.size();
    return m_controller->start(request, origin);
}

std::optional<storage::Generation> GenerationControllerTest::waitForRecord() {
    QSignalSpy recorded(m_controller, &GenerationController::generationRecorded);
    if (!recorded.wait(kTimeoutMs) && recorded.isEmpty()) return std::nullopt;
    return m_project->generations().find(recorded.first().first().toLongLong());
}

void GenerationControllerTest::requestIsRecordedInTheProject() {
    QString streamed;
    QList<int> candidates;
    connect(m_controller, &GenerationController::tokenArrived, this,
            [&](qint64, const QString& piece, int candidate) {
                streamed += piece;
                candidates << candidate;
            });
    QSignalSpy generating(m_controller, &GenerationController::generatingChanged);
    const qint64 id = startRequest(24, 4242);
    QVERIFY(id > 0);
    QVERIFY(m_controller->isGenerating());
    QCOMPARE(m_controller->requestInFlight(), std::optional<qint64>(id));
    QCOMPARE(startRequest(8, 1), qint64(0)); // one request at a time
    const auto g = waitForRecord();
    disconnect(m_controller, &GenerationController::tokenArrived, this, nullptr);
    QVERIFY(g);
    QVERIFY(!m_controller->isGenerating());
    QCOMPARE(generating.count(), 2);

    const test::EngineContinuation engine = test::engineContinuation(kParagraph, 24, 0.8f, 4242, 0);
    QCOMPARE(QString::fromStdString(g->output), engine.text);
    QCOMPARE(streamed, engine.text);
    QVERIFY(!candidates.isEmpty());
    QVERIFY(std::all_of(candidates.begin(), candidates.end(), [](int c) { return c == 0; }));
    QCOMPARE(g->task, std::string("continue"));
    QCOMPARE(g->documentId, std::optional<int64_t>(m_scene));
    QCOMPARE(g->contextEnd, int64_t(kParagraph.size()));
    QCOMPARE(QString::fromStdString(g->prompt), kParagraph);
    QCOMPARE(g->seed, uint64_t(4242));
    QCOMPARE(float(g->sampler.temperature), 0.8f);
    QCOMPARE(g->modelId, std::string("fabulist-default"));
    QCOMPARE(QString::fromStdString(g->modelSha256), m_controller->model().modelSha256);
    QCOMPARE(g->generatedTokens, int64_t(engine.generatedTokens));
    QCOMPARE(g->status, storage::GenerationStatus::Pending);
    QVERIFY(g->stopReason == storage::GenerationStop::Length ||
            g->stopReason == storage::GenerationStop::EndOfText);
    QVERIFY(g->adapterId.empty()); // α 0: the head took no part
}

void GenerationControllerTest::decisionsAreWrittenToTheRecord() {
    startRequest(12, 7);
    const auto first = waitForRecord();
    QVERIFY(first);
    const QString shown = QString::fromStdString(first->output);
    QVERIFY(m_controller->keep(first->id, shown, shown));
    QCOMPARE(m_project->generations().find(first->id)->status, storage::GenerationStatus::Accepted);

    startRequest(12, 8);
    const auto second = waitForRecord();
    QVERIFY(second);
    QVERIFY(m_controller->keep(second->id, QStringLiteral("Only this."),
                               QString::fromStdString(second->output)));
    const auto edited = m_project->generations().find(second->id);
    QCOMPARE(edited->status, storage::GenerationStatus::Edited);
    QCOMPARE(edited->editedOutput, std::string("Only this."));
    QVERIFY(m_controller->setStatus(second->id, storage::GenerationStatus::Rejected));
    QCOMPARE(m_project->generations().find(second->id)->status,
             storage::GenerationStatus::Rejected);

    QSignalSpy pinned(m_controller, &GenerationController::pinRequested);
    m_controller->pin(QStringLiteral("An idea"), second->id);
    QCOMPARE(pinned.count(), 1);
    QCOMPARE(pinned.first().at(1).toLongLong(), qint64(second->id));
}

void GenerationControllerTest::stopRecordsThePartialOutputAsStopped() {
    // Stop after the first piece: the row keeps what came, stopped, still for the writer to decide.
    int pieces = 0;
    connect(m_controller, &GenerationController::tokenArrived, this, [&] {
        if (++pieces == 1) m_controller->stop();
    });
    startRequest(400, 99);
    const auto g = waitForRecord();
    disconnect(m_controller, &GenerationController::tokenArrived, this, nullptr);
    QVERIFY(g);
    QCOMPARE(g->stopReason, storage::GenerationStop::Stopped);
    QCOMPARE(g->status, storage::GenerationStatus::Pending);
    QVERIFY(g->generatedTokens < 400);
    QVERIFY(!g->output.empty());
}

void GenerationControllerTest::closingTheProjectRecordsTheGenerationInFlight() {
    const std::string path = m_dir.filePath(QStringLiteral("closing.fabulist")).toStdString();
    auto other = storage::Project::create(path);
    const int64_t scene = other->binder().create(storage::NodeKind::Scene, "Night");
    m_controller->setProject(other.get());
    const int64_t before = int64_t(other->generations().forDocument(scene).size());
    const size_t elsewhere = m_project->generations().forDocument(scene).size();
    GenerationRequest request;
    request.context = kParagraph;
    request.maxTokens = 400;
    GenerationOrigin origin;
    origin.documentId = scene;
    QSignalSpy settled(m_controller, &GenerationController::settled);
    QVERIFY(m_controller->start(request, origin) > 0);
    m_controller->setProject(m_project.get()); // no event loop ran: settled synchronously
    QCOMPARE(settled.count(), 1);
    QVERIFY(!m_controller->isGenerating());
    const auto rows = other->generations().forDocument(scene);
    QCOMPARE(int64_t(rows.size()), before + 1);
    QCOMPARE(rows.front().stopReason, storage::GenerationStop::Stopped);
    QVERIFY(rows.front().generatedTokens < 400);
    QCOMPARE(m_project->generations().forDocument(scene).size(), elsewhere); // not the new one
}

void GenerationControllerTest::failedLoadLeavesThePreviousModelInUse() {
    const QString broken = m_dir.filePath(QStringLiteral("broken.gguf"));
    QFile source(GenerationController::defaultModelPath());
    QVERIFY(source.open(QIODevice::ReadOnly));
    QFile target(broken);
    QVERIFY(target.open(QIODevice::WriteOnly));
    target.write(source.read(1000));
    target.close();
    const QString sha = m_controller->model().modelSha256;

    QSignalSpy failed(m_controller, &GenerationController::modelFailed);
    m_controller->useModel(broken);
    QVERIFY(failed.wait(kTimeoutMs) || !failed.isEmpty());
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("broken.gguf")));
    QCOMPARE(failed.first().at(1).toBool(), false); // a model was in use: no fallback needed
    QVERIFY(m_controller->isModelReady());
    QCOMPARE(m_controller->model().modelName, QStringLiteral("fabulist-default"));
    QVERIFY(Settings().generateModelPath().isEmpty()); // a failed file is never remembered

    startRequest(8, 3);
    const auto g = waitForRecord();
    QVERIFY(g);
    QCOMPARE(QString::fromStdString(g->modelSha256), sha);
    QVERIFY(!g->output.empty());
}

FABULIST_GUI_TEST_MAIN(GenerationControllerTest)
#include "generation_controller_test.moc"
