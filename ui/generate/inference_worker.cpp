#include "ui/generate/inference_worker.h"

#include "inference/chat/model_chat_template.h"
#include "inference/engine/default_model.h"
#include "inference/engine/engine.h"
#include "inference/engine/generator.h"
#include "inference/engine/session.h"
#include "inference/heads/head_adapter.h"
#include "inference/heads/sha256.h"
#include "inference/prompting/writing_task.h"
#include "inference/tokenizer/tokenizer.h"
#include "ui/generate/engine_on_device.h"
#include "ui/generate/forced_tokens.h"
#include "ui/generate/generation_record.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QThread>
#include <algorithm>
#include <exception>
#include <limits>
#include <string>
#include <vector>

namespace fabulist::ui {

namespace {

// SHA-256 of a whole file, in 1 MiB reads (a few GB take seconds; this runs on the worker).
QString fileSha256(const QString& path, QString* error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QObject::tr("Cannot read %1 to identify it: %2").arg(path, file.errorString());
        return {};
    }
    inference::Sha256 sha;
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    for (;;) {
        const qint64 got = file.read(buffer.data(), buffer.size());
        if (got < 0) {
            *error = QObject::tr("Cannot read %1 to identify it: %2").arg(path, file.errorString());
            return {};
        }
        if (got == 0) break;
        sha.update(buffer.constData(), size_t(got));
    }
    return QString::fromStdString(inference::Sha256::toHex(sha.finish()));
}

bool isDefaultModel(const QString& path) {
    const QFileInfo given(path);
    const QFileInfo shipped(QString::fromStdString(inference::defaultModelPath()));
    return given.exists() && shipped.exists() &&
           given.canonicalFilePath() == shipped.canonicalFilePath();
}

// The hash `<path>.sha256` states (verifyDefaultModel has checked the file against it).
QString statedSha256(const QString& path) {
    QFile sum(path + QStringLiteral(".sha256"));
    if (!sum.open(QIODevice::ReadOnly)) return {};
    return QString::fromLatin1(sum.readLine()).section(QLatin1Char(' '), 0, 0).trimmed().toLower();
}

} // namespace

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent) {}

InferenceWorker::~InferenceWorker() = default; // the Session goes before the Engine (members)

void InferenceWorker::cancel(qint64 requestId) {
    qint64 seen = m_cancelledUpTo.load();
    while (seen < requestId && !m_cancelledUpTo.compare_exchange_weak(seen, requestId)) {
    }
    m_cancelFlag.store(true); // after the id: generate() reads them in the other order
}

void InferenceWorker::shutdown() {
    m_shutdown.store(true);
    m_cancelFlag.store(true);
    m_cancelledUpTo.store(std::numeric_limits<qint64>::max());
}

bool InferenceWorker::isCancelled(qint64 requestId) const {
    return requestId <= m_cancelledUpTo.load();
}

QString InferenceWorker::adapterPathFor(const QString& modelPath) {
    QString base = modelPath;
    if (base.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive)) base.chop(5);
    return base + QStringLiteral(".head.gguf");
}

