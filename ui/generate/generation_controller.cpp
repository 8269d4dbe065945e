#include "ui/generate/generation_controller.h"

#include "inference/engine/default_model.h"
#include "storage/project.h"
#include "ui/generate/inference_worker.h"
#include "ui/generate/remote_worker.h"

#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QThread>
#include <algorithm>
#include <utility>

namespace fabulist::ui {

namespace {
bool sameFile(const QString& a, const QString& b) {
    const QFileInfo fa(a), fb(b);
    return fa.exists() && fb.exists() && fa.canonicalFilePath() == fb.canonicalFilePath();
}
} // namespace

GenerationController::GenerationController(QObject* parent)
    : QObject(parent), m_thread(new QThread(this)), m_worker(new InferenceWorker),
      m_remoteThread(new QThread(this)), m_remoteWorker(new RemoteWorker) {
    m_thread->setObjectName(QStringLiteral("inference"));
    m_worker->moveToThread(m_thread);
    connect(m_worker, &InferenceWorker::loadProgress, this, &GenerationController::loadProgress);
    connect(m_worker, &InferenceWorker::modelLoaded, this, &GenerationController::onModelLoaded);
    connect(m_worker, &InferenceWorker::loadFailed, this, &GenerationController::onLoadFailed);
    connect(m_worker, &InferenceWorker::tokenArrived, this,
            [this](qint64 requestId, const QString& piece, int candidate) {
                if (m_inFlight && m_inFlight->request.id == requestId)
                    emit tokenArrived(requestId, piece, candidate);
            });
    connect(m_worker, &InferenceWorker::decodeProgress, this,
            [this](qint64 requestId, int tokens, double tokensPerSecond) {
                if (m_inFlight && m_inFlight->request.id == requestId)
                    emit decodeProgress(requestId, tokens, tokensPerSecond);
            });
    connect(m_worker, &InferenceWorker::finished, this, &GenerationController::onFinished);
    connect(m_worker, &InferenceWorker::failed, this, &GenerationController::onFailed);
    connect(m_worker, &InferenceWorker::insightsReady, this, &GenerationController::insightsReady);
    connect(m_worker, &InferenceWorker::previewReady, this, &GenerationController::previewReady);
    connect(m_worker, &InferenceWorker::deviceFellBack, this,
            &GenerationController::onDeviceFellBack);
    m_thread->start();
    // The remote engine: the same signals into the same handlers.
    m_remoteThread->setObjectName(QStringLiteral("remote"));
    m_remoteWorker->moveToThread(m_remoteThread);
    connect(m_remoteWorker, &RemoteWorker::tokenArrived, this,
            [this](qint64 requestId, const QString& piece, int candidate) {
                if (m_inFlight && m_inFlight->request.id == requestId)
                    emit tokenArrived(requestId, piece, candidate);
            });
    connect(m_remoteWorker, &RemoteWorker::decodeProgress, this,
            [this](qint64 requestId, int tokens, double tokensPerSecond) {
                if (m_inFlight && m_inFlight->request.id == requestId)
                    emit decodeProgress(requestId, tokens, tokensPerSecond);
            });
    connect(m_remoteWorker, &RemoteWorker::finished, this, &GenerationController::onFinished);
    connect(m_remoteWorker, &RemoteWorker::failed, this, &GenerationController::onFailed);
    connect(m_remoteWorker, &RemoteWorker::previewReady, this,
            &GenerationController::previewReady);
    m_remoteThread->start();
}

GenerationController::~GenerationController() {
    settle(); // the window has usually done this already, when the project closed
    m_worker->shutdown();
    m_thread->quit();
    m_thread->wait();
    delete m_worker; // its thread has ended: nothing runs on it any more
    m_remoteThread->quit();
    m_remoteThread->wait();
    delete m_remoteWorker;
}

void GenerationController::setProject(storage::Project* project) {
    if (project != m_project) settle(); // the record belongs to the project that is going
    m_project = project;
}

QString GenerationController::defaultModelPath() {
    return QString::fromStdString(inference::defaultModelPath());
}

void GenerationController::loadModel(const QString& modelPath, const QString& adapterPath) {
    m_remember.reset();
    m_fallbackToDefault = false;
    startLoad(modelPath, adapterPath);
}

void GenerationController::loadDefaultModel() {
    const QString model = defaultModelPath();
    loadModel(model, InferenceWorker::adapterPathFor(model));
}

QString GenerationController::loadStartupModel(const QString& overridePath) {
    const QString path = overridePath.isEmpty()
                             ? m_settings.generateModelPath()
                             : QDir::cleanPath(QFileInfo(overridePath).absoluteFilePath());
    if (path.isEmpty() || sameFile(path, defaultModelPath())) {
        loadDefaultModel();
        return {};
    }
    if (!QFileInfo::exists(path)) {
        // Not forgotten: an unmounted disk comes back, and the writer's choice with it.
        loadDefaultModel();
        return overridePath.isEmpty()
                   ? tr("The model you chose, %1, is not there (is its disk mounted?). Using the "
                        "default model for now; your choice is kept for the next start until you "
                        "pick another with Generate > Choose Model\u2026 or Use Default Model.")
                         .arg(path)
                   : tr("The model %1 given with --model does not exist. Using the default model.")
                         .arg(path);
    }
    m_remember.reset();
    m_fallbackToDefault = true;
    startLoad(path, InferenceWorker::adapterPathFor(path));
    return {};
}

void GenerationController::useModel(const QString& path) {
    const QString absolute = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    const bool isDefault = sameFile(absolute, defaultModelPath());
    m_remember = Remember{absolute, isDefault ? QString() : absolute};
    m_fallbackToDefault = m_model.modelPath.isEmpty() && !isDefault;
    startLoad(absolute, InferenceWorker::adapterPathFor(absolute));
}

void GenerationController::useDefaultModel() {
    const QString model = defaultModelPath();
    m_remember = Remember{model, QString()};
    m_fallbackToDefault = false;
    startLoad(model, InferenceWorker::adapterPathFor(model));
}

void GenerationController::startLoad(const QString& modelPath, const QString& adapterPath) {
    settle();
    ++m_pendingLoads;
    m_loading = true;
    m_modelReady = false; // no new request until the worker answers (it runs them in order)
    m_loadingPath = modelPath;
    const ModelSettings settings = m_settings.modelSettings(modelPath);
    QMetaObject::invokeMethod(
        m_worker,
        [w = m_worker, modelPath, adapterPath, settings] {
            w->loadModel(modelPath, adapterPath, settings);
        },
        Qt::QueuedConnection);
    emit loadStarted(modelPath);
}

void GenerationController::useServer(const remote::RemoteServer& server,
                                     const QString& reportedModel, int contextLength) {
    settle();
    m_server = server;
    LoadedModel model;
    model.modelPath = server.baseUrl.toString();
    model.serverUrl = model.modelPath;
    model.modelName = reportedModel;
    model.contextLength = contextLength;
    model.adapterStatus = remoteHeadReason();
    m_model = model;
    m_modelReady = !m_loading;
    emit modelLoaded(model);
}

void GenerationController::onModelLoaded(const LoadedModel& model) {
    m_server.reset(); // a local model was asked for after the server: it writes now
    m_pendingLoads = std::max(0, m_pendingLoads - 1);
    m_loading = m_pendingLoads > 0;
    m_modelReady = !m_loading;
    m_model = model;
    if (m_remember && m_remember->path == model.modelPath) {
        m_settings.setGenerateModelPath(m_remember->setting);
        m_remember.reset();
    }
    if (!m_loading) m_fallbackToDefault = false;
    emit modelLoaded(model);
    if (!model.deviceNotice.isEmpty()) emit deviceNotice(model.deviceNotice);
}

void GenerationController::onDeviceFellBack(const LoadedModel& model) {
    m_model = model;
    if (m_inFlight) m_inFlight->model = model;
    emit modelLoaded(model);
    emit deviceNotice(model.deviceNotice);
}

ModelSettings GenerationController::modelSettings(const QString& modelPath) const {
    return m_settings.modelSettings(modelPath);
}

void GenerationController::setModelSettings(const QString& modelPath,
                                            const ModelSettings& settings) {
    const bool changed = m_settings.modelSettings(modelPath) != settings;
    m_settings.setModelSettings(modelPath, settings);
    // The model in use takes them at once (the request in flight is stopped first).
    if (changed && !m_model.modelPath.isEmpty() && sameFile(modelPath, m_model.modelPath))
        reloadModel();
}

void GenerationController::reloadModel() {
    if (m_model.modelPath.isEmpty()) return;
    startLoad(m_model.modelPath, m_model.adapterPath.isEmpty()
                                     ? InferenceWorker::adapterPathFor(m_model.modelPath)
                                     : m_model.adapterPath);
}

void GenerationController::onLoadFailed(const QString& message) {
    m_pendingLoads = std::max(0, m_pendingLoads - 1);
    m_loading = m_pendingLoads > 0;
    if (m_remember && !m_loading) m_remember.reset();
    // The worker kept the model that was working: the writer goes on with it.
    m_modelReady = !m_model.modelPath.isEmpty() && !m_loading;
    const bool fallBack = !m_loading && m_fallbackToDefault && m_model.modelPath.isEmpty() &&
                          !sameFile(m_loadingPath, defaultModelPath());
    if (fallBack) loadDefaultModel();
    emit modelFailed(message, fallBack);
}

qint64 GenerationController::start(GenerationRequest request, const GenerationOrigin& origin) {
    if (m_inFlight || !m_modelReady) return 0;
    request.id = m_nextRequestId++;
    m_inFlight = InFlight{request, origin, m_model, m_server.has_value()};
    if (m_server)
        QMetaObject::invokeMethod(
            m_remoteWorker,
            [w = m_remoteWorker, request, server = *m_server] { w->generate(request, server); },
            Qt::QueuedConnection);
    else
        QMetaObject::invokeMethod(
            m_worker, [w = m_worker, request] { w->generate(request); }, Qt::QueuedConnection);
    emit generatingChanged(true);
    return request.id;
}

void GenerationController::stop() {
    if (!m_inFlight) return;
    if (m_inFlight->remote)
        m_remoteWorker->cancel(m_inFlight->request.id);
    else
        m_worker->cancel(m_inFlight->request.id);
}

std::optional<qint64> GenerationController::requestInFlight() const {
    return m_inFlight ? std::optional<qint64>(m_inFlight->request.id) : std::nullopt;
}

void GenerationController::setLiveAlpha(float alpha) {
    if (m_inFlight && m_inFlight->request.liveAlpha) m_inFlight->request.liveAlpha->store(alpha);
}

void GenerationController::settle() {
    if (!m_inFlight) return;
    const qint64 id = m_inFlight->request.id;
    const bool remote = m_inFlight->remote;
    QThread* thread = remote ? m_remoteThread : m_thread;
    if (remote)
        m_remoteWorker->cancel(id);
    else
        m_worker->cancel(id);
    // The worker stops within one token (the remote one closes its stream); ending its
    // thread's loop then guarantees its last signals are posted, and they are delivered here
    // without an event loop (this also runs while the application quits, after its loop ended).
    thread->quit();
    thread->wait();
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
    if (m_inFlight && m_inFlight->request.id == id) {
        // The request never started: it is recorded as cancelled with no output.
        GenerationOutcome outcome;
        outcome.requestId = id;
        outcome.cancelled = true;
        outcome.stop = storage::GenerationStop::Stopped;
        outcome.prompt = m_inFlight->request.context;
        outcome.sceneChars = outcome.prompt.size();
        outcome.alpha = m_inFlight->request.alpha;
        onFinished(outcome);
    }
    thread->start();
    emit settled();
}

void GenerationController::onFinished(const GenerationOutcome& finishedOutcome) {
    if (!m_inFlight || m_inFlight->request.id != finishedOutcome.requestId) return;
    const InFlight flight = *std::exchange(m_inFlight, std::nullopt);
    GenerationOutcome outcome = finishedOutcome;
    // A request that never started still has its candidates, with no output.
    const int count = std::clamp(flight.request.candidates, 1, kMaxCandidates);
    if (outcome.candidates.empty()) {
        CandidateOutcome none;
        none.stop = outcome.stop;
        outcome.candidates.assign(size_t(count), none);
    }
    for (size_t i = 0; i < outcome.candidates.size(); ++i) {
        CandidateOutcome& c = outcome.candidates[i];
        c.generationId = record(flight, outcome, int(i));
        if (c.generationId && c.serverInsights)
            m_serverInsights.insert(*c.generationId, *c.serverInsights);
    }
    const std::optional<int64_t> id = outcome.candidates.front().generationId;
    emit finished(outcome, id);
    emit generatingChanged(false);
    // A remote fault: the text so far is recorded and shown; the reason goes to the writer.
    if (!outcome.failure.isEmpty()) emit failed(outcome.requestId, outcome.failure);
    if (id) emit generationRecorded(*id);
}

void GenerationController::onFailed(qint64 requestId, const QString& message) {
    if (!m_inFlight || m_inFlight->request.id != requestId) return;
    m_inFlight.reset();
    emit failed(requestId, message);
    emit generatingChanged(false);
}

std::optional<int64_t> GenerationController::record(const InFlight& flight,
                                                    const GenerationOutcome& outcome,
                                                    int candidate) {
    if (!m_project) return std::nullopt;
    // Candidate i is a request of its own with seed + i; all are children of the one parent.
    GenerationRequest request = flight.request;
    request.sampler.seed += uint32_t(candidate); // a server's too (completeCandidates)
    GenerationOutcome own = outcome;
    const CandidateOutcome& c = outcome.candidates[size_t(candidate)];
    own.text = c.text;
    own.stop = c.stop;
    own.cancelled = c.stop == storage::GenerationStop::Stopped; // one may end before a Stop
    own.generatedTokens = c.generatedTokens;
    own.alphaChanges = c.alphaChanges;
    try {
        return m_project->generations().record(
            makeGenerationRecord(flight.origin, request, own, flight.model));
    } catch (const std::exception& e) {
        reportStorageError(tr("The generated text could not be recorded in the project: %1"), e);
        return std::nullopt;
    }
}

bool GenerationController::setStatus(int64_t generationId, storage::GenerationStatus status) {
    if (!m_project) return false;
    try {
        m_project->generations().setStatus(generationId, status);
        return true;
    } catch (const std::exception& e) {
        reportStorageError(tr("The generation's status could not be saved: %1"), e);
        return false;
    }
}

bool GenerationController::keep(int64_t generationId, const QString& kept, const QString& shown) {
    if (kept == shown) return setStatus(generationId, storage::GenerationStatus::Accepted);
    if (!m_project) return false;
    try {
        m_project->generations().setEditedOutput(generationId, kept.toStdString());
        return true;
    } catch (const std::exception& e) {
        reportStorageError(tr("The generation's status could not be saved: %1"), e);
        return false;
    }
}

qint64 GenerationController::inspect(TokenInsightRequest request) {
    // The token view's numbers need the model's own logits: a server does not lend them.
    if (m_inFlight || !m_modelReady || m_server) return 0;
    request.id = m_nextRequestId++; // one sequence with generations: ids never meet
    QMetaObject::invokeMethod(
        m_worker, [w = m_worker, request] { w->inspect(request); }, Qt::QueuedConnection);
    return request.id;
}

std::optional<TokenInsights> GenerationController::serverInsights(int64_t generationId) const {
    const auto it = m_serverInsights.constFind(generationId);
    return it == m_serverInsights.constEnd() ? std::nullopt : std::optional<TokenInsights>(*it);
}

qint64 GenerationController::preview(GenerationRequest request) {
    if (!m_modelReady) return 0;
    request.id = m_nextRequestId++;
    if (m_server) // counted by the server's /tokenize, in its context
        QMetaObject::invokeMethod(
            m_remoteWorker,
            [w = m_remoteWorker, request, server = *m_server] { w->preview(request, server); },
            Qt::QueuedConnection);
    else
        QMetaObject::invokeMethod(
            m_worker, [w = m_worker, request] { w->preview(request); }, Qt::QueuedConnection);
    return request.id;
}

void GenerationController::pin(const QString& text, qint64 generationId) {
    emit pinRequested(text, generationId);
}

void GenerationController::reportStorageError(const QString& what, const std::exception& e) {
    emit errorOccurred(what.arg(QString::fromUtf8(e.what())));
}

} // namespace fabulist::ui
