#pragma once
// RemoteWorker: the remote engine behind GenerationController, beside the local
// InferenceWorker and with the same signals, on a thread of its own (each request runs the
// RemoteClient's event loop there; the GUI thread never waits on the network). It turns a
// GenerationRequest into /v1/completions streams on the chosen server: the end of the text
// before the cursor, or a writing task's prompt (the story bible), fitted to the server's
// context by its /tokenize (else an estimate), the sampler settings, and each candidate in a
// request of its own with seed + i (remote::completeCandidates), logprobs for the token view. Stop
// closes the stream at once; a fault ends the request as finished with the text streamed so far and
// GenerationOutcome::failure saying why.
//
// cancel() is the one member for other threads.
#include "ui/generate/generation_request.h"
#include "ui/remote/remote_types.h"

#include <QObject>
#include <atomic>
#include <memory>

namespace fabulist::remote {
class RemoteClient;
} // namespace fabulist::remote

namespace fabulist::ui {

class RemoteWorker : public QObject {
    Q_OBJECT
public:
    explicit RemoteWorker(QObject* parent = nullptr);
    ~RemoteWorker() override;

    // Any thread: stops request `requestId` and every earlier one.
    void cancel(qint64 requestId);

public slots:
    void generate(const fabulist::ui::GenerationRequest& request,
                  const fabulist::remote::RemoteServer& server);
    // The context viewer: the prompt a writing task would send to `server` (previewReady).
    void preview(const fabulist::ui::GenerationRequest& request,
                 const fabulist::remote::RemoteServer& server);

signals:
    void tokenArrived(qint64 requestId, const QString& piece, int candidate);
    void decodeProgress(qint64 requestId, int tokens, double tokensPerSecond);
    void finished(const fabulist::ui::GenerationOutcome& outcome);
    void failed(qint64 requestId, const QString& message);
    void previewReady(const fabulist::ui::PromptPreview& preview);

private:
    // The end of `context` whose tokens fit `budget` (cut at a word boundary).
    QString fittingPrompt(const QString& context, int budget, QString* note);
    // A writing task's prompt (the story bible, Memory, Author's Note) in the server's context,
    // counted by the server's /tokenize (else the estimate; `note` says so).
    inference::prompting::StoryPrompt storyPrompt(const GenerationRequest& request,
                                                  int contextLength, QString* note);

    // The client for `server` (a new one when the server changed) and its model's context.
    int useServer(const remote::RemoteServer& server);

    std::unique_ptr<remote::RemoteClient> m_client;
    std::atomic<qint64> m_cancelledUpTo{0};
    std::atomic<bool> m_cancelFlag{false};
};

// Why the slider does nothing on a remote engine (its tooltip and the record say so).
QString remoteHeadReason();

} // namespace fabulist::ui