void InferenceWorker::loadModel(const QString& modelPath, const QString& adapterPath,
                                const fabulist::ui::ModelSettings& settings) {
    // The model in use (Engine, Session, adapter) stays until the new one has loaded: a file
    // that fails to load never leaves the writer without a model. The price is holding both in
    // memory for the length of the load.
    if (m_shutdown.load()) return;
    emit loadProgress(0);
    LoadedModel loaded;
    loaded.modelPath = modelPath;
    std::unique_ptr<inference::HeadAdapter> adapter;
    std::unique_ptr<inference::Session> session;
    std::unique_ptr<inference::Engine> engine;
    try {
        if (!QFileInfo::exists(modelPath)) {
            emit loadFailed(tr("The model file %1 does not exist. Choose an existing GGUF model "
                               "(the shipped one is resources/models/fabulist-default.gguf).")
                                .arg(modelPath));
            return;
        }
        if (isDefaultModel(modelPath)) {
            inference::verifyDefaultModel(modelPath.toStdString()); // names the file and the fix
            loaded.modelSha256 = statedSha256(modelPath);
        }
        inference::EngineOptions options = engineOptionsFor(modelPath, settings);
        int lastPercent = 0;
        options.progress = [this, &lastPercent](float fraction) {
            const int percent = std::clamp(int(fraction * 90.0f), 0, 90);
            if (percent != lastPercent) emit loadProgress(lastPercent = percent);
            return !m_shutdown.load();
        };
        EngineOnDevice onDevice = loadOnChosenDevice(options, settings.backend, &m_shutdown);
        engine = std::move(onDevice.engine);
        loaded.device = onDevice.device;
        loaded.deviceDetail = onDevice.deviceDetail;
        loaded.deviceNotice = onDevice.notice;
        if (loaded.modelSha256.isEmpty()) {
            QString error;
            loaded.modelSha256 = fileSha256(modelPath, &error);
            if (!error.isEmpty()) {
                emit loadFailed(error);
                return;
            }
        }
        emit loadProgress(95);
        const inference::ModelInfo& info = engine->info();
        loaded.modelName = info.name.empty() ? QFileInfo(modelPath).completeBaseName()
                                             : QString::fromStdString(info.name);
        loaded.contextLength = info.contextLength;
        loaded.expertCount = info.nExpert;
        loaded.expertsUsed = info.nExpertUsed;

        if (adapterPath.isEmpty()) {
            loaded.adapterStatus = tr("No diversity head is loaded for this model.");
        } else if (!QFileInfo::exists(adapterPath)) {
            loaded.adapterStatus =
                tr("No diversity head: %1 does not exist. Train one with `fabulist-cli "
                   "train-head` and put it beside the model.")
                    .arg(adapterPath);
        } else {
            try {
                adapter = std::make_unique<inference::HeadAdapter>(
                    inference::HeadAdapter::load(adapterPath.toStdString(), engine->file()));
                loaded.adapterPath = adapterPath;
                loaded.adapterId = QFileInfo(adapterPath).fileName();
            } catch (const std::exception& e) {
                loaded.adapterStatus = tr("No diversity head: %1").arg(QString::fromUtf8(e.what()));
            }
        }
        session = engine->createSession();
    } catch (const std::exception& e) {
        // Engine messages name the file; say it here too, since not every part's message does.
        QString message = QString::fromUtf8(e.what());
        if (!message.contains(modelPath))
            message = tr("Cannot load the model %1: %2").arg(modelPath, message);
        emit loadFailed(message);
        return; // the previous model, if any, is still loaded and in use
    }
    // Now the swap. The old Session goes before the old Engine it belongs to; the old adapter
    // goes first, before either.
    m_adapter = std::move(adapter);
    m_session = std::move(session);
    m_engine = std::move(engine);
    const inference::chat::ModelChatTemplate chat = inference::chat::modelChatTemplate(m_engine->file());
    m_chatTemplate = chat.source;
    m_chatBos = chat.bosToken;
    m_chatEos = chat.eosToken;
    m_loaded = loaded;
    m_loadedSettings = settings;
    emit loadProgress(100);
    emit modelLoaded(loaded);
}

bool InferenceWorker::fallBackToCpu(const QString& reason) {
    if (!m_engine || m_engine->info().device == "cpu" || m_shutdown.load()) return false;
    try {
        inference::EngineOptions options = engineOptionsFor(m_loaded.modelPath, m_loadedSettings);
        options.device = m_engine->info().device; // the GPU that failed, for the message
        EngineOnDevice onCpu = loadOnCpuAfterFailure(options, reason);
        std::unique_ptr<inference::HeadAdapter> adapter;
        if (m_adapter)
            adapter = std::make_unique<inference::HeadAdapter>(inference::HeadAdapter::load(
                m_loaded.adapterPath.toStdString(), onCpu.engine->file()));
        auto session = onCpu.engine->createSession();
        m_adapter = std::move(adapter);
        m_session = std::move(session);
        m_engine = std::move(onCpu.engine);
        m_loaded.device = onCpu.device;
        m_loaded.deviceDetail = onCpu.deviceDetail;
        m_loaded.deviceNotice = onCpu.notice;
    } catch (const std::exception&) {
        return false; // the CPU cannot load it either: the request fails with the GPU's message
    }
    emit deviceFellBack(m_loaded);
    return true;
}

QString InferenceWorker::fittingPrompt(const QString& context, int budget) const {
    const inference::Tokenizer& tokenizer = m_engine->tokenizer();
    auto fits = [&](qsizetype start) {
        const QByteArray utf8 = context.mid(start).toUtf8();
        return tokenizer.encode(std::string_view(utf8.constData(), size_t(utf8.size())), true)
                   .size() <= size_t(budget);
    };
    // Start after the next whitespace, so the prompt never begins inside a word.
    auto snap = [&](qsizetype start) {
        if (start <= 0 || start >= context.size()) return start;
        if (context.at(start - 1).isSpace()) return start;
        for (qsizetype i = start; i < context.size(); ++i)
            if (context.at(i).isSpace()) return i + 1;
        return context.at(start).isLowSurrogate() ? start + 1 : start;
    };
    if (fits(0)) return context;
    qsizetype lo = 0, hi = context.size(); // lo does not fit, hi (the empty end) does
    while (hi - lo > 1) {
        const qsizetype mid = lo + (hi - lo) / 2;
        if (fits(snap(mid)))
            hi = mid;
        else
            lo = mid;
    }
    return context.mid(snap(hi));
}

