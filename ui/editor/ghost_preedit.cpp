#include "ui/editor/ghost_preedit.h"

#include <QSyntaxHighlighter>
#include <QTextBlock>
#include <QTextDocument>
#include <QTextLayout>

namespace fabulist::ui {

namespace {

// Marks our format range so it can be told from the highlighter's.
constexpr int kPreeditProperty = QTextFormat::UserProperty + 0x4748;

void setPreedit(QTextDocument* document, int position, const QString& text, const QColor& color) {
    if (!document) return;
    const QTextBlock block = document->findBlock(position);
    if (!block.isValid()) return;
    QTextLayout* layout = block.layout();
    const int inBlock = position - block.position();
    QString shown = text;
    shown.replace(QLatin1Char('\n'), QChar::LineSeparator); // one paragraph in the layout
    layout->setPreeditArea(shown.isEmpty() ? -1 : inBlock, shown);
    // The highlighter lays its ranges out around the preedit area; ours goes last, so it wins
    // over a highlighted span (dialogue, emphasis) that the cursor sits in.
    if (auto* highlighter = document->findChild<QSyntaxHighlighter*>())
        highlighter->rehighlightBlock(block);
    QList<QTextLayout::FormatRange> formats = layout->formats();
    formats.removeIf(
        [](const QTextLayout::FormatRange& r) { return r.format.hasProperty(kPreeditProperty); });
    if (!shown.isEmpty()) {
        QTextLayout::FormatRange range;
        range.start = inBlock;
        range.length = int(shown.size());
        range.format.setForeground(color);
        range.format.setProperty(kPreeditProperty, true);
        formats.append(range);
    }
    layout->setFormats(formats);
    // Lays the paragraph out again without a change to the text (no undo step, no save).
    document->markContentsDirty(block.position(), block.length());
}

} // namespace

void showPreedit(QTextDocument* document, int position, const QString& text, const QColor& color) {
    setPreedit(document, position, text, color);
}

void clearPreedit(QTextDocument* document, int position) {
    if (preeditText(document, position).isEmpty()) return;
    setPreedit(document, position, QString(), QColor());
}

QString preeditText(const QTextDocument* document, int position) {
    if (!document) return {};
    const QTextBlock block = document->findBlock(position);
    if (!block.isValid() || !block.layout()) return {};
    QString text = block.layout()->preeditAreaText();
    return text.replace(QChar::LineSeparator, QLatin1Char('\n'));
}

} // namespace fabulist::ui
