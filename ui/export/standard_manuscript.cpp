#include "ui/export/standard_manuscript.h"

#include "ui/export/manuscript_text.h"

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QTextCursor>
#include <QTextDocument>
#include <algorithm>

namespace fabulist::exporting {

namespace {

QString qs(const std::string& text) {
    return QString::fromStdString(text);
}

// Laid out in CSS pixels (96 per inch, 12 pt = 16 px) and painted scaled to the PDF's
// resolution, the way QTextDocument::print does, so that margins, indents, line heights and
// fonts share one unit.
constexpr double kInch = 96;
constexpr double kLine = 32; // double spacing: two 12 pt lines, 24 pt

QFont manuscriptFont(ManuscriptFont choice) {
    // Liberation Mono and Serif are metric clones of Courier New and Times New Roman.
    const QStringList courier = {"Courier Prime",   "Courier New",    "Courier",
                                 "Liberation Mono", "Nimbus Mono PS", "monospace"};
    const QStringList times = {"Times New Roman", "Times", "Liberation Serif", "Nimbus Roman",
                               "serif"};
    QFont font(choice == ManuscriptFont::Courier ? courier : times);
    font.setPixelSize(16); // 12 pt
    font.setStyleHint(choice == ManuscriptFont::Courier ? QFont::Courier : QFont::Times);
    return font;
}

struct Page {
    QSizeF full; // in CSS pixels
    QSizeF body() const { return {full.width() - 2 * kInch, full.height() - 2 * kInch}; }
};

QTextBlockFormat doubleSpaced(Qt::Alignment alignment = Qt::AlignLeft, double indent = 0) {
    QTextBlockFormat format;
    format.setAlignment(alignment);
    format.setTextIndent(indent);
    format.setLineHeight(kLine, QTextBlockFormat::FixedHeight); // every line, the last one too
    return format;
}

// The name and word count line is painted on page 1 (paintPages); an empty block of the right
// height puts the title half-way down the page, the byline under it.
void addTitle(QTextCursor& cursor, const storage::Manuscript& m, const Page& page) {
    QTextBlockFormat spacer;
    spacer.setLineHeight(page.full.height() / 2 - kInch, QTextBlockFormat::FixedHeight);
    cursor.setBlockFormat(spacer);
    cursor.insertBlock(doubleSpaced(Qt::AlignHCenter));
    cursor.insertText(qs(m.title));
    cursor.insertBlock(doubleSpaced(Qt::AlignHCenter));
    cursor.insertText(m.author.empty() ? QString() : qs("by " + m.author));
    cursor.insertBlock(doubleSpaced(Qt::AlignHCenter)); // one blank double-spaced line
}

void addChapters(QTextCursor& cursor, const storage::Manuscript& m, const Page& page,
                 const ExportProgress& progress) {
    const int total = static_cast<int>(m.chapters.size());
    for (int c = 0; c < total; ++c) {
        const storage::ManuscriptChapter& chapter = m.chapters[static_cast<size_t>(c)];
        if (!chapter.heading.empty()) {
            QTextBlockFormat heading = doubleSpaced(Qt::AlignHCenter);
            if (c > 0) { // the first chapter follows the title; later ones open a page a third down
                heading.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
                heading.setTopMargin(page.body().height() / 3);
            }
            cursor.insertBlock(heading);
            cursor.insertText(qs(chapter.heading));
        }
        for (size_t i = 0; i < chapter.scenes.size(); ++i) {
            if (i > 0) {
                cursor.insertBlock(doubleSpaced(Qt::AlignHCenter));
                cursor.insertText(QString::fromLatin1(m.separatorText()));
            }
            for (const std::string& text : paragraphsOf(chapter.scenes[i])) {
                cursor.insertBlock(doubleSpaced(Qt::AlignLeft, kInch / 2));
                cursor.insertText(qs(text));
            }
        }
        if (progress) progress(c + 1, total + 1); // painting the pages is the last step
    }
}

void paintPages(QPdfWriter& writer, QTextDocument& document, const storage::Manuscript& m,
                const Page& page, const QFont& font) {
    QPainter painter(&writer);
    painter.scale(writer.resolution() / kInch, writer.resolution() / kInch);
    painter.setFont(font);
    painter.setPen(Qt::black);
    const QSizeF body = page.body();
    const QString surname = qs(storage::surnameOf(m.author));
    const QString running = surname.isEmpty() ? qs(m.title) : surname + " / " + qs(m.title);
    const int pages = document.pageCount();
    for (int p = 0; p < pages; ++p) {
        if (p == 0) { // Shunn's first page: name top left, rounded word count top right
            const QRectF line(kInch, kInch, body.width(), kLine);
            painter.drawText(line, Qt::AlignLeft | Qt::AlignTop, qs(m.author));
            painter.drawText(line, Qt::AlignRight | Qt::AlignTop,
                             qs(roundedWordCount(m.wordCount)));
        } else {
            writer.newPage();
            const QRectF header(kInch, kInch / 2, body.width(), kInch / 2);
            painter.drawText(header, Qt::AlignRight | Qt::AlignTop,
                             running + " / " + QString::number(p + 1));
        }
        painter.save();
        painter.translate(kInch, kInch - p * body.height());
        QAbstractTextDocumentLayout::PaintContext context;
        context.clip = QRectF(0, p * body.height(), body.width(), body.height());
        context.palette.setColor(QPalette::Text, Qt::black);
        painter.setClipRect(context.clip);
        document.documentLayout()->draw(&painter, context);
        painter.restore();
    }
}

} // namespace

std::string roundedWordCount(int64_t words) {
    const int64_t rounded = std::max<int64_t>(100, (words + 50) / 100 * 100);
    const std::string digits = std::to_string(rounded);
    std::string grouped; // thousands separated by commas, as Shunn writes them
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
        grouped.push_back(digits[i]);
    }
    return "about " + grouped + " words";
}

std::string toStandardManuscript(const storage::Manuscript& manuscript,
                                 const StandardManuscriptOptions& options,
                                 const ExportProgress& progress) {
    // The layout's paint device: 96 dots per inch, so that fonts measure in CSS pixels.
    QImage layoutDevice(1, 1, QImage::Format_RGB32);
    layoutDevice.setDotsPerMeterX(qRound(kInch / 0.0254));
    layoutDevice.setDotsPerMeterY(qRound(kInch / 0.0254));
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    {
        QPdfWriter writer(&buffer);
        writer.setTitle(qs(manuscript.title));
        writer.setCreator(QStringLiteral("Fabulist"));
        writer.setPageSize(QPageSize(options.pageSize));
        writer.setPageMargins(QMarginsF(0, 0, 0, 0)); // the margins are drawn here, header inside
        Page page;
        page.full = QPageSize(options.pageSize).size(QPageSize::Inch) * kInch;
        const QFont font = manuscriptFont(options.font);

        QTextDocument document;
        document.documentLayout()->setPaintDevice(&layoutDevice);
        document.setDefaultFont(font);
        document.setDocumentMargin(0);
        document.setPageSize(page.body());
        QTextCursor cursor(&document);
        addTitle(cursor, manuscript, page);
        addChapters(cursor, manuscript, page, progress);
        paintPages(writer, document, manuscript, page, font);
    }
    return buffer.data().toStdString();
}

} // namespace fabulist::exporting
