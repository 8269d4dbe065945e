#pragma once
// SearchResultDelegate: draws one project-search result as two parts: a heading (title, kind,
// chapter or generation status) and the snippet as rich text with its matches highlighted,
// wrapped to the list's width. Palette colours only, so light and dark both work.
#include <QStyledItemDelegate>

namespace fabulist::ui {

class SearchResultDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    // Item data the delegate reads.
    enum Role {
        HeadingRole = Qt::UserRole + 100, // "Kind · Chapter" (after the title, dimmed)
        SnippetRole,                      // the marked snippet (SearchSnippet)
    };

    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace fabulist::ui
