#pragma once
// The words of one paragraph that spell checking looks at. Markdown is not prose, so these are
// never words: `code` spans, URLs and e-mail addresses, <autolinks> and HTML tags, link
// destinations ](...) and reference definitions, a ``` / ~~~ fence line, emphasis markers (they
// are not letters); nor are words with digits ("R2D2", "3rd") or ALL-CAPS acronyms ("NASA").
// Hyphens and underscores separate words; an apostrophe inside a word belongs to it.
#include <QList>
#include <QString>

namespace fabulist::ui {

struct WordSpan {
    int start = 0;
    int length = 0;
    bool operator==(const WordSpan&) const = default;
};

QList<WordSpan> checkableWords(const QString& paragraph);

} // namespace fabulist::ui
