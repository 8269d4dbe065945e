#include "ui/editor/markdown_highlighter.h"

#include "ui/editor/spell_underline.h"

#include <QTextCharFormat>

namespace fabulist::ui {

namespace {
// Block state: whether the previous block ended inside an open quotation, so dialogue spanning a
// soft line break keeps its colour.
constexpr int kInsideQuote = 1;

bool isOpenQuote(QChar c) {
    return c == u'"' || c == u'\u201C';
}
bool isCloseQuote(QChar c, bool curlyOpen) {
    return curlyOpen ? c == u'\u201D' : c == u'"';
}
} // namespace

MarkdownHighlighter::MarkdownHighlighter(QTextDocument* document, ColorScheme scheme)
    : QSyntaxHighlighter(document), m_colors(Theme::colorsFor(scheme)) {}

void MarkdownHighlighter::setScheme(ColorScheme scheme) {
    m_colors = Theme::colorsFor(scheme);
    rehighlight();
}

void MarkdownHighlighter::highlightBlock(const QString& text) {
    highlightMarkdown(text);
    if (m_spell)
        m_spell->apply(
            text, currentBlock(), [this](int i) { return format(i); },
            [this](int start, int count, const QTextCharFormat& f) { setFormat(start, count, f); });
}

void MarkdownHighlighter::highlightMarkdown(const QString& text) {
    setCurrentBlockState(0);

    // ATX heading: 1-6 '#' then a space (or end of line).
    qsizetype hashes = 0;
    while (hashes < text.size() && text[hashes] == u'#') ++hashes;
    if (hashes >= 1 && hashes <= 6 && (hashes == text.size() || text[hashes] == u' ')) {
        QTextCharFormat heading;
        heading.setForeground(m_colors.heading);
        heading.setFontWeight(QFont::Bold);
        setFormat(0, int(text.size()), heading);
        QTextCharFormat markup = heading;
        markup.setForeground(m_colors.markup);
        setFormat(0, int(hashes), markup);
        return;
    }

    // Dialogue: a quote may be open from the previous block (empty line ends a paragraph, and
    // with it any unbalanced quote).
    QTextCharFormat dialogue;
    dialogue.setForeground(m_colors.dialogue);
    const bool continuing = previousBlockState() == kInsideQuote && !text.trimmed().isEmpty();
    qsizetype i = 0;
    bool curly = false;
    if (continuing) {
        // Which quote style opened it is unknown here; either closing quote ends it.
        qsizetype end = 0;
        while (end < text.size() && text[end] != u'"' && text[end] != u'\u201D') ++end;
        if (end == text.size()) {
            setFormat(0, int(text.size()), dialogue);
            setCurrentBlockState(kInsideQuote);
            highlightEmphasis(text, 0, text.size());
            return;
        }
        setFormat(0, int(end + 1), dialogue);
        i = end + 1;
    }
    while (i < text.size()) {
        if (!isOpenQuote(text[i])) {
            ++i;
            continue;
        }
        curly = text[i] != u'"';
        qsizetype end = i + 1;
        while (end < text.size() && !isCloseQuote(text[end], curly)) ++end;
        if (end == text.size()) {
            setFormat(int(i), int(text.size() - i), dialogue);
            setCurrentBlockState(kInsideQuote);
            break;
        }
        setFormat(int(i), int(end - i + 1), dialogue);
        i = end + 1;
    }
    highlightEmphasis(text, 0, text.size());
}

// *x*, _x_ (italic) and **x**, __x__ (bold). The delimiter must hug the text on its inner side,
// so "a * b * c" and snake_case_words stay plain.
void MarkdownHighlighter::highlightEmphasis(const QString& text, qsizetype from, qsizetype to) {
    qsizetype i = from;
    while (i < to) {
        const QChar c = text[i];
        if (c != u'*' && c != u'_') {
            ++i;
            continue;
        }
        const qsizetype width = (i + 1 < to && text[i + 1] == c) ? 2 : 1;
        const qsizetype start = i + width;
        const bool leftOk = start < to && !text[start].isSpace() &&
                            (c == u'*' || i == from || !text[i - 1].isLetterOrNumber());
        if (!leftOk) {
            i = start;
            continue;
        }
        const QString delim(width, c);
        qsizetype close = text.indexOf(delim, start + 1);
        while (close != -1 && close < to) {
            const bool rightOk =
                !text[close - 1].isSpace() &&
                (c == u'*' || close + width >= to || !text[close + width].isLetterOrNumber());
            if (rightOk) break;
            close = text.indexOf(delim, close + 1);
        }
        if (close == -1 || close >= to) {
            i = start;
            continue;
        }
        for (qsizetype k = start; k < close; ++k) {
            QTextCharFormat f = format(int(k));
            if (width == 2)
                f.setFontWeight(QFont::Bold);
            else
                f.setFontItalic(true);
            if (f.foreground().color() != m_colors.dialogue) f.setForeground(m_colors.emphasis);
            setFormat(int(k), 1, f);
        }
        QTextCharFormat markup;
        markup.setForeground(m_colors.markup);
        setFormat(int(i), int(width), markup);
        setFormat(int(close), int(width), markup);
        i = close + width;
    }
}

} // namespace fabulist::ui
