#pragma once
// InferenceWorker: the one object that runs the model. It lives on its own QThread (the GUI
// thread never computes a token and never waits for one); its slots are called through queued
// invocations and its signals arrive queued on the GUI side. It owns the Engine, one Session
// (kept between requests so the KV cache of an unchanged context prefix is reused: the writer's
// text changes little between two Continues) and the optional diversity-head adapter.
//
// cancel() and shutdown() are the only members meant for other threads: they set atomics that
// the generator checks before every token (and the prompt evaluation between batches).
#include "ui/generate/generation_request.h"
#include "ui/generate/token_insight_request.h"
#include "ui/models/model_settings.h"

#include <QObject>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fabulist::inference {
class Engine;
class HeadAdapter;
class Session;
} // namespace fabulist::inference

namespace fabulist::ui {

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    explicit InferenceWorker(QObject* parent = nullptr);
    ~InferenceWorker() override;

    // Any thread. Stops request `requestId` and every earlier one within one token; a request
    // that has not started yet ends at once as cancelled.
    void cancel(qint64 requestId);
    // Any thread. Makes a model load in progress give up (used when the window goes away).
    void shutdown();

    // The adapter that belongs beside a model: `<name>.head.gguf` for `<name>.gguf`.
    static QString adapterPathFor(const QString& modelPath);

public slots:
    // Loads the model and, when adapterPath is not empty, its diversity head. A missing or
    // unusable adapter is not an error: the model works without it (LoadedModel says why).
    // The model in use is replaced only once the new one has loaded (modelLoaded names it);
    // after loadFailed (the message names the file) the previous one, if any, stays in use.
    // `settings` choose the device, context, experts per token, threads and KV type; a GPU that
    // fails to load hands over to the CPU (LoadedModel::deviceNotice says so).
    void loadModel(const QString& modelPath, const QString& adapterPath,
                   const fabulist::ui::ModelSettings& settings = {});
    // One request: request.candidates > 1 decodes that many together (runCandidates).
    void generate(const fabulist::ui::GenerationRequest& request);
    // The token view's numbers for a generated text (inference_worker_inspect.cpp); the answer
    // is insightsReady, with `error` set when there are none.
    void inspect(const fabulist::ui::TokenInsightRequest& request);
    // The context viewer: the prompt `request` would send now, built by the same call as
    // generate()'s, without generating (previewReady with the request's id).
    void preview(const fabulist::ui::GenerationRequest& request);

signals:
    void loadProgress(int percent);
    void modelLoaded(const fabulist::ui::LoadedModel& model);
    void loadFailed(const QString& message);
    // Complete UTF-8 only (the engine's TokenTextStream holds back split characters);
    // `candidate` is which of the request's candidates it belongs to (0 when there is one).
    void tokenArrived(qint64 requestId, const QString& piece, int candidate);
    void decodeProgress(qint64 requestId, int tokens, double tokensPerSecond);
    void finished(const fabulist::ui::GenerationOutcome& outcome);
    void failed(qint64 requestId, const QString& message);
    void insightsReady(const fabulist::ui::TokenInsights& insights);
    void previewReady(const fabulist::ui::PromptPreview& preview);
    // The GPU failed during a request and the model now runs on the CPU (model.deviceNotice).
    void deviceFellBack(const fabulist::ui::LoadedModel& model);

private:
    // Reloads the model in use on the CPU after its GPU failed with `reason`; false when it
    // already runs on the CPU or the CPU cannot load it either.
    bool fallBackToCpu(const QString& reason);
    // The outcome of a request cut short by a failing GPU: the text each candidate showed.
    void keepShownText(GenerationOutcome& outcome, const std::vector<std::string>& soFar) const;
    // A story request's prompt, within the model's context less the request's length.
    inference::prompting::StoryPrompt storyPrompt(const GenerationRequest& request) const;
    // The longest end of `context` whose tokens fit in `budget`; cut at a word boundary.
    QString fittingPrompt(const QString& context, int budget) const;
    bool isCancelled(qint64 requestId) const;

    std::unique_ptr<inference::Engine> m_engine;
    std::unique_ptr<inference::Session> m_session;
    // The model's chat template and its BOS/EOS texts (no source: a base model).
    std::optional<std::string> m_chatTemplate;
    std::optional<std::string> m_chatBos, m_chatEos;
    std::unique_ptr<inference::HeadAdapter> m_adapter;
    LoadedModel m_loaded;           // the model in use, as last announced
    ModelSettings m_loadedSettings; // what it was loaded with (a CPU fallback reuses them)
    std::atomic<qint64> m_cancelledUpTo{0};
    std::atomic<bool> m_cancelFlag{false}; // what the generator checks for the running request
    std::atomic<bool> m_shutdown{false};
};

} // namespace fabulist::ui
