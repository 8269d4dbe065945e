#pragma once
// MarkdownHighlighter: the built-in highlighter used when KF6 SyntaxHighlighting is not available.
// It knows just what prose needs: ATX headings, *emphasis*/_emphasis_, **strong**, and dialogue
// (text in straight or curly double quotes, which may run over several lines of a paragraph).
#include "ui/theme.h"

#include <QSyntaxHighlighter>

namespace fabulist::ui {

class SpellUnderline;

class MarkdownHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    MarkdownHighlighter(QTextDocument* document, ColorScheme scheme);
    void setScheme(ColorScheme scheme);
    // Misspelled words get the spell check's underline over the Markdown formats.
    void setSpellUnderline(SpellUnderline* spell) { m_spell = spell; }

protected:
    void highlightBlock(const QString& text) override;

private:
    void highlightMarkdown(const QString& text);
    void highlightEmphasis(const QString& text, qsizetype from, qsizetype to);

    EditorColors m_colors;
    SpellUnderline* m_spell = nullptr;
};

} // namespace fabulist::ui
