#pragma once
// SpellUnderline: the wavy line under misspelled words, drawn by the editor's highlighter (one
// SpellUnderline per document) over the formats the highlighter itself set, so Markdown colours
// and the underline combine. The highlighter calls apply() at the end of highlightBlock: only the
// paragraph being highlighted is looked at, and words the checker has not answered yet are drawn
// when it has (the paragraph is highlighted again then).
//
// The ghost text lives in the paragraph's preedit area, and QSyntaxHighlighter stretches a format
// range that reaches the preedit position over the whole preedit text; so the word that touches
// the ghost (the word at the caret, being typed) is not underlined while the ghost is shown.
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTextCursor>
#include <functional>

class QSyntaxHighlighter;
class QTextBlock;
class QTextCharFormat;

namespace fabulist::ui {

class SpellChecker;

class SpellUnderline : public QObject {
    Q_OBJECT
public:
    SpellUnderline(QSyntaxHighlighter* highlighter, SpellChecker* checker);

    using FormatAt = std::function<QTextCharFormat(int)>;
    using SetFormat = std::function<void(int, int, const QTextCharFormat&)>;
    // Underlines the misspelled words of `text` (the block being highlighted), merging the
    // underline into the formats already set there.
    void apply(const QString& text, const QTextBlock& block, const FormatAt& formatAt,
               const SetFormat& setFormat);

private:
    void redrawWaiting();

    QSyntaxHighlighter* m_highlighter;
    QPointer<SpellChecker> m_checker;
    QList<QTextCursor> m_waiting; // paragraphs with words not answered yet (cursors follow edits)
};

} // namespace fabulist::ui
