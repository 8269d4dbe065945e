#include "ui/editor/ghost_text.h"

#include "ui/editor/editor_view.h"
#include "ui/editor/ghost_preedit.h"
#include "ui/editor/pause_trigger.h"
#include "ui/generate/generate_panel.h"
#include "ui/settings.h"

#include <QAction>
#include <QCoreApplication>
#include <QKeyEvent>
#include <QPlainTextEdit>
#include <QScopedValueRollback>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>

namespace fabulist::ui {

namespace {

// The next word with the whitespace before it ("  lamp," of "  lamp, and").
qsizetype nextWordLength(const QString& text) {
    qsizetype i = 0;
    while (i < text.size() && text.at(i).isSpace()) ++i;
    while (i < text.size() && !text.at(i).isSpace()) ++i;
    return i;
}

bool isModifierOnly(const QKeyEvent* key) {
    return key->key() == Qt::Key_Shift || key->key() == Qt::Key_Control ||
           key->key() == Qt::Key_Alt || key->key() == Qt::Key_Meta || key->key() == Qt::Key_AltGr;
}

} // namespace

GhostText::GhostText(EditorView* editor, GeneratePanel* panel, QObject* parent)
    : QObject(parent), m_editor(editor), m_panel(panel), m_pause(new PauseTrigger(editor, this)) {
    auto action = [this](const QString& text, const QKeySequence& key, auto slot) {
        auto* a = new QAction(text, this);
        a->setShortcut(key);
        // Only while the editor has the keyboard: elsewhere Tab and Esc keep their own jobs.
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(a, &QAction::triggered, this, slot);
        m_editor->addAction(a);
        return a;
    };
    m_acceptAction =
        action(tr("Accept &Suggestion"), QKeySequence(Qt::Key_Tab), [this] { acceptAll(); });
    m_acceptWordAction = action(tr("Accept Next &Word"), QKeySequence(Qt::CTRL | Qt::Key_Right),
                                [this] { acceptWord(); });
    m_dismissAction =
        action(tr("D&ismiss Suggestion"), QKeySequence(Qt::Key_Escape), [this] { dismiss(); });
    m_nextAction = action(tr("N&ext Draft"), QKeySequence(Qt::ALT | Qt::Key_BracketRight),
                          [this] { nextDraft(); });
    m_previousAction = action(tr("Pre&vious Draft"), QKeySequence(Qt::ALT | Qt::Key_BracketLeft),
                              [this] { previousDraft(); });

    const Settings settings;
    m_pauseAction = new QAction(tr("Suggest While I &Pause"), this);
    m_pauseAction->setCheckable(true);
    m_pauseAction->setChecked(settings.suggestOnPause());
    m_pauseAction->setToolTip(tr("When you stop typing for a moment, suggest a continuation as "
                                 "ghost text"));
    m_pause->setInterval(settings.suggestPauseMs());
    m_pause->setEnabled(m_pauseAction->isChecked());
    connect(m_pauseAction, &QAction::toggled, this, [this](bool on) {
        Settings().setSuggestOnPause(on);
        m_pause->setEnabled(on);
    });
    connect(m_pause, &PauseTrigger::paused, this, &GhostText::onSuggestPause);

    connect(panel, &GeneratePanel::generatingChanged, this,
            [this](bool on) { on ? onGenerationStarted() : onGenerationEnded(); });
    connect(panel, &GeneratePanel::previewChanged, this, &GhostText::follow);
    connect(panel, &GeneratePanel::accepting, this, &GhostText::hide);
    connect(editor, &QPlainTextEdit::cursorPositionChanged, this, [this] {
        const QTextCursor cursor = m_editor->textCursor();
        if (m_shown && !m_editing && (cursor.position() != m_position || cursor.hasSelection()))
            dismiss();
    });
    connect(editor, &QPlainTextEdit::textChanged, this, [this] {
        if (m_shown && !m_editing && documentChangedBehindUs()) dismiss();
    });
    editor->installEventFilter(this);
    editor->viewport()->installEventFilter(this);
    updateActions();
}

QString GhostText::suggestion() const {
    const QString preview = m_panel->preview()->toPlainText();
    return m_panel->isGenerating() ? fitContinuation(preview, m_fit) : preview;
}

QString GhostText::text() const {
    if (!m_shown) return {};
    const QString whole = suggestion();
    return whole.startsWith(m_taken) ? whole.mid(m_taken.size()) : QString();
}

void GhostText::onGenerationStarted() {
    m_acceptWhenDone = false;
    // A rewrite, a description or ideas are not the text after the caret (and keep the selection).
    if (m_panel->shownTask() != inference::prompting::WritingTask::Continue) {
        hide();
        return;
    }
    if (m_editor->isReadOnly()) return;
    QScopedValueRollback guard(m_editing, true);
    erase(); // a Retry or a new Continue starts again at the caret
    QTextCursor cursor = m_editor->textCursor();
    if (cursor.hasSelection()) {
        cursor.clearSelection();
        m_editor->setTextCursor(cursor);
    }
    m_document = m_editor->document();
    m_position = cursor.position();
    m_taken.clear();
    m_tookWords = false;
    const QString text = m_document->toPlainText();
    m_fit = FitOptions{};
    m_fit.before = m_position > 0 ? text.at(m_position - 1) : QChar();
    m_fit.paragraphs = paragraphConvention(text);
    const bool wasShown = std::exchange(m_shown, true);
    snapshot();
    draw();
    updateActions();
    if (!wasShown) emit shownChanged(true);
}

void GhostText::onGenerationEnded() {
    if (m_keepWhenDone) {
        // Dismissed while streaming, after some words were taken: those are what it keeps.
        const QString kept = *std::exchange(m_keepWhenDone, std::nullopt);
        m_panel->keep(kept);
        return;
    }
    if (m_shown && std::exchange(m_acceptWhenDone, false)) acceptAll();
}

void GhostText::follow() {
    if (!m_shown) return;
    if (!m_panel->isGenerating() && !m_panel->currentGenerationId()) {
        hide(); // the panel decided (Accept, Discard) or the project closed
        return;
    }
    if (!m_panel->isGenerating() && !suggestion().startsWith(m_taken)) {
        // The finished text no longer begins with what was taken: that part is the writer's.
        const QString kept = m_taken;
        hide();
        m_panel->keep(kept);
        return;
    }
    draw();
    updateActions();
}

bool GhostText::acceptAll() {
    if (!m_shown) return false;
    if (m_panel->isGenerating()) {
        m_acceptWhenDone = true; // stop now, take what was written
        m_panel->stop();
        return true;
    }
    const QString rest = text();
    const QString kept = m_taken + rest;
    insert(rest);
    hide();
    m_panel->keep(kept);
    return true;
}

bool GhostText::acceptWord() {
    if (!m_shown) return false;
    const QString rest = text();
    const qsizetype length = nextWordLength(rest);
    if (length == 0) return false;
    if (length == rest.size() && !m_panel->isGenerating()) return acceptAll();
    insert(rest.left(length));
    m_taken += rest.left(length);
    m_tookWords = true;
    draw();
    updateActions();
    return true;
}

void GhostText::dismiss() {
    if (!m_shown) return;
    const QString taken = m_taken;
    const bool tookWords = m_tookWords;
    hide();
    if (!tookWords || taken.isEmpty()) {
        m_panel->abandon();
    } else if (m_panel->isGenerating()) {
        m_keepWhenDone = taken;
        m_panel->stop();
    } else {
        m_panel->keep(taken);
    }
}

bool GhostText::nextDraft() {
    if (!m_shown || !m_taken.isEmpty()) return false;
    // The request's other candidates first (also while they stream), then a new request.
    if (m_panel->nextCandidate()) return true;
    return !m_panel->isGenerating() && m_panel->retry();
}

bool GhostText::previousDraft() {
    if (!m_shown || !m_taken.isEmpty()) return false;
    return m_panel->previousCandidate();
}

void GhostText::onSuggestPause() {
    if (m_shown || m_panel->isGenerating() || !m_panel->continueAction()->isEnabled() ||
        m_editor->isReadOnly())
        return;
    m_panel->continueWriting();
}

bool GhostText::isGhostKey(const QKeyEvent* key) const {
    const Qt::KeyboardModifiers mods = key->modifiers() & ~Qt::KeypadModifier;
    switch (key->key()) {
    case Qt::Key_Tab:
        return mods == Qt::NoModifier;
    case Qt::Key_Right:
        return mods == Qt::ControlModifier;
    case Qt::Key_Escape: // while streaming, Esc is Stop
        return mods == Qt::NoModifier && !m_panel->isGenerating();
    case Qt::Key_BracketRight:
    case Qt::Key_BracketLeft:
        return mods == Qt::AltModifier;
    default:
        return false;
    }
}

void GhostText::handleGhostKey(const QKeyEvent* key) {
    switch (key->key()) {
    case Qt::Key_Tab:
        acceptAll();
        break;
    case Qt::Key_Right:
        acceptWord();
        break;
    case Qt::Key_Escape:
        dismiss();
        break;
    case Qt::Key_BracketRight:
        nextDraft();
        break;
    case Qt::Key_BracketLeft:
        previousDraft();
        break;
    default:
        break;
    }
}

bool GhostText::eventFilter(QObject* watched, QEvent* event) {
    if (!m_shown || m_editing) return false;
    if (watched == m_editor->viewport()) {
        if (event->type() == QEvent::MouseButtonPress) dismiss(); // before the click is placed
        return false;
    }
    if (watched != m_editor) return false;
    if (event->type() == QEvent::ShortcutOverride) {
        // The ghost's keys beat window shortcuts on the same key (Esc leaves focus mode).
        if (!isGhostKey(static_cast<QKeyEvent*>(event))) return false;
        event->accept();
        return true;
    }
    if (event->type() == QEvent::PaletteChange) {
        draw(); // light or dark: the dimmed colour follows
        return false;
    }
    if (event->type() != QEvent::KeyPress) return false;
    auto* key = static_cast<QKeyEvent*>(event);
    if (isGhostKey(key)) {
        handleGhostKey(key);
        return true;
    }
    if (isModifierOnly(key)) return false;
    const QString typed = key->text();
    const bool plain =
        !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier));
    if (plain && !typed.isEmpty() && typed.at(0).isPrint() && text().startsWith(typed)) {
        typeThrough(key);
        return true;
    }
    dismiss(); // then the key does what it always does
    return false;
}

