#pragma once
// Standard manuscript format (William Shunn's): 12 pt Courier (or Times), double-spaced, 1-inch
// margins, paragraphs indented half an inch; the first page has the author's name top left, the
// word count rounded to the nearest 100 top right, and the title centred half-way down with the
// byline under it; every later page a header "Surname / Title / page" at the top right; scene
// breaks are a centred "#"; chapters start on a new page. Written as PDF through QPdfWriter.

#include "ui/export/docx_export.h" // ExportProgress

#include <QPageSize>
#include <cstdint>
#include <string>

namespace fabulist::exporting {

enum class ManuscriptFont { Courier, Times };

struct StandardManuscriptOptions {
    ManuscriptFont font = ManuscriptFont::Courier;
    QPageSize::PageSizeId pageSize = QPageSize::Letter; // Shunn's; A4 outside North America
};

// "about 1,200 words": rounded to the nearest 100, never below 100.
std::string roundedWordCount(int64_t words);

std::string toStandardManuscript(const storage::Manuscript& manuscript,
                                 const StandardManuscriptOptions& options = {},
                                 const ExportProgress& progress = {});

} // namespace fabulist::exporting
