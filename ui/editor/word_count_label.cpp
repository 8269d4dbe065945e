#include "ui/editor/word_count_label.h"

#include "ui/editor/word_counter.h"

#include <QLocale>
#include <QPlainTextEdit>
#include <QTextCursor>

namespace fabulist::ui {

WordCountLabel::WordCountLabel(QWidget* parent) : QLabel(parent) {
    setObjectName(QStringLiteral("wordCount"));
    setContentsMargins(8, 0, 8, 0);
    updateText();
}

void WordCountLabel::setEditor(QPlainTextEdit* editor) {
    if (m_editor) disconnect(m_editor, nullptr, this, nullptr);
    m_editor = editor;
    if (editor) {
        // Counting a whole scene is linear and takes microseconds, so no debounce is needed.
        connect(editor, &QPlainTextEdit::textChanged, this, &WordCountLabel::refresh);
        connect(editor, &QPlainTextEdit::selectionChanged, this, [this] {
            recountSelection();
            updateText();
        });
    }
    refresh();
}

void WordCountLabel::refresh() {
    recountDocument();
    recountSelection();
    updateText();
    emit documentWordsCounted(m_documentWords);
}

void WordCountLabel::recountDocument() {
    m_documentWords = m_editor ? countWords(m_editor->document()->toPlainText()) : 0;
}

void WordCountLabel::recountSelection() {
    m_selectionWords = 0;
    if (m_editor && m_editor->textCursor().hasSelection())
        m_selectionWords = countWords(m_editor->textCursor().selectedText());
}

void WordCountLabel::updateText() {
    const QLocale locale;
    const QString total = locale.toString(m_documentWords);
    if (m_selectionWords > 0) {
        setText(tr("%1 of %2 words selected").arg(locale.toString(m_selectionWords), total));
    } else {
        setText(m_documentWords == 1 ? tr("1 word") : tr("%1 words").arg(total));
    }
}

} // namespace fabulist::ui
