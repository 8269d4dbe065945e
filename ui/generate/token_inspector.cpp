#include "ui/generate/token_inspector.h"

#include "storage/project.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/token_view.h"

#include <QEvent>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QStringDecoder>
#include <QTextBlock>
#include <QToolTip>

namespace fabulist::ui {

namespace {
// Below this KL (nats) a token gets no underline: the heads agree.
constexpr float kFaintestKl = 0.02f;
} // namespace

TokenInspector::TokenInspector(QPlainTextEdit* text, GenerationController* generation,
                               GeneratePanel* generate, QObject* parent)
    : QObject(parent), m_text(text), m_generation(generation), m_generate(generate),
      m_view(new TokenView(text)) {
    connect(m_generation, &GenerationController::insightsReady, this, &TokenInspector::onInsights);
    // Asked for only while nothing is generated; a generation that ends lets it ask.
    connect(m_generation, &GenerationController::generatingChanged, this, [this](bool busy) {
        if (!busy) request();
    });
    connect(m_text, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_shown || m_spans.empty()) return;
        underline(); // none while the text is edited, back after an undo
    });
    connect(m_view, &TokenView::branchRequested, this, &TokenInspector::branch);
    m_text->installEventFilter(this);
    m_text->viewport()->installEventFilter(this);
}

void TokenInspector::followPreview() {
    // The ids each generation was written with, kept for when the preview shows it.
    connect(m_generation, &GenerationController::finished, this,
            [this](const GenerationOutcome& outcome, std::optional<int64_t> id) {
                if (id) m_generatedIds.insert(*id, outcome.ids);
                for (const CandidateOutcome& c : outcome.candidates)
                    if (c.generationId) m_generatedIds.insert(*c.generationId, c.ids);
            });
    // Queued: the ids above are kept first, whichever of the two hears of a new one first.
    connect(
        m_generate, &GeneratePanel::previewChanged, this,
        [this] {
            const std::optional<int64_t> shown =
                m_generate->isGenerating() ? std::nullopt : m_generate->currentGenerationId();
            if (shown == generationId()) return;
            storage::Project* project = m_generation->project();
            std::optional<storage::Generation> g;
            try {
                if (shown && project) g = project->generations().find(*shown);
            } catch (const std::exception&) {
                g.reset(); // no record, no token view: the preview works on without one
            }
            if (g)
                setGeneration(*g, m_generatedIds.value(*shown));
            else
                clear();
        },
        Qt::QueuedConnection);
}

std::optional<int64_t> TokenInspector::generationId() const {
    return m_shown ? std::optional<int64_t>(m_shown->id) : std::nullopt;
}

void TokenInspector::setGeneration(const storage::Generation& g, std::vector<int32_t> ids) {
    clear();
    m_shown = g;
    m_ids = std::move(ids);
    m_shownText = m_text->toPlainText();
    if (auto cached = m_cache.constFind(g.id); cached != m_cache.constEnd()) {
        m_insights = *cached;
        showInsights();
        return;
    }
    if (!g.engine.empty()) { // a server's text: the numbers it sent, not a replay
        const std::optional<TokenInsights> server = m_generation->serverInsights(g.id);
        if (!server || !server->error.isEmpty()) {
            fail(server ? server->error
                        : tr("Written on %1 in an earlier session: the server's token "
                             "probabilities are kept only in the session that asked for them.")
                              .arg(QString::fromStdString(g.engine)));
            return;
        }
        m_cache.insert(g.id, *server);
        m_insights = *server;
        showInsights();
        return;
    }
    request();
}

void TokenInspector::clear() {
    m_shown.reset();
    m_ids.clear();
    m_requestId = 0;
    m_openWhenReady = -1;
    m_insights = {};
    m_rawSpans.clear();
    m_spans.clear();
    m_message.clear();
    m_unavailable.clear();
    m_view->close();
    m_text->setExtraSelections({});
}

void TokenInspector::request() {
    if (!m_shown || m_requestId || !m_spans.empty() || !m_unavailable.isEmpty()) return;
    if (!m_text->isVisible()) return; // computed when the view shows it (Show event)
    if (m_generation->isRemote()) {
        fail(tr("A server is in use: the token view of a text written on this machine needs "
                "its local model (Generate > Models\u2026)."));
        return;
    }
    const QString inUse = m_generation->model().modelSha256;
    if (!m_shown->modelSha256.empty() && !inUse.isEmpty() &&
        QString::fromStdString(m_shown->modelSha256) != inUse) {
        fail(tr("Written by another model (%1): no token view with the one in use.")
                 .arg(QString::fromStdString(m_shown->modelId)));
        return;
    }
    TokenInsightRequest r;
    r.prompt = QString::fromStdString(m_shown->prompt);
    r.ids = m_ids;
    r.text = QString::fromStdString(m_shown->output);
    r.alpha = float(m_shown->mixAlpha);
    for (const storage::Generation::AlphaChange& c : m_shown->alphaChanges)
        r.alphaChanges.push_back({int(c.tokenIndex), float(c.alpha)});
    m_requestId = m_generation->inspect(std::move(r)); // 0 while generating: asked again after
}

void TokenInspector::onInsights(const TokenInsights& insights) {
    if (!m_shown || insights.requestId != m_requestId) return;
    m_requestId = 0;
    if (!insights.error.isEmpty()) {
        fail(insights.error);
        return;
    }
    m_cache.insert(m_shown->id, insights);
    m_insights = insights;
    showInsights();
}

