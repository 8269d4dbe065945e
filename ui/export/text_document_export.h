#pragma once
// ODT and PDF through Qt's rich-text document: the manuscript laid out as a QTextDocument
// (title, chapter headings starting new pages, paragraphs, centred scene breaks), then written
// by QTextDocumentWriter ("odf") or printed to a QPdfWriter (A4 or Letter, page numbers).
// Needs a QGuiApplication (fonts); runs on any thread.

#include "ui/export/docx_export.h" // ExportProgress

#include <QPageSize>
#include <string>

namespace fabulist::exporting {

std::string toOdt(const storage::Manuscript& manuscript, const ExportProgress& progress = {});
std::string toPdf(const storage::Manuscript& manuscript, QPageSize::PageSizeId pageSize,
                  const ExportProgress& progress = {});

} // namespace fabulist::exporting
