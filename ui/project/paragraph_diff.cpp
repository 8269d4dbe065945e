#include "ui/project/paragraph_diff.h"

#include <cstdint>

namespace fabulist::ui {

ParagraphDiff diffParagraphs(const QStringList& oldLines, const QStringList& newLines,
                             qsizetype maxCells) {
    const qsizetype n = oldLines.size();
    const qsizetype m = newLines.size();
    ParagraphDiff diff;
    diff.removed.assign(size_t(n), false);
    diff.added.assign(size_t(m), false);

    // Common prefix and suffix need no table: typical edits touch a few paragraphs.
    qsizetype prefix = 0;
    while (prefix < n && prefix < m && oldLines[prefix] == newLines[prefix]) ++prefix;
    qsizetype suffix = 0;
    while (suffix < n - prefix && suffix < m - prefix &&
           oldLines[n - 1 - suffix] == newLines[m - 1 - suffix])
        ++suffix;
    const qsizetype a = n - prefix - suffix;
    const qsizetype b = m - prefix - suffix;
    if (a == 0 || b == 0) {
        for (qsizetype i = 0; i < a; ++i) diff.removed[size_t(prefix + i)] = true;
        for (qsizetype j = 0; j < b; ++j) diff.added[size_t(prefix + j)] = true;
        return diff;
    }
    if (a * b > maxCells) {
        diff.complete = false;
        return diff;
    }
    // lcs[i][j]: LCS length of old[i..a) and new[j..b) (middle parts), filled from the end.
    std::vector<uint32_t> lcs(size_t((a + 1) * (b + 1)), 0);
    auto at = [&](qsizetype i, qsizetype j) -> uint32_t& { return lcs[size_t(i * (b + 1) + j)]; };
    for (qsizetype i = a - 1; i >= 0; --i)
        for (qsizetype j = b - 1; j >= 0; --j)
            at(i, j) = oldLines[prefix + i] == newLines[prefix + j]
                           ? at(i + 1, j + 1) + 1
                           : std::max(at(i + 1, j), at(i, j + 1));
    qsizetype i = 0, j = 0;
    while (i < a && j < b) {
        if (oldLines[prefix + i] == newLines[prefix + j]) {
            ++i;
            ++j;
        } else if (at(i + 1, j) >= at(i, j + 1)) {
            diff.removed[size_t(prefix + i++)] = true;
        } else {
            diff.added[size_t(prefix + j++)] = true;
        }
    }
    for (; i < a; ++i) diff.removed[size_t(prefix + i)] = true;
    for (; j < b; ++j) diff.added[size_t(prefix + j)] = true;
    return diff;
}

} // namespace fabulist::ui
