#include "ui/export/export_format.h"

namespace fabulist::exporting {

namespace {

constexpr ExportFormatInfo kFormats[] = {
    {ExportFormat::Markdown, "markdown", "md", "Markdown"},
    {ExportFormat::PlainText, "text", "txt", "Plain text"},
    {ExportFormat::Odt, "odt", "odt", "OpenDocument text (ODT)"},
    {ExportFormat::Pdf, "pdf", "pdf", "PDF"},
    {ExportFormat::StandardManuscript, "manuscript", "pdf", "Standard manuscript format (PDF)"},
    {ExportFormat::Docx, "docx", "docx", "Word document (DOCX)"},
    {ExportFormat::Epub, "epub", "epub", "E-book (EPUB 3)"},
};

} // namespace

std::span<const ExportFormatInfo> exportFormats() {
    return kFormats;
}

const ExportFormatInfo& infoOf(ExportFormat format) {
    for (const ExportFormatInfo& info : kFormats)
        if (info.format == format) return info;
    return kFormats[0];
}

std::optional<ExportFormat> exportFormatFromName(std::string_view name) {
    for (const ExportFormatInfo& info : kFormats)
        if (name == info.name) return info.format;
    return std::nullopt;
}

std::string exportFormatNames() {
    std::string names;
    for (const ExportFormatInfo& info : kFormats)
        names += (names.empty() ? "" : ", ") + std::string(info.name);
    return names;
}

} // namespace fabulist::exporting
