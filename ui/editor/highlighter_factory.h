#pragma once
// Chooses the editor's highlighter: KF6 SyntaxHighlighting's Markdown definition when the build
// found it (FABULIST_HAVE_KSYNTAXHIGHLIGHTING), the built-in MarkdownHighlighter otherwise.
#include "ui/theme.h"

class QSyntaxHighlighter;
class QTextDocument;

namespace fabulist::ui {

class SpellChecker;

// The highlighter is parented to the document and lives as long as it does.
QSyntaxHighlighter* createHighlighter(QTextDocument* document, ColorScheme scheme);
// Re-themes a highlighter made by createHighlighter.
void setHighlighterScheme(QSyntaxHighlighter* highlighter, ColorScheme scheme);
// Misspelled words (checker's rules) underlined over the highlighter's formats from now on.
void attachSpellChecker(QSyntaxHighlighter* highlighter, SpellChecker* checker);

} // namespace fabulist::ui