inference::prompting::StoryPrompt
InferenceWorker::storyPrompt(const GenerationRequest& request) const {
    const StoryTask& task = *request.story;
    inference::prompting::ContextSettings settings = task.settings;
    const int room = m_engine->info().contextLength - request.maxTokens;
    settings.budgetTokens = std::min(settings.budgetTokens, room);
    std::optional<inference::prompting::ChatPrompt> chat;
    if (m_chatTemplate && task.chatUserTemplate)
        chat = inference::prompting::ChatPrompt{*m_chatTemplate, m_chatBos, m_chatEos,
                                                *task.chatUserTemplate};
    return inference::prompting::buildStoryPrompt(task.request, settings, task.promptTemplate,
                                                  m_engine->tokenizer(), chat ? &*chat : nullptr);
}

void InferenceWorker::preview(const GenerationRequest& request) {
    PromptPreview answer;
    answer.id = request.id;
    if (!m_engine) {
        answer.error = tr("No model is loaded yet: the prompt is counted in its tokens.");
    } else if (!request.story) {
        answer.error = tr("There is no writing task to show the prompt of.");
    } else {
        try {
            answer.prompt = std::make_shared<inference::prompting::StoryPrompt>(
                storyPrompt(request));
        } catch (const std::exception& e) {
            answer.error = QString::fromUtf8(e.what());
        }
    }
    emit previewReady(answer);
}

