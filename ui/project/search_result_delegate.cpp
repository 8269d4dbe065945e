#include "ui/project/search_result_delegate.h"

#include "ui/project/search_snippet.h"

#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QPainter>
#include <QTextDocument>

namespace fabulist::ui {

namespace {
constexpr int kPadding = 6;
constexpr int kMaxSnippetLines = 4;

bool isSelected(const QStyleOptionViewItem& option) {
    return option.state & QStyle::State_Selected;
}

// The snippet laid out for a width, in the row's colours.
void layoutSnippet(QTextDocument& doc, const QStyleOptionViewItem& option, const QModelIndex& index,
                   int width) {
    const bool selected = isSelected(option);
    const QColor text = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    doc.setDefaultFont(option.font);
    doc.setDocumentMargin(0);
    doc.setDefaultStyleSheet(QStringLiteral("body { color: %1; }").arg(text.name()));
    const SearchSnippet snippet(index.data(SearchResultDelegate::SnippetRole).toString());
    doc.setHtml(QStringLiteral("<body>") + snippet.html(option.palette, selected) +
                QStringLiteral("</body>"));
    doc.setTextWidth(width);
}

int snippetHeight(const QTextDocument& doc, const QStyleOptionViewItem& option) {
    const int maxHeight = option.fontMetrics.lineSpacing() * kMaxSnippetLines;
    return qMin(int(doc.size().height()), maxHeight);
}
} // namespace

void SearchResultDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                 const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    opt.text.clear(); // the background and focus frame only; text and icon are ours
    opt.icon = QIcon();
    opt.features &= ~QStyleOptionViewItem::HasDecoration;
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const bool selected = isSelected(option);
    QRect area = option.rect.adjusted(kPadding, kPadding / 2, -kPadding, -kPadding / 2);
    painter->save();
    QFont bold = option.font;
    bold.setBold(true);
    painter->setFont(bold);
    const QFontMetrics boldMetrics = painter->fontMetrics();
    const int lineHeight = boldMetrics.height();
    const QIcon icon = index.data(Qt::DecorationRole).value<QIcon>();
    const int iconSize = lineHeight - 2;
    if (!icon.isNull()) {
        icon.paint(painter, QRect(area.left(), area.top() + 1, iconSize, iconSize));
        area.setLeft(area.left() + iconSize + kPadding / 2);
    }
    const QString title = index.data(Qt::DisplayRole).toString();
    const int titleWidth = qMin(boldMetrics.horizontalAdvance(title) + 1, area.width() * 2 / 3);
    painter->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    const QRect titleRect(area.left(), area.top(), titleWidth, lineHeight);
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
                      boldMetrics.elidedText(title, Qt::ElideRight, titleWidth));
    painter->setFont(option.font);
    painter->setPen(
        option.palette.color(selected ? QPalette::HighlightedText : QPalette::PlaceholderText));
    const QRect headingRect(titleRect.right() + kPadding, area.top(),
                            area.right() - titleRect.right() - kPadding, lineHeight);
    painter->drawText(headingRect, Qt::AlignLeft | Qt::AlignVCenter,
                      option.fontMetrics.elidedText(index.data(HeadingRole).toString(),
                                                    Qt::ElideRight, headingRect.width()));

    QTextDocument doc;
    const int snippetWidth = option.rect.width() - 2 * kPadding;
    layoutSnippet(doc, option, index, snippetWidth);
    // The snippet starts under the icon, at the row's left edge.
    const int left = option.rect.left() + kPadding;
    const int top = area.top() + lineHeight + 2;
    painter->translate(left, top);
    const QRect clip(0, 0, snippetWidth, snippetHeight(doc, option));
    painter->setClipRect(clip);
    QAbstractTextDocumentLayout::PaintContext context;
    context.clip = clip;
    context.palette = option.palette;
    context.palette.setColor(
        QPalette::Text,
        option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    doc.documentLayout()->draw(painter, context);
    painter->restore();
}

QSize SearchResultDelegate::sizeHint(const QStyleOptionViewItem& option,
                                     const QModelIndex& index) const {
    QFont bold = option.font;
    bold.setBold(true);
    // The list's width: snippets wrap to it (the list lays rows out again when it resizes).
    const auto* view = qobject_cast<const QAbstractItemView*>(option.widget);
    const int width = view ? view->viewport()->width() : 280;
    QTextDocument doc;
    layoutSnippet(doc, option, index, width - 2 * kPadding);
    return QSize(width, QFontMetrics(bold).height() + 2 + snippetHeight(doc, option) + kPadding);
}

} // namespace fabulist::ui
