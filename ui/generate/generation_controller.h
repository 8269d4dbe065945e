#pragma once
// GenerationController: the one non-widget owner of generation in a window. It owns the
// InferenceWorker and the QThread it runs on, loads models (the default, a chosen one, the
// adapter beside it), starts requests, records every generation that ends in the open project
// and writes the writer's decisions on it (status, edited text). Views (the Generate tab, the
// ghost text through it, the History tree, the Storyboard's pin) talk to it instead of to the
// worker or to each other; it only re-emits what they need.
//
// One request runs at a time; a model load waits for it to end (the worker runs them in order).
// The worker keeps the model in use until a new one has loaded, so a failed load changes nothing.
#include "ui/generate/generation_record.h"
#include "ui/generate/generation_request.h"
#include "ui/generate/token_insight_request.h"
#include "ui/remote/remote_types.h"
#include "ui/settings.h"

#include <QHash>
#include <QObject>
#include <cstdint>
#include <exception>
#include <optional>

class QThread;

namespace fabulist::storage {
class Project;
} // namespace fabulist::storage

namespace fabulist::ui {

class InferenceWorker;
class RemoteWorker;

class GenerationController : public QObject {
    Q_OBJECT
public:
    explicit GenerationController(QObject* parent = nullptr);
    // Records a generation still in flight (cancelled) before the thread ends.
    ~GenerationController() override;

    // Where generations are recorded; nullptr when the project closes. A generation in flight
    // is cancelled and recorded in the project that is going first.
    void setProject(storage::Project* project);
    storage::Project* project() const { return m_project; }

    // Models. Every load keeps the model in use until the new one has loaded.
    void loadModel(const QString& modelPath, const QString& adapterPath);
    void loadDefaultModel();
    // The start-up choice: `overridePath` (--model, not remembered), else the remembered one,
    // else the default; a missing file loads the default. Returns a note for the writer when
    // the choice could not be followed (empty otherwise).
    QString loadStartupModel(const QString& overridePath = {});
    // Switches to `path` and remembers it in Settings once it has loaded (never on failure).
    void useModel(const QString& path);
    // The shipped model again; the remembered choice is cleared once it has loaded.
    void useDefaultModel();
    static QString defaultModelPath();
    // Per-model settings (device, context, experts per token, threads, KV type): remembered in
    // Settings; a change to the model in use reloads it (stopping the request in flight first).
    ModelSettings modelSettings(const QString& modelPath) const;
    void setModelSettings(const QString& modelPath, const ModelSettings& settings);
    // Loads the model in use again with its current settings.
    void reloadModel();

    // A remote engine (Generate > Models… > Servers): requests go to `server` (model() names
    // it, with the model name the server reported and no adapter) until a local model loads.
    // A request in flight is settled first. `contextLength`: the server's, 0 when unknown.
    void useServer(const remote::RemoteServer& server, const QString& reportedModel,
                   int contextLength = 0);
    bool isRemote() const { return m_server.has_value(); }
    const std::optional<remote::RemoteServer>& server() const { return m_server; }

    bool isModelReady() const { return m_modelReady; }
    bool isLoadingModel() const { return m_loading; }
    bool hasAdapter() const { return !m_model.adapterPath.isEmpty(); }
    const LoadedModel& model() const { return m_model; }

    // Starts `request` (its id is assigned here and returned); 0 when a request is already in
    // flight or no model is ready. `origin` says where its record belongs.
    qint64 start(GenerationRequest request, const GenerationOrigin& origin);
    // Stops the request in flight within one token; it still ends with finished().
    void stop();
    // Cancels the request in flight and waits (at most one token) until it is recorded.
    void settle();
    bool isGenerating() const { return m_inFlight.has_value(); }
    std::optional<qint64> requestInFlight() const;
    // The α slider while the text streams: applies from the next token, and is recorded.
    void setLiveAlpha(float alpha);

