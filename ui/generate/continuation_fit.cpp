#include "ui/generate/continuation_fit.h"

#include <QRegularExpression>

namespace fabulist::ui {

namespace {

bool isSentenceEnd(QChar c) {
    return c == QLatin1Char('.') || c == QLatin1Char('!') || c == QLatin1Char('?') ||
           c == QChar(0x2026);
}

bool isClosing(QChar c) {
    static const QString closers = QStringLiteral("\"')]}\u201D\u2019\u00BB");
    return closers.contains(c);
}

// Punctuation that attaches to the word before it, so no space goes in front.
bool attachesLeft(QChar c) {
    static const QString marks = QStringLiteral(".,;:!?)]}\u2026\u201D\u2019");
    return marks.contains(c);
}

QString withParagraphs(const QString& text, ParagraphBreak paragraphs) {
    static const QRegularExpression breaks(QStringLiteral("[ \\t]*\\n\\s*"));
    return QString(text).replace(breaks, paragraphs == ParagraphBreak::BlankLine
                                             ? QStringLiteral("\n\n")
                                             : QStringLiteral("\n"));
}

} // namespace

ParagraphBreak paragraphConvention(const QString& document) {
    static const QRegularExpression blank(QStringLiteral("\\S[ \\t]*\\n[ \\t]*\\n"));
    static const QRegularExpression single(QStringLiteral("\\S[ \\t]*\\n[ \\t]*(?=[^\\s])"));
    const qsizetype blanks = document.count(blank);
    const qsizetype singles = document.count(single);
    return singles > blanks ? ParagraphBreak::SingleNewline : ParagraphBreak::BlankLine;
}

QString untilLastSentenceEnd(const QString& text) {
    for (qsizetype i = text.size() - 1; i >= 0; --i) {
        if (!isSentenceEnd(text.at(i))) continue;
        qsizetype end = i + 1;
        while (end < text.size() && (isClosing(text.at(end)) || isSentenceEnd(text.at(end)))) ++end;
        // "Mr." or "3.5" inside a word is not an end: it must be followed by space or the end.
        if (end == text.size() || text.at(end).isSpace()) return text.left(end);
    }
    return text;
}

QString fitContinuation(const QString& raw, const FitOptions& options) {
    QString text = withParagraphs(raw.trimmed(), options.paragraphs);
    if (options.endAtSentence) text = untilLastSentenceEnd(text);
    if (text.isEmpty()) return text;
    // After a word the model's own choice decides between continuing the word and a new one.
    const bool afterWord = !options.before.isNull() && !options.before.isSpace();
    const bool newWord = !raw.isEmpty() && raw.at(0).isSpace();
    if (afterWord && newWord && !attachesLeft(text.at(0))) text.prepend(QLatin1Char(' '));
    return text;
}

} // namespace fabulist::ui
