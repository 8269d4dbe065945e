#pragma once
// The formats a manuscript exports to, their names on the command line and their file suffixes.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace fabulist::exporting {

enum class ExportFormat { Markdown, PlainText, Odt, Pdf, StandardManuscript, Docx, Epub };

struct ExportFormatInfo {
    ExportFormat format;
    const char* name;   // --format NAME
    const char* suffix; // without the dot
    const char* label;  // for the dialog
};

// Every format, in the order the dialog lists them.
std::span<const ExportFormatInfo> exportFormats();
const ExportFormatInfo& infoOf(ExportFormat format);
std::optional<ExportFormat> exportFormatFromName(std::string_view name);
// "markdown, text, odt, ...": for usage and error messages.
std::string exportFormatNames();

} // namespace fabulist::exporting
