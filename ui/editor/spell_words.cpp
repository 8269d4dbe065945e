#include "ui/editor/spell_words.h"

#include <QRegularExpression>

namespace fabulist::ui {

namespace {

// Spans of Markdown syntax whose text is not prose.
const QRegularExpression& notProse() {
    static const QRegularExpression re(
        QStringLiteral("(`+)[^`].*?\\1"                                  // `code`, ``co`de``
                       "|\\b(?:[a-z][a-z0-9+.-]*://|www\\.|mailto:)\\S+" // URLs
                       "|[\\w.+-]+@[\\w-]+\\.[\\w.-]+"                   // e-mail addresses
                       "|</?[A-Za-z][^>]*>|<[^>\\s]+>"                   // HTML tags, <autolinks>
                       "|\\]\\([^)]*\\)"             // ](link destination "title")
                       "|^\\s{0,3}\\[[^\\]]+\\]:.*$" // [ref]: definition
                       "|\\[\\^[^\\]]*\\]"),         // [^footnote]
        QRegularExpression::CaseInsensitiveOption | QRegularExpression::UseUnicodePropertiesOption);
    return re;
}

// Only paragraphs with one of these can hold the syntax above: most prose skips the regex.
bool mayHoldSyntax(const QString& paragraph) {
    for (QChar c : paragraph)
        if (c == u'`' || c == u':' || c == u'<' || c == u'@' || c == u'[') return true;
    return paragraph.contains(QLatin1String("www."), Qt::CaseInsensitive);
}

bool isWordChar(QChar c) {
    return c.isLetterOrNumber() || c.isMark();
}
bool isApostrophe(QChar c) {
    return c == u'\'' || c == u'\u2019';
}

bool isFenceLine(const QString& paragraph) {
    const QString t = paragraph.trimmed();
    return t.startsWith(QLatin1String("```")) || t.startsWith(QLatin1String("~~~"));
}

bool hasDigit(QStringView w) {
    for (QChar c : w)
        if (c.isDigit()) return true;
    return false;
}

// "NASA", "BBC's" - but not "I" or "A", which are words.
bool isAcronym(QStringView w) {
    if (w.endsWith(QLatin1String("'s")) || w.endsWith(QStringLiteral("\u2019s"))) w.chop(2);
    int letters = 0;
    for (QChar c : w) {
        if (!c.isLetter()) continue;
        if (!c.isUpper()) return false;
        ++letters;
    }
    return letters >= 2;
}

} // namespace

QList<WordSpan> checkableWords(const QString& paragraph) {
    QList<WordSpan> words;
    if (isFenceLine(paragraph)) return words;
    QList<WordSpan> skipped;
    if (mayHoldSyntax(paragraph)) {
        for (auto it = notProse().globalMatch(paragraph); it.hasNext();) {
            const auto m = it.next();
            skipped.append({int(m.capturedStart()), int(m.capturedLength())});
        }
    }
    qsizetype nextSkip = 0;
    const int size = int(paragraph.size());
    int i = 0;
    while (i < size) {
        if (!isWordChar(paragraph[i])) {
            ++i;
            continue;
        }
        // Letters, marks and digits, with apostrophes (straight or curly) inside.
        const int start = i;
        while (i < size &&
               (isWordChar(paragraph[i]) ||
                (isApostrophe(paragraph[i]) && i + 1 < size && isWordChar(paragraph[i + 1]))))
            ++i;
        const int end = i;
        while (nextSkip < skipped.size() &&
               skipped[nextSkip].start + skipped[nextSkip].length <= start)
            ++nextSkip;
        if (nextSkip < skipped.size() && skipped[nextSkip].start < end) continue; // overlaps
        const QStringView w = QStringView(paragraph).mid(start, end - start);
        if (hasDigit(w) || isAcronym(w)) continue;
        words.append({start, end - start});
    }
    return words;
}

} // namespace fabulist::ui
