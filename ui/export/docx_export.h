#pragma once
// DOCX (Office Open XML) written directly: a zip of [Content_Types].xml, the package and
// document relationships, word/styles.xml (Title, Heading 1, a centred scene break), the core
// properties (title, author) and word/document.xml with one paragraph per paragraph.

#include "storage/manuscript.h"

#include <functional>
#include <string>

namespace fabulist::exporting {

using ExportProgress = std::function<void(int done, int total)>;

std::string toDocx(const storage::Manuscript& manuscript, const ExportProgress& progress = {});

} // namespace fabulist::exporting
