#pragma once
// One entry point for every format: render a compiled manuscript to bytes, or render and write
// it to a file atomically (storage::writeFileSafely: temp file beside it, synced, renamed; never
// onto an input, an existing file only when asked). Used by File > Export… (on a worker thread)
// and by `fabulist-cli project export`. Needs a QGuiApplication for ODT and the PDFs.

#include "storage/file_output.h"
#include "storage/manuscript.h"
#include "ui/export/docx_export.h" // ExportProgress
#include "ui/export/export_format.h"
#include "ui/export/standard_manuscript.h"

#include <string>

namespace fabulist::exporting {

struct RenderOptions {
    StandardManuscriptOptions manuscript; // font and page size of the standard format
    QPageSize::PageSizeId pdfPageSize = QPageSize::A4;
};

// Throws std::runtime_error (zip failures) or StorageError (writing).
std::string renderManuscript(const storage::Manuscript& manuscript, ExportFormat format,
                             const RenderOptions& options = {},
                             const ExportProgress& progress = {});

void exportManuscript(const storage::Manuscript& manuscript, ExportFormat format,
                      const std::string& path, const storage::FileOutputOptions& output,
                      const RenderOptions& options = {}, const ExportProgress& progress = {});

} // namespace fabulist::exporting
