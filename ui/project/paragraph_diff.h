#pragma once
// Paragraph-level comparison for the snapshot compare view: which paragraphs of the old text are
// gone and which of the new text are new, by a longest-common-subsequence over whole lines.
// Prose changes are easiest to read a paragraph at a time; character diffs of prose are noise.
#include <QStringList>
#include <vector>

namespace fabulist::ui {

struct ParagraphDiff {
    std::vector<bool> removed; // per line of the old text: not in the new text
    std::vector<bool> added;   // per line of the new text: not in the old text
    bool complete = true;      // false when the texts were too large to compare
};

// Texts with more than maxCells = lines(old) * lines(new) are not compared (complete = false,
// nothing marked) so that a huge document cannot stall the UI.
ParagraphDiff diffParagraphs(const QStringList& oldLines, const QStringList& newLines,
                             qsizetype maxCells = 16'000'000);

} // namespace fabulist::ui
