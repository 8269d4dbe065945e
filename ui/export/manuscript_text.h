#pragma once
// The text-based renderings of a manuscript (Markdown and plain text), and the paragraph split
// every other format shares.

#include "storage/manuscript.h"

#include <string>
#include <string_view>
#include <vector>

namespace fabulist::exporting {

// A scene's paragraphs: its non-empty lines, trimmed of trailing spaces (the editor writes one
// paragraph per line, with or without blank lines between them).
std::vector<std::string> paragraphsOf(std::string_view sceneText);

std::string toMarkdown(const storage::Manuscript& manuscript);
std::string toPlainText(const storage::Manuscript& manuscript);

} // namespace fabulist::exporting
