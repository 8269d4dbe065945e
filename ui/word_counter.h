#pragma once
// Word counting for the status bar. A word is a maximal run of letters, digits or marks; an
// apostrophe or hyphen between two such characters joins them ("don't", "well-known" are one word),
// matching how writers and publishers count.
#include <QStringView>

namespace fabulist::ui {

int countWords(QStringView text);

} // namespace fabulist::ui
