#pragma once
// StoryCardItem: one storyboard card drawn on the board's QGraphicsScene: a rounded rectangle in
// the card's colour, its title in bold on up to two lines (the whole title in the tooltip when it
// is cut), the first lines of its text (the last one elided), and a small marker when it is
// linked to a binder node (a square: double-clicking it opens the node) or a generation (a dot).
// The item is movable and selectable; it never writes to storage itself: the StoryboardView saves
// the positions of moved cards when the mouse is released (isAtSavedPosition / markSaved).
#include "storage/storyboard_repository.h"

#include <QColor>
#include <QFont>
#include <QGraphicsItem>
#include <QStringList>

namespace fabulist::ui {

class StoryCardItem : public QGraphicsItem {
public:
    static constexpr qreal kWidth = 180;
    static constexpr qreal kHeight = 112;
    enum { Type = UserType + 401 };

    explicit StoryCardItem(const storage::Card& card);

    const storage::Card& card() const { return m_card; }
    int64_t cardId() const { return m_card.id; }
    // New contents (title, text, colour, links); the position follows the card's.
    void setCard(const storage::Card& card);
    // The item stands where the card was last saved (dragging moves only the item).
    bool isAtSavedPosition() const;
    // The item's position has been saved: the card's x/y become the item's.
    void markSaved();

    // Black or white ink, whichever contrasts more with the background (WCAG luminance): the
    // card's own colour is the background, so this holds in light and dark themes alike.
    static QColor inkFor(const QColor& background);

    // Where the binder-link marker is drawn (item coordinates; empty when the card has no link),
    // and the larger area around it that a double-click opens the linked node from.
    QRectF documentMarkerRect() const;
    QRectF documentMarkerHitRect() const;
    // The title as painted: up to two lines, the last one elided when the title is longer.
    static QStringList titleLines(const QString& title, const QFont& font, qreal width);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    void updateToolTip();
    qreal titleWidth() const; // the markers take room at the right of the title
    QString displayTitle() const;
    static QFont titleFont(QFont font);

    storage::Card m_card;
};

} // namespace fabulist::ui
