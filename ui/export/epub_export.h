#pragma once
// EPUB 3 written directly: "mimetype" first and stored, META-INF/container.xml, the package
// document (OEBPS/content.opf), a navigation document, a title page and one XHTML file per
// chapter, and a small style sheet.

#include "ui/export/docx_export.h" // ExportProgress

#include <string>

namespace fabulist::exporting {

// identifier: the book's dc:identifier (a urn:uuid); modified: "YYYY-MM-DDThh:mm:ssZ".
std::string toEpub(const storage::Manuscript& manuscript, const std::string& identifier,
                   const std::string& modified, const ExportProgress& progress = {});

} // namespace fabulist::exporting