void InferenceWorker::generate(const GenerationRequest& request) {
    // Cleared first, then the id read: a cancel() in between sets the flag again afterwards.
    m_cancelFlag.store(false);
    if (isCancelled(request.id)) m_cancelFlag.store(true);

    GenerationOutcome outcome;
    outcome.requestId = request.id;
    if (!m_engine) {
        emit failed(request.id, tr("No model is loaded yet. Wait for \u201cLoading model\u201d to "
                                   "finish, or check the model error shown in the panel."));
        return;
    }
    if (m_cancelFlag.load()) {
        outcome.cancelled = true;
        outcome.stop = storage::GenerationStop::Stopped;
        emit finished(outcome);
        return;
    }
    const int contextLength = m_engine->info().contextLength;
    const int budget = std::min(request.maxContextTokens, contextLength - request.maxTokens);
    if (request.maxTokens < 1 || budget < 1) {
        emit failed(request.id, tr("A length of %1 tokens does not fit this model's context of "
                                   "%2 tokens; choose a shorter length.")
                                    .arg(request.maxTokens)
                                    .arg(contextLength));
        return;
    }
    // Each candidate's text as shown so far: kept when a GPU fails after the first tokens.
    std::vector<std::string> soFar(size_t(std::clamp(request.candidates, 1, kMaxCandidates)));
    bool shown = false;
    try {
        std::vector<int32_t> ids;
        int maxTokens = request.maxTokens;
        if (request.story) {
            auto built = std::make_shared<inference::prompting::StoryPrompt>(storyPrompt(request));
            outcome.prompt = QString::fromStdString(built->text);
            ids = built->ids;
            const std::string& before = request.story->request.before;
            outcome.sceneChars =
                QString::fromUtf8(before.data() + built->sceneStart,
                                  qsizetype(before.size() - built->sceneStart))
                    .size();
            const auto task = request.story->request.task;
            if (inference::prompting::taskShape(task).perSelectionToken > 0.0)
                maxTokens = inference::prompting::maxTokensFor(task, built->selectionTokens);
            outcome.storyPrompt = std::move(built);
        } else {
            outcome.prompt = fittingPrompt(request.context, budget);
            outcome.sceneChars = outcome.prompt.size();
            const QByteArray utf8 = outcome.prompt.toUtf8();
            // The writer's text is plain text: "<s>" typed in a story is not a control token.
            ids = m_engine->tokenizer().encode(
                std::string_view(utf8.constData(), size_t(utf8.size())), true, false);
        }
        if (ids.empty()) {
            emit failed(request.id, tr("There is no text before the cursor, and this model "
                                       "needs some to continue. Write a few words first."));
            return;
        }
        inference::GenerationParams params;
        params.maxTokens = maxTokens;
        params.sampler = request.sampler;
        const auto shape = request.story ? inference::prompting::taskShape(request.story->request.task)
                                         : inference::prompting::TaskShape{};
        // A rewrite that gives the passage back word for word is no rewrite.
        if (shape.replacesSelection && !request.story->request.selection.empty())
            params.bannedPhrases.push_back(request.story->request.selection);
        // With a live slider the head takes part even from α 0 (nothing is mixed at 0).
        if (m_adapter && (request.alpha > 0.0f || request.liveAlpha)) {
            params.adapter = m_adapter.get();
            params.alpha = request.alpha;
            params.liveAlpha = request.liveAlpha.get();
        }
        outcome.alpha = params.alpha;
        // Branch with this token: the chosen token follows the prompt and opens every text.
        ids.insert(ids.end(), request.forcedIds.begin(), request.forcedIds.end());
        if (!request.forcedText.isEmpty())
            for (int i = 0; i < std::clamp(request.candidates, 1, kMaxCandidates); ++i)
                emit tokenArrived(request.id, request.forcedText, i);

        // Tokens and speed count every candidate: they decode together.
        int tokens = 0;
        QElapsedTimer clock;
        bool decoding = false;
        // One-line tasks (and Continue before following text): each candidate stops at the end
        // of its line (an idea, a paragraph).
        const bool lineStop = request.story && !outcome.storyPrompt->fillInTheMiddle &&
                              inference::prompting::stopsAtLineEnd(request.story->request.task,
                                                                   request.story->request.after);
        const inference::CandidateTokenCallback onToken = [&](int candidate, int32_t id,
                                                              std::string_view piece) {
            std::string& text = soFar[size_t(candidate)];
            text += piece;
            if (lineStop && inference::prompting::endsLine(text)) return false;
            shown = true;
            if (!decoding) {
                decoding = true;
                clock.start();
            }
            if (!piece.empty())
                emit tokenArrived(request.id,
                                  QString::fromUtf8(piece.data(), qsizetype(piece.size())),
                                  candidate);
            if (id >= 0) {
                ++tokens;
                const qint64 ns = clock.nsecsElapsed();
                emit decodeProgress(request.id, tokens, ns > 0 ? tokens * 1e9 / double(ns) : 0.0);
            }
            return true;
        };
        inference::Generator generator(*m_session, m_engine->tokenizer());
        const int count = std::clamp(request.candidates, 1, kMaxCandidates);
        const std::vector<inference::GenerationResult> results =
            count == 1
                ? std::vector{generator.run(
                      ids, params,
                      [&](int32_t id, std::string_view piece) { return onToken(0, id, piece); },
                      &m_cancelFlag)}
                : generator.runCandidates(ids, params, count, onToken, &m_cancelFlag);
        for (const inference::GenerationResult& result : results) {
            CandidateOutcome c;
            c.text = QString::fromUtf8(result.text.data(), qsizetype(result.text.size()));
            // A one-line task's candidate that reached its line's end ended as it should.
            const bool lineDone = lineStop &&
                                  result.stopReason == inference::StopReason::Callback &&
                                  !m_cancelFlag.load();
            c.stop = lineDone ? storage::GenerationStop::EndOfText
                              : toStorageStop(result.stopReason);
            c.generatedTokens = int(result.ids.size());
            c.alphaChanges = result.alphaChanges;
            c.ids = result.ids;
            outcome.candidates.push_back(std::move(c));
        }
        const inference::GenerationResult& first = results.front();
        outcome.text = outcome.candidates.front().text;
        outcome.cancelled = first.stopReason == inference::StopReason::Cancelled;
        outcome.stop = outcome.candidates.front().stop;
        outcome.promptTokens = first.timings.promptTokens;
        outcome.reusedTokens = first.timings.reusedTokens;
        outcome.generatedTokens = outcome.candidates.front().generatedTokens;
        outcome.promptMs = first.timings.promptMs;
        outcome.decodeMs = first.timings.decodeMs;
        outcome.alphaChanges = first.alphaChanges;
        outcome.ids = first.ids;
        prependForcedTokens(request, outcome);
    } catch (const std::exception& e) {
        const QString message = QString::fromUtf8(e.what());
        // A GPU that fails hands the model to the CPU; the request is not lost: run again
        // there when nothing was shown yet, else the text so far is its result.
        if (!m_cancelFlag.load() && fallBackToCpu(message)) {
            if (!shown) return generate(request);
            keepShownText(outcome, soFar);
            emit finished(outcome);
            return;
        }
        emit failed(request.id, message);
        return;
    }
    emit finished(outcome);
}

void InferenceWorker::keepShownText(GenerationOutcome& outcome,
                                    const std::vector<std::string>& soFar) const {
    for (const std::string& text : soFar) {
        CandidateOutcome c;
        c.text = QString::fromUtf8(text.data(), qsizetype(text.size()));
        c.stop = storage::GenerationStop::Stopped;
        outcome.candidates.push_back(std::move(c));
    }
    outcome.text = outcome.candidates.front().text;
    outcome.stop = storage::GenerationStop::Stopped;
}

} // namespace fabulist::ui
