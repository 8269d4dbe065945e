#include "ui/word_counter.h"

#include <QChar>

namespace fabulist::ui {

namespace {
bool isWordChar(QChar c) {
    return c.isLetterOrNumber() || c.isMark();
}
bool isJoiner(QChar c) {
    return c == u'\'' || c == u'\u2019' || c == u'-' || c == u'\u2010' || c == u'\u00AD';
}
} // namespace

int countWords(QStringView text) {
    int words = 0;
    bool inWord = false;
    const qsizetype n = text.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = text[i];
        if (isWordChar(c)) {
            if (!inWord) ++words;
            inWord = true;
        } else if (inWord && isJoiner(c) && i + 1 < n && isWordChar(text[i + 1])) {
            // stays inside the word
        } else {
            inWord = false;
        }
    }
    return words;
}

} // namespace fabulist::ui
