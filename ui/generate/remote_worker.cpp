#include "ui/generate/remote_worker.h"

#include "ui/remote/remote_client.h"

#include <QElapsedTimer>
#include <algorithm>

namespace fabulist::ui {

namespace {
storage::GenerationStop stopOf(const remote::CompletionChoice& c, bool cancelled) {
    if (c.finishReason == QLatin1String("length")) return storage::GenerationStop::Length;
    if (c.finishReason == QLatin1String("stop")) return storage::GenerationStop::EndOfText;
    return cancelled ? storage::GenerationStop::Stopped : storage::GenerationStop::Unknown;
}

bool sameServer(const remote::RemoteServer& a, const remote::RemoteServer& b) {
    return a.baseUrl == b.baseUrl && a.model == b.model && a.apiKey == b.apiKey &&
           a.stallTimeoutMs == b.stallTimeoutMs;
}
} // namespace

QString remoteHeadReason() {
    return QObject::tr("the head mix needs the model's hidden state; remote servers do not "
                       "expose it");
}

RemoteWorker::RemoteWorker(QObject* parent) : QObject(parent) {}

RemoteWorker::~RemoteWorker() = default;

void RemoteWorker::cancel(qint64 requestId) {
    qint64 seen = m_cancelledUpTo.load();
    while (seen < requestId && !m_cancelledUpTo.compare_exchange_weak(seen, requestId)) {
    }
    m_cancelFlag.store(true);
}

QString RemoteWorker::fittingPrompt(const QString& context, int budget, QString* note) {
    QString prompt = context.right(kPromptContextChars);
    for (int attempt = 0; attempt < 4 && !prompt.isEmpty(); ++attempt) {
        const remote::TokenCount count = m_client->countTokens(prompt);
        if (count.estimated) *note = count.note;
        if (count.tokens <= budget) break;
        // Keep the share of the text that fits, less 5%; then start at a word.
        const qsizetype keep = qsizetype(prompt.size() * (0.95 * budget / count.tokens));
        prompt = prompt.right(keep);
        const qsizetype space = prompt.indexOf(QLatin1Char(' '));
        if (space > 0 && space < 40) prompt = prompt.mid(space + 1);
    }
    return prompt;
}

void RemoteWorker::generate(const GenerationRequest& request, const remote::RemoteServer& server) {
    m_cancelFlag.store(m_cancelledUpTo.load() >= request.id);
    GenerationOutcome outcome;
    outcome.requestId = request.id;
    if (!m_client || !sameServer(m_client->server(), server))
        m_client = std::make_unique<remote::RemoteClient>(server);
    if (request.story) {
        // The story bible's prompt is budgeted with the model's tokenizer, which a server
        // does not lend; Continue without a story bible sends the text as it is.
        emit failed(request.id, tr("Writing tasks and the story bible need a local model for "
                                   "now; on a server, Continue writes from the text before the "
                                   "cursor."));
        return;
    }
    if (m_cancelFlag.load()) {
        outcome.cancelled = true;
        outcome.stop = storage::GenerationStop::Stopped;
        emit finished(outcome);
        return;
    }
    QString note;
    remote::CompletionParams params;
    params.prompt = fittingPrompt(request.context + request.forcedText,
                                  std::max(1, request.maxContextTokens), &note);
    params.maxTokens = std::max(1, request.maxTokens);
    params.sampler = request.sampler;
    params.n = std::clamp(request.candidates, 1, kMaxCandidates);
    outcome.prompt = params.prompt.left(params.prompt.size() - request.forcedText.size());
    outcome.sceneChars = outcome.prompt.size();

    QElapsedTimer clock;
    clock.start();
    int pieces = 0;
    const remote::Completion result = m_client->complete(
        params,
        [&](int choice, const QString& piece) {
            emit tokenArrived(request.id, piece, choice);
            if (++pieces % 8 == 0)
                emit decodeProgress(request.id, pieces,
                                    pieces * 1000.0 / std::max<qint64>(1, clock.elapsed()));
            return true;
        },
        &m_cancelFlag);
    outcome.decodeMs = double(clock.elapsed());
    outcome.cancelled = result.cancelled;
    outcome.promptTokens = result.promptTokens;
    outcome.failure = result.error;
    outcome.engine.serverUrl = server.baseUrl.toString();
    outcome.engine.serverModel = result.serverModel;
    outcome.engine.honoured = result.honoured;
    for (size_t i = 0; i < size_t(params.n); ++i) {
        CandidateOutcome c;
        if (i < result.choices.size()) {
            c.text = request.forcedText + result.choices[i].text;
            c.generatedTokens = result.choices[i].tokens;
            c.stop = stopOf(result.choices[i], result.cancelled);
        } else {
            c.stop = result.cancelled ? storage::GenerationStop::Stopped
                                      : storage::GenerationStop::Unknown;
        }
        outcome.candidates.push_back(c);
    }
    const CandidateOutcome& first = outcome.candidates.front();
    outcome.text = first.text;
    outcome.stop = first.stop;
    outcome.generatedTokens = first.generatedTokens;
    emit finished(outcome);
}

} // namespace fabulist::ui
