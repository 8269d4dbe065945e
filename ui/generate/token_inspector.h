#pragma once
// TokenInspector: the token view ("why this word?") for a text edit that shows a generation:
// the Generate tab's preview and the History's reader. When the edit shows the generation, it
// asks the controller once for the engine's numbers (GenerationController::inspect), underlines
// every token faintly, as strongly as its two heads disagree (KL), and a click on a word (or
// Generate > Why This Word? at the caret) opens the TokenView for the token under it; "Branch
// with this token" there continues from that token as a new child (GeneratePanel::branchWith).
//
// It maps only while the edit shows the model's text (fitted to the page: only whitespace
// changed); once the writer edits it, there is no token view ("edited text") until an undo.
#include "storage/generation_repository.h"
#include "ui/generate/token_insight_request.h"
#include "ui/generate/token_spans.h"

#include <QHash>
#include <QObject>
#include <QPoint>
#include <cstdint>
#include <optional>
#include <vector>

class QPlainTextEdit;

namespace fabulist::ui {

class GeneratePanel;
class GenerationController;
class TokenView;

class TokenInspector : public QObject {
    Q_OBJECT
public:
    TokenInspector(QPlainTextEdit* text, GenerationController* generation, GeneratePanel* generate,
                   QObject* parent = nullptr);

    // The preview: follows the generation the panel shows (with the ids it was written with).
    void followPreview();
    // The edit now shows `g` (its output, fitted or not); `ids`: its generated ids when known,
    // else its text is tokenized again.
    void setGeneration(const storage::Generation& g, std::vector<int32_t> ids = {});
    void clear();

    // Opens the token view on the token at `position` of the edit (the caret's for
    // openAtCursor). False when it cannot now; message() says why.
    bool openAt(int position);
    bool openAtCursor();

    bool hasInsights() const { return !m_spans.empty(); }
    const TokenInsights& insights() const { return m_insights; }
    const std::vector<TokenSpan>& spans() const { return m_spans; } // in the edit's text
    std::optional<int64_t> generationId() const;
    TokenView* view() const { return m_view; }
    QString message() const { return m_message; }

signals:
    void insightsShown(); // the numbers arrived and the underline is drawn
    void messageChanged(const QString& message);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void request();
    void onInsights(const TokenInsights& insights);
    void showInsights();
    void underline();
    bool isModelText() const;
    // Said where the writer asked (a tooltip at `position`), and kept as message().
    void say(const QString& message, int position = -1);
    // No token view for this generation (an engine error, another model, a text that does not
    // match its tokens); said when the writer asks.
    void fail(const QString& reason);
    void branch(int tokenIndex, int32_t tokenId);
    int positionAt(const QPoint& viewportPoint) const;

    QPlainTextEdit* m_text;
    GenerationController* m_generation;
    GeneratePanel* m_generate;
    TokenView* m_view;
    std::optional<storage::Generation> m_shown;
    std::vector<int32_t> m_ids;
    QString m_shownText; // the edit's text when it showed the generation
    qint64 m_requestId = 0;
    int m_openWhenReady = -1; // a click that came before the numbers
    TokenInsights m_insights;
    std::vector<TokenSpan> m_rawSpans; // in the generation's output
    std::vector<TokenSpan> m_spans;    // in the edit's text
    QString m_message;
    QString m_unavailable;
    QHash<int64_t, TokenInsights> m_cache;               // once per generation
    QHash<int64_t, std::vector<int32_t>> m_generatedIds; // the preview's, by generation
    QPoint m_pressAt;
};

} // namespace fabulist::ui
