#pragma once
// Fitting a continuation to the page it lands on: the model's raw text often starts with a
// newline, stops mid-sentence and separates paragraphs its own way. These pure functions shape
// it to the cursor's place and the document's paragraph convention; the raw text is still what
// the project records as the model's output.
#include <QString>

namespace fabulist::ui {

enum class ParagraphBreak {
    BlankLine,     // paragraphs separated by an empty line (the editor's default)
    SingleNewline, // one paragraph per line
};

// The convention the document uses: the more frequent of "\n\n" and a lone "\n" between text;
// BlankLine for a document with no line breaks yet.
ParagraphBreak paragraphConvention(const QString& document);

struct FitOptions {
    QChar before; // the character before the cursor; null at the start of the document
    ParagraphBreak paragraphs = ParagraphBreak::BlankLine;
    bool endAtSentence = false; // cut an unfinished last sentence (when the length ran out)
};

// The continuation as it should be inserted: leading whitespace fitted to the cursor (one space
// after a word when the model began a new word, none after whitespace or at the start, none
// before closing punctuation),
// paragraph breaks in the document's convention, no trailing whitespace and, with
// endAtSentence, ending at the last sentence end when there is one.
QString fitContinuation(const QString& raw, const FitOptions& options);

// The text up to and including the last sentence end (".", "!", "?", "…" with any closing
// quotes or brackets after it); the whole text when it has none.
QString untilLastSentenceEnd(const QString& text);

} // namespace fabulist::ui
