#pragma once
// Word counting for the status bar. The rule is storage's (storage::countWords: runs of
// characters between whitespace), so the status bar, the snapshot list and `fabulist-cli
// project info` always agree; this adapter only bridges QString and the paragraph/line
// separators that QTextCursor::selectedText() uses instead of '\n'.
#include <QStringView>

namespace fabulist::ui {

int countWords(QStringView text);

} // namespace fabulist::ui
