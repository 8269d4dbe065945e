#include "ui/generate/remote_worker.h"

#include "inference/prompting/writing_task.h"
#include "ui/generate/server_token_insights.h"
#include "ui/remote/remote_candidates.h"
#include "ui/remote/remote_client.h"

#include <QElapsedTimer>
#include <QHash>
#include <algorithm>

namespace fabulist::ui {

namespace {
storage::GenerationStop stopOf(const remote::CompletionChoice& c, bool cancelled) {
    if (c.finishReason == QLatin1String("length")) return storage::GenerationStop::Length;
    if (c.finishReason == QLatin1String("stop")) return storage::GenerationStop::EndOfText;
    return cancelled ? storage::GenerationStop::Stopped : storage::GenerationStop::Unknown;
}

std::shared_ptr<const TokenInsights> tokenInsights(const remote::CompletionChoice& c,
                                                   const QString& forcedText) {
    auto insights = std::make_shared<TokenInsights>(serverTokenInsights(c.logprobs, forcedText));
    if (c.logprobs.empty() && !c.text.isEmpty())
        insights->error = QObject::tr("The server sent no token probabilities (logprobs) with "
                                      "this text: no token view.");
    return insights;
}

bool sameServer(const remote::RemoteServer& a, const remote::RemoteServer& b) {
    return a.baseUrl == b.baseUrl && a.model == b.model && a.apiKey == b.apiKey &&
           a.stallTimeoutMs == b.stallTimeoutMs && a.contextTokens == b.contextTokens;
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

inference::prompting::StoryPrompt RemoteWorker::storyPrompt(const GenerationRequest& request,
                                                            int contextLength, QString* note) {
    const StoryTask& task = *request.story;
    inference::prompting::ContextSettings settings = task.settings;
    settings.budgetTokens = std::min(settings.budgetTokens, contextLength - request.maxTokens);
    QHash<QString, int> counted; // the build asks for some texts more than once
    const inference::prompting::TokenCounter count = [&](std::string_view utf8) {
        if (utf8.empty()) return 0;
        const QString text = QString::fromUtf8(utf8.data(), qsizetype(utf8.size()));
        if (const auto it = counted.constFind(text); it != counted.constEnd()) return *it;
        const remote::TokenCount c = m_client->countTokens(text);
        if (c.estimated) *note = c.note;
        counted.insert(text, c.tokens);
        return c.tokens;
    };
    return inference::prompting::buildStoryPrompt(task.request, settings, task.promptTemplate,
                                                  count);
}

int RemoteWorker::useServer(const remote::RemoteServer& server) {
    if (!m_client || !sameServer(m_client->server(), server))
        m_client = std::make_unique<remote::RemoteClient>(server);
    // The server's context (it reports it), else the writer's setting for this server.
    const int reported = m_client->contextLength();
    return reported > 0 ? reported : server.contextTokens;
}

void RemoteWorker::preview(const GenerationRequest& request, const remote::RemoteServer& server) {
    PromptPreview answer;
    answer.id = request.id;
    if (!request.story) {
        answer.error = tr("There is no writing task to show the prompt of.");
    } else {
        QString note;
        answer.prompt = std::make_shared<inference::prompting::StoryPrompt>(
            storyPrompt(request, useServer(server), &note));
    }
    emit previewReady(answer);
}

void RemoteWorker::generate(const GenerationRequest& request, const remote::RemoteServer& server) {
    m_cancelFlag.store(m_cancelledUpTo.load() >= request.id);
    GenerationOutcome outcome;
    outcome.requestId = request.id;
    const int contextLength = useServer(server);
    if (m_cancelFlag.load()) {
        outcome.cancelled = true;
        outcome.stop = storage::GenerationStop::Stopped;
        emit finished(outcome);
        return;
    }
    const int budget = std::min(request.maxContextTokens, contextLength - request.maxTokens);
    if (request.maxTokens < 1 || budget < 1) {
        emit failed(request.id, tr("A length of %1 tokens does not fit the context of %2 tokens "
                                   "of the model on the server; choose a shorter length.")
                                    .arg(request.maxTokens)
                                    .arg(contextLength));
        return;
    }
    QString note;
    remote::CompletionParams params;
    params.maxTokens = request.maxTokens;
    bool lineStop = false;
    if (request.story) {
        // A writing task: the same prompt as locally, budgeted with the server's token count.
        auto built = std::make_shared<inference::prompting::StoryPrompt>(
            storyPrompt(request, contextLength, &note));
        const auto task = request.story->request.task;
        outcome.prompt = QString::fromStdString(built->text);
        const std::string& before = request.story->request.before;
        outcome.sceneChars = QString::fromUtf8(before.data() + built->sceneStart,
                                               qsizetype(before.size() - built->sceneStart))
                                 .size();
        if (inference::prompting::taskShape(task).perSelectionToken > 0.0)
            params.maxTokens = inference::prompting::maxTokensFor(task, built->selectionTokens);
        lineStop = inference::prompting::stopsAtLineEnd(task, request.story->request.after);
        params.prompt = outcome.prompt + request.forcedText;
        outcome.storyPrompt = std::move(built);
    } else {
        params.prompt = fittingPrompt(request.context + request.forcedText, budget, &note);
        outcome.prompt = params.prompt.left(params.prompt.size() - request.forcedText.size());
        outcome.sceneChars = outcome.prompt.size();
    }
    params.sampler = request.sampler;
    params.n = std::clamp(request.candidates, 1, kMaxCandidates);
    params.logprobs = TokenInsightRequest{}.topK; // the token view's alternatives

    QElapsedTimer clock;
    clock.start();
    int pieces = 0;
    std::vector<std::string> lines(size_t(params.n)); // each candidate's text, for lineStop
    const remote::Completion result = remote::completeCandidates(
        *m_client, params,
        [&](int choice, const QString& piece) {
            emit tokenArrived(request.id, piece, choice);
            if (++pieces % 8 == 0)
                emit decodeProgress(request.id, pieces,
                                    pieces * 1000.0 / std::max<qint64>(1, clock.elapsed()));
            // One-line tasks: each candidate ends at its line's end (an idea, a paragraph).
            std::string& text = lines[size_t(choice)];
            text += piece.toStdString();
            return !lineStop || !inference::prompting::endsLine(text);
        },
        &m_cancelFlag);
    outcome.decodeMs = double(clock.elapsed());
    outcome.cancelled = result.cancelled && m_cancelFlag.load();
    outcome.promptTokens = result.promptTokens;
    outcome.failure = result.error;
    outcome.engine.serverUrl = server.baseUrl.toString();
    outcome.engine.serverModel = result.serverModel;
    outcome.engine.honoured = result.honoured;
    for (size_t i = 0; i < size_t(params.n); ++i) {
        CandidateOutcome c;
        if (i < result.choices.size()) {
            const remote::CompletionChoice& choice = result.choices[i];
            c.text = request.forcedText + choice.text;
            c.generatedTokens = choice.tokens;
            const bool lineDone = lineStop && choice.stopped && !m_cancelFlag.load();
            c.stop = lineDone ? storage::GenerationStop::EndOfText : stopOf(choice, choice.stopped);
            c.serverInsights = tokenInsights(choice, request.forcedText);
        } else { // Stop or a fault came before this candidate's request
            c.stop = storage::GenerationStop::Stopped;
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
