#include "ui/export/text_document_export.h"

#include "ui/export/manuscript_text.h"

#include <QBuffer>
#include <QPdfWriter>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextDocumentWriter>
#include <memory>

namespace fabulist::exporting {

namespace {

QString qs(const std::string& text) {
    return QString::fromStdString(text);
}

QTextCharFormat sized(double points, bool bold = false) {
    QTextCharFormat format;
    format.setFontPointSize(points);
    format.setFontWeight(bold ? QFont::Bold : QFont::Normal);
    return format;
}

QTextBlockFormat centred(double topMargin = 0) {
    QTextBlockFormat format;
    format.setAlignment(Qt::AlignHCenter);
    format.setTopMargin(topMargin);
    format.setBottomMargin(12);
    return format;
}

std::unique_ptr<QTextDocument> layOut(const storage::Manuscript& m,
                                      const ExportProgress& progress) {
    auto document = std::make_unique<QTextDocument>();
    document->setMetaInformation(QTextDocument::DocumentTitle, qs(m.title));
    QFont font({QStringLiteral("Liberation Serif"), QStringLiteral("Times New Roman"),
                QStringLiteral("serif")});
    font.setPointSizeF(12);
    document->setDefaultFont(font);
    QTextCursor cursor(document.get());
    cursor.setBlockFormat(centred(72));
    cursor.insertText(qs(m.title), sized(24, true));
    if (!m.author.empty()) {
        cursor.insertBlock(centred(), sized(14));
        cursor.insertText(qs("by " + m.author));
    }
    QTextBlockFormat body;
    body.setTextIndent(18);
    body.setLineHeight(150, QTextBlockFormat::ProportionalHeight);
    const int total = static_cast<int>(m.chapters.size());
    for (int c = 0; c < total; ++c) {
        const storage::ManuscriptChapter& chapter = m.chapters[static_cast<size_t>(c)];
        if (!chapter.heading.empty()) {
            QTextBlockFormat heading = centred(36);
            heading.setHeadingLevel(1);
            heading.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
            cursor.insertBlock(heading, sized(16, true));
            cursor.insertText(qs(chapter.heading));
        }
        for (size_t i = 0; i < chapter.scenes.size(); ++i) {
            if (i > 0) {
                cursor.insertBlock(centred(12), sized(12));
                cursor.insertText(QString::fromLatin1(m.separatorText()));
            }
            for (const std::string& text : paragraphsOf(chapter.scenes[i])) {
                cursor.insertBlock(body, sized(12));
                cursor.insertText(qs(text));
            }
        }
        if (progress) progress(c + 1, total + 1); // the writing is the last step
    }
    return document;
}

} // namespace

std::string toOdt(const storage::Manuscript& manuscript, const ExportProgress& progress) {
    const auto document = layOut(manuscript, progress);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    QTextDocumentWriter writer(&buffer, "odf");
    writer.write(document.get());
    return buffer.data().toStdString();
}

std::string toPdf(const storage::Manuscript& manuscript, QPageSize::PageSizeId pageSize,
                  const ExportProgress& progress) {
    const auto document = layOut(manuscript, progress);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setTitle(QString::fromStdString(manuscript.title));
        writer.setCreator(QStringLiteral("Fabulist"));
        writer.setPageSize(QPageSize(pageSize));
        writer.setPageMargins(QMarginsF(25, 25, 25, 25), QPageLayout::Millimeter);
        document->print(&writer);
    }
    return buffer.data().toStdString();
}

} // namespace fabulist::exporting
