#include "ui/export/manuscript_export.h"

#include "ui/export/epub_export.h"
#include "ui/export/manuscript_text.h"
#include "ui/export/text_document_export.h"

#include <QDateTime>
#include <QUuid>

namespace fabulist::exporting {

namespace {

std::string epub(const storage::Manuscript& manuscript, const ExportProgress& progress) {
    const std::string identifier =
        "urn:uuid:" + QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    const std::string modified = QDateTime::currentDateTimeUtc()
                                     .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"))
                                     .toStdString();
    return toEpub(manuscript, identifier, modified, progress);
}

} // namespace

std::string renderManuscript(const storage::Manuscript& manuscript, ExportFormat format,
                             const RenderOptions& options, const ExportProgress& progress) {
    switch (format) {
    case ExportFormat::Markdown:
        return toMarkdown(manuscript);
    case ExportFormat::PlainText:
        return toPlainText(manuscript);
    case ExportFormat::Odt:
        return toOdt(manuscript, progress);
    case ExportFormat::Pdf:
        return toPdf(manuscript, options.pdfPageSize, progress);
    case ExportFormat::StandardManuscript:
        return toStandardManuscript(manuscript, options.manuscript, progress);
    case ExportFormat::Docx:
        return toDocx(manuscript, progress);
    case ExportFormat::Epub:
        return epub(manuscript, progress);
    }
    return {};
}

void exportManuscript(const storage::Manuscript& manuscript, ExportFormat format,
                      const std::string& path, const storage::FileOutputOptions& output,
                      const RenderOptions& options, const ExportProgress& progress) {
    const std::string bytes = renderManuscript(manuscript, format, options, progress);
    storage::writeFileSafely(path, bytes, output);
}

} // namespace fabulist::exporting