void GhostText::typeThrough(QKeyEvent* key) {
    {
        QScopedValueRollback guard(m_editing, true);
        erase();
        QCoreApplication::sendEvent(m_editor, key); // typed as usual: undo, overwrite mode
        m_position = m_editor->textCursor().position();
        snapshot();
    }
    m_taken += key->text();
    if (text().isEmpty() && !m_panel->isGenerating()) {
        const QString kept = m_taken; // typed to the end: the writer wrote what it suggested
        hide();
        m_panel->keep(kept);
        return;
    }
    draw();
    updateActions();
}

void GhostText::insert(const QString& text) {
    QScopedValueRollback guard(m_editing, true);
    erase();
    if (!text.isEmpty()) {
        QTextCursor cursor = m_editor->textCursor();
        cursor.beginEditBlock(); // one undo step
        cursor.insertText(text);
        cursor.endEditBlock();
        m_editor->setTextCursor(cursor);
    }
    m_position = m_editor->textCursor().position();
    snapshot();
}

void GhostText::draw() {
    if (!m_document) return;
    QScopedValueRollback guard(m_editing, true);
    const QTextBlock block = m_document->findBlock(m_position);
    if (m_drawnBlock.isValid() && m_drawnBlock != block) erase();
    const QString rest = text();
    showPreedit(m_document, m_position, rest, color());
    m_drawnBlock = rest.isEmpty() ? QTextBlock() : block;
    m_editor->viewport()->update();
}