void TokenInspector::showInsights() {
    std::vector<QByteArray> pieces;
    pieces.reserve(m_insights.ids.size());
    for (int32_t id : m_insights.ids) pieces.push_back(m_insights.bytes.value(id));
    const QString raw = QString::fromStdString(m_shown->output);
    const auto rawSpans = tokenSpans(pieces, raw);
    const auto aligned = alignShown(raw, m_shownText);
    if (!rawSpans || !aligned) {
        fail(tr("This text does not match its tokens: no token view."));
        return;
    }
    m_rawSpans = *rawSpans;
    m_spans = shownSpans(m_rawSpans, *aligned, raw);
    underline();
    emit insightsShown();
    if (const int at = std::exchange(m_openWhenReady, -1); at >= 0) openAt(at);
}

bool TokenInspector::isModelText() const {
    return m_text->toPlainText() == m_shownText;
}

void TokenInspector::underline() {
    QList<QTextEdit::ExtraSelection> marks;
    if (m_shown && isModelText() && m_insights.hasHead) {
        const QColor color = TokenView::headColor(m_text->palette(), 1.0);
        for (size_t i = 0; i < m_spans.size() && i < m_insights.tokens.size(); ++i) {
            const float kl = m_insights.tokens[i].divergence;
            if (m_spans[i].isEmpty() || kl < kFaintestKl) continue;
            QTextEdit::ExtraSelection mark;
            mark.cursor = QTextCursor(m_text->document());
            mark.cursor.setPosition(m_spans[i].start);
            mark.cursor.setPosition(m_spans[i].end, QTextCursor::KeepAnchor);
            QColor c = color;
            c.setAlphaF(0.15 + 0.85 * TokenView::disagreementStrength(kl));
            mark.format.setUnderlineStyle(QTextCharFormat::SingleUnderline);
            mark.format.setUnderlineColor(c);
            marks.push_back(mark);
        }
    }
    m_text->setExtraSelections(marks);
}

void TokenInspector::fail(const QString& reason) {
    m_unavailable = reason;
    m_message = reason;
    emit messageChanged(reason);
    if (const int at = std::exchange(m_openWhenReady, -1); at >= 0) say(reason, at);
}

void TokenInspector::say(const QString& message, int position) {
    m_message = message;
    emit messageChanged(message);
    if (message.isEmpty() || !m_text->isVisible()) return;
    const QRect at = m_text->cursorRect(
        position >= 0 ? [&] {
            QTextCursor c(m_text->document());
            c.setPosition(std::min(position, m_text->document()->characterCount() - 1));
            return c;
        }()
                      : m_text->textCursor());
    QToolTip::showText(m_text->viewport()->mapToGlobal(at.bottomLeft()), message, m_text);
}

bool TokenInspector::openAt(int position) {
    if (!m_shown) {
        say(tr("No generated text here to explain."), position);
        return false;
    }
    if (!isModelText()) {
        say(tr("Edited text: no token view (it explains the model's own words; undo the edit "
               "to see it again)."),
            position);
        return false;
    }
    if (m_spans.empty()) {
        if (!m_unavailable.isEmpty()) {
            say(m_unavailable, position);
            return false;
        }
        m_openWhenReady = position;
        request();
        if (m_generation->isGenerating())
            say(tr("Text is being generated: the token view opens when it is done."), position);
        return false;
    }
    int index = tokenAt(m_spans, position);
    if (index < 0 && position > 0) index = tokenAt(m_spans, position - 1); // caret after a word
    if (index < 0) {
        say(tr("No word here: click a word."), position);
        return false;
    }
    QToolTip::hideText();
    const QString context =
        QString::fromStdString(m_shown->prompt) +
        QString::fromStdString(m_shown->output).left(m_rawSpans[size_t(index)].start);
    QTextCursor c(m_text->document());
    c.setPosition(m_spans[size_t(index)].start);
    const QPoint at = m_text->viewport()->mapToGlobal(m_text->cursorRect(c).bottomLeft());
    m_view->showToken(m_insights, index, context.simplified(), at);
    return true;
}

bool TokenInspector::openAtCursor() {
    return openAt(m_text->textCursor().position());
}

int TokenInspector::positionAt(const QPoint& point) const {
    // The character under the point: the caret position on its left or right half.
    const QTextCursor c = m_text->cursorForPosition(point);
    const QRect caret = m_text->cursorRect(c);
    return point.x() < caret.x() ? std::max(0, c.position() - 1) : c.position();
}

bool TokenInspector::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_text && event->type() == QEvent::Show) request();
    if (watched == m_text && event->type() == QEvent::PaletteChange) underline(); // light/dark
    if (watched != m_text->viewport()) return QObject::eventFilter(watched, event);
    if (event->type() == QEvent::MouseButtonPress) {
        m_pressAt = static_cast<QMouseEvent*>(event)->position().toPoint();
    } else if (event->type() == QEvent::MouseButtonRelease) {
        const auto* mouse = static_cast<QMouseEvent*>(event);
        const QPoint at = mouse->position().toPoint();
        // A plain click on a word; a drag selects as always.
        if (mouse->button() == Qt::LeftButton && mouse->modifiers() == Qt::NoModifier &&
            (at - m_pressAt).manhattanLength() < 4 && m_shown && !m_generate->isGenerating())
            openAt(positionAt(at));
    }
    return QObject::eventFilter(watched, event);
}

void TokenInspector::branch(int tokenIndex, int32_t tokenId) {
    if (!m_shown || tokenIndex < 0 || tokenIndex >= int(m_rawSpans.size())) return;
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString tokenText = utf8.decode(m_insights.bytes.value(tokenId));
    const QString before =
        QString::fromStdString(m_shown->output).left(m_rawSpans[size_t(tokenIndex)].start);
    m_generate->branchWith(*m_shown, before, tokenId, tokenText);
}

} // namespace fabulist::ui
