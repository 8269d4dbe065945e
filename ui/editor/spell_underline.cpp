#include "ui/editor/spell_underline.h"

#include "ui/editor/spell_checker.h"
#include "ui/editor/spell_words.h"

#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QTextCharFormat>
#include <QTextLayout>

namespace fabulist::ui {

SpellUnderline::SpellUnderline(QSyntaxHighlighter* highlighter, SpellChecker* checker)
    : QObject(highlighter), m_highlighter(highlighter), m_checker(checker) {
    connect(checker, &SpellChecker::wordsChecked, this, &SpellUnderline::redrawWaiting);
    connect(checker, &SpellChecker::rulesChanged, highlighter, &QSyntaxHighlighter::rehighlight);
}

void SpellUnderline::apply(const QString& text, const QTextBlock& block, const FormatAt& formatAt,
                           const SetFormat& setFormat) {
    if (!m_checker || !m_checker->isEnabled() || !m_checker->hasDictionary()) return;
    const QTextLayout* layout = block.layout();
    const bool ghost = layout && !layout->preeditAreaText().isEmpty();
    const int ghostAt = ghost ? layout->preeditAreaPosition() : -1;
    bool waiting = false;
    for (const WordSpan& span : checkableWords(text)) {
        if (ghost && span.start < ghostAt && span.start + span.length >= ghostAt) continue;
        const std::optional<bool> correct =
            m_checker->cachedIsCorrect(text.mid(span.start, span.length));
        if (!correct) waiting = true;
        if (correct.value_or(true)) continue;
        // Runs of one format inside the word keep their own colours and weights.
        int runStart = span.start;
        const int end = span.start + span.length;
        while (runStart < end) {
            const QTextCharFormat base = formatAt(runStart);
            int runEnd = runStart + 1;
            while (runEnd < end && formatAt(runEnd) == base) ++runEnd;
            QTextCharFormat f = base;
            f.setUnderlineStyle(QTextCharFormat::SpellCheckUnderline);
            f.setUnderlineColor(m_checker->underlineColor());
            setFormat(runStart, runEnd - runStart, f);
            runStart = runEnd;
        }
    }
    if (waiting) m_waiting.append(QTextCursor(block));
}

void SpellUnderline::redrawWaiting() {
    const QList<QTextCursor> waiting = std::exchange(m_waiting, {});
    QTextBlock last;
    for (const QTextCursor& cursor : waiting) {
        const QTextBlock block = cursor.block();
        if (block.isValid() && block != last) m_highlighter->rehighlightBlock(block);
        last = block;
    }
}

} // namespace fabulist::ui