    // The writer's decisions on a recorded generation. False (errorOccurred says why) when it
    // could not be saved or there is no project.
    bool setStatus(int64_t generationId, storage::GenerationStatus status);
    // The writer kept `kept` of a generation shown as `shown`: accepted when it is the text as
    // shown, edited (with `kept` recorded) when it differs.
    bool keep(int64_t generationId, const QString& kept, const QString& shown);
    // "Pin to Storyboard": passed on to the storyboard (pinRequested).
    void pin(const QString& text, qint64 generationId);
    // The token view's numbers for a generated text ("why this word?"); the answer comes as
    // insightsReady with the returned id. 0 (nothing asked) while a generation is in flight or
    // no model is ready: the numbers never wait behind a generation or come from another model.
    qint64 inspect(TokenInsightRequest request);
    // The token view's numbers of a generation a server wrote in this session (its logprobs);
    // nullopt for any other.
    std::optional<TokenInsights> serverInsights(int64_t generationId) const;
    // The context viewer: the prompt `request` (a story request) would send, built on the
    // worker by the call generation uses; the answer comes as previewReady with the returned
    // id. 0 when no model is ready. Waits behind a generation in flight.
    qint64 preview(GenerationRequest request);

signals:
    void loadStarted(const QString& modelPath);
    void loadProgress(int percent);
    void modelLoaded(const fabulist::ui::LoadedModel& model);
    // The previous model (if any) stays in use; `fallingBack`: the default is loading instead.
    void modelFailed(const QString& message, bool fallingBack);
    // The chosen GPU failed (at load or during a request) and the CPU runs the model now: one
    // message for the writer. modelLoaded has announced the model on its new device.
    void deviceNotice(const QString& message);
    void generatingChanged(bool generating);
    // `candidate` is which of a request's candidates the piece belongs to (0 when there is one).
    void tokenArrived(qint64 requestId, const QString& piece, int candidate);
    void decodeProgress(qint64 requestId, int tokens, double tokensPerSecond);
    // The request ended (finished or cancelled); `generationId` is its recorded row, or
    // nullopt when it could not be recorded (no project, or a storage error). Each of its
    // candidates is a row of its own (seed + i, the request's parent): their ids are in
    // outcome.candidates[i].generationId, and `generationId` is candidate 0's.
    void finished(const fabulist::ui::GenerationOutcome& outcome,
                  std::optional<int64_t> generationId);
    // Once per request (candidate 0's row), after all its candidates are recorded.
    void generationRecorded(qint64 generationId);
    void failed(qint64 requestId, const QString& message);
    // settle() ended a request on the way to a model load or a project close.
    void settled();
    void pinRequested(const QString& text, qint64 generationId);
    void errorOccurred(const QString& message); // storage errors, for the window's dialog
    void insightsReady(const fabulist::ui::TokenInsights& insights);
    void previewReady(const fabulist::ui::PromptPreview& preview);

private:
    struct InFlight {
        GenerationRequest request;
        GenerationOrigin origin;
        LoadedModel model; // the model that writes it (a load waits for it to end)
        bool remote = false; // the RemoteWorker writes it
    };
    void startLoad(const QString& modelPath, const QString& adapterPath);
    void onModelLoaded(const LoadedModel& model);
    void onLoadFailed(const QString& message);
    void onDeviceFellBack(const LoadedModel& model);
    void onFinished(const GenerationOutcome& outcome);
    void onFailed(qint64 requestId, const QString& message);
    // Records candidate `candidate` of the outcome as a row of its own.
    std::optional<int64_t> record(const InFlight& flight, const GenerationOutcome& outcome,
                                  int candidate);
    void reportStorageError(const QString& what, const std::exception& e);

    Settings m_settings;
    storage::Project* m_project = nullptr;
    QThread* m_thread;
    InferenceWorker* m_worker;
    QThread* m_remoteThread;     // the remote engine's requests (network event loops)
    RemoteWorker* m_remoteWorker;
    std::optional<remote::RemoteServer> m_server; // set: the remote engine is in use

    bool m_loading = false;
    bool m_modelReady = false;
    int m_pendingLoads = 0; // loads queued on the worker, answered in order
    QString m_loadingPath;  // the last load asked for
    LoadedModel m_model;    // the model in use (also while another loads)
    // What to remember in Settings once the load of `path` succeeds (Choose / Use Default).
    struct Remember {
        QString path;
        QString setting; // empty: the default model
    };
    std::optional<Remember> m_remember;
    // At start there is no model to keep: a chosen file that fails falls back to the default.
    bool m_fallbackToDefault = false;
    qint64 m_nextRequestId = 1;
    std::optional<InFlight> m_inFlight;
    QHash<int64_t, TokenInsights> m_serverInsights; // by recorded generation
};

} // namespace fabulist::ui
