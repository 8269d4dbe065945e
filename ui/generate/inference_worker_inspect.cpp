// InferenceWorker::inspect: the token view's numbers ("why this word?"), on the worker's thread
// like every other use of the model. Kept apart from the generation code it shares no lines with.
#include "inference/engine/engine.h"
#include "inference/engine/session.h"
#include "inference/heads/head_adapter.h"
#include "inference/tokenizer/tokenizer.h"
#include "ui/generate/inference_worker.h"

#include <algorithm>
#include <exception>
#include <string>

namespace fabulist::ui {

namespace {

std::vector<int32_t> encode(const inference::Tokenizer& tokenizer, const QString& text, bool bos) {
    const QByteArray utf8 = text.toUtf8();
    // parseSpecial off, as generate() tokenizes the writer's text: "<s>" in a story is text.
    return tokenizer.encode(std::string_view(utf8.constData(), size_t(utf8.size())), bos, false);
}

// A recorded generation keeps only its text: its tokens are prompt + text tokenized together,
// after the prompt's own tokens (the model's own split nearly always, not always). Alone, the
// text would get SentencePiece's dummy-prefix space; when the two do not split at the prompt's
// end, the text is tokenized alone.
std::vector<int32_t> splitAfter(const inference::Tokenizer& tokenizer,
                                const std::vector<int32_t>& promptIds,
                                const TokenInsightRequest& request) {
    const std::vector<int32_t> all = encode(tokenizer, request.prompt + request.text, true);
    if (all.size() > promptIds.size() &&
        std::equal(promptIds.begin(), promptIds.end(), all.begin()))
        return {all.begin() + std::ptrdiff_t(promptIds.size()), all.end()};
    return encode(tokenizer, request.text, false);
}

void addText(const inference::Tokenizer& tokenizer, int32_t id, TokenInsights& out) {
    if (out.bytes.contains(id)) return;
    const std::string bytes = tokenizer.tokenBytes(id);
    out.bytes.insert(id, QByteArray(bytes.data(), qsizetype(bytes.size())));
    if (bytes.empty())
        out.names.insert(id, QString::fromStdString(std::string(tokenizer.tokenText(id))));
}

} // namespace

void InferenceWorker::inspect(const TokenInsightRequest& request) {
    TokenInsights out;
    out.requestId = request.id;
    if (!m_engine) {
        out.error = tr("No model is loaded yet, so there is nothing to explain the words with.");
        emit insightsReady(out);
        return;
    }
    try {
        const inference::Tokenizer& tokenizer = m_engine->tokenizer();
        out.promptIds = encode(tokenizer, request.prompt, true);
        out.ids = request.ids.empty() ? splitAfter(tokenizer, out.promptIds, request) : request.ids;
        if (out.promptIds.empty() || out.ids.empty()) {
            out.error = tr("There is no generated text to explain.");
            emit insightsReady(out);
            return;
        }
        inference::InsightRequest insight;
        insight.prompt = out.promptIds;
        insight.ids = out.ids;
        insight.adapter = m_adapter.get(); // the diversity column even where α was 0
        insight.alpha = m_adapter ? request.alpha : 0.0f;
        if (m_adapter) insight.alphaChanges = request.alphaChanges;
        insight.topK = request.topK;
        out.tokens = inference::inspectTokens(*m_session, insight);
        out.hasHead = m_adapter != nullptr;
        for (const inference::TokenInsight& t : out.tokens) {
            addText(tokenizer, t.id, out);
            for (const auto* list : {&t.coherence, &t.diversity, &t.mix})
                for (const inference::TokenChoice& c : *list) addText(tokenizer, c.id, out);
        }
    } catch (const std::exception& e) {
        out.tokens.clear();
        out.error = tr("The words cannot be explained: %1").arg(QString::fromUtf8(e.what()));
    }
    emit insightsReady(out);
}

} // namespace fabulist::ui