void GhostText::erase() {
    QScopedValueRollback guard(m_editing, true);
    if (m_document && m_drawnBlock.isValid()) clearPreedit(m_document, m_drawnBlock.position());
    m_drawnBlock = QTextBlock();
    m_editor->viewport()->update();
}

void GhostText::hide() {
    if (!m_shown) return;
    erase();
    m_shown = false;
    m_taken.clear();
    m_tookWords = false;
    m_acceptWhenDone = false;
    updateActions();
    emit shownChanged(false);
}

void GhostText::snapshot() {
    if (!m_document) return;
    m_characterCount = m_document->characterCount();
    m_blockText = m_document->findBlock(m_position).text();
}

bool GhostText::documentChangedBehindUs() const {
    return !m_document || m_document != m_editor->document() ||
           m_document->characterCount() != m_characterCount ||
           m_document->findBlock(m_position).text() != m_blockText;
}

void GhostText::updateActions() {
    const bool decided = m_shown && !m_panel->isGenerating();
    m_acceptAction->setEnabled(m_shown);
    m_acceptWordAction->setEnabled(m_shown);
    m_dismissAction->setEnabled(decided);
    m_nextAction->setEnabled(m_shown && m_taken.isEmpty());
    m_previousAction->setEnabled(m_shown && m_taken.isEmpty() && m_panel->hasPreviousCandidate());
}

// Half way between the text and the page: quiet in light and dark alike.
QColor GhostText::color() const {
    const QPalette palette = m_editor->palette();
    const QColor text = palette.color(QPalette::Text);
    const QColor page = palette.color(QPalette::Base);
    return QColor::fromRgbF((text.redF() + page.redF()) / 2, (text.greenF() + page.greenF()) / 2,
                            (text.blueF() + page.blueF()) / 2);
}

} // namespace fabulist::ui
