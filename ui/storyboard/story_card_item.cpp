#include "ui/storyboard/story_card_item.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QTextLayout>
#include <cmath>

namespace fabulist::ui {

namespace {

constexpr qreal kRadius = 8;
constexpr qreal kPadding = 10;
constexpr qreal kMarker = 8;      // size of a link marker
constexpr qreal kMarkerGap = 4;   // between the markers and the title
constexpr qreal kMarkerReach = 6; // a double-click this close to the square still opens the node
constexpr int kTitleLines = 2;    // long titles wrap once, then are elided

double relativeLuminance(const QColor& c) {
    auto channel = [](double v) {
        return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

// The text laid out in `width`, at most `maxLines` lines; the last one elided when more follows.
QStringList firstLines(const QString& text, const QFont& font, qreal width, int maxLines) {
    QStringList lines;
    if (maxLines <= 0 || text.trimmed().isEmpty()) return lines;
    QString flowing = text.trimmed();
    flowing.replace(QLatin1Char('\n'), QChar::LineSeparator);
    QTextLayout layout(flowing, font);
    layout.beginLayout();
    int lastStart = 0;
    bool more = false;
    while (true) {
        QTextLine line = layout.createLine();
        if (!line.isValid()) break;
        line.setLineWidth(width);
        if (lines.size() == maxLines - 1) {
            lastStart = line.textStart();
            more = true;
            break;
        }
        lines << flowing.mid(line.textStart(), line.textLength()).trimmed();
    }
    layout.endLayout();
    if (more) {
        QString rest = flowing.mid(lastStart);
        rest.replace(QChar::LineSeparator, QLatin1Char(' '));
        lines << QFontMetricsF(font).elidedText(rest.simplified(), Qt::ElideRight, width);
    }
    return lines;
}

} // namespace

StoryCardItem::StoryCardItem(const storage::Card& card) : m_card(card) {
    setFlags(ItemIsMovable | ItemIsSelectable | ItemIsFocusable);
    setCursor(Qt::OpenHandCursor);
    setPos(card.x, card.y);
    updateToolTip();
}

void StoryCardItem::setCard(const storage::Card& card) {
    prepareGeometryChange();
    m_card = card;
    setPos(card.x, card.y);
    updateToolTip();
    update();
}

bool StoryCardItem::isAtSavedPosition() const {
    return pos() == QPointF(m_card.x, m_card.y);
}

void StoryCardItem::markSaved() {
    m_card.x = pos().x();
    m_card.y = pos().y();
}

QColor StoryCardItem::inkFor(const QColor& background) {
    const double l = relativeLuminance(background);
    // Contrast ratios against black (l+0.05)/0.05 and white 1.05/(l+0.05): the larger wins.
    return (l + 0.05) * (l + 0.05) > 1.05 * 0.05 ? QColor(0x1A, 0x1A, 0x1A) : QColor(Qt::white);
}

QRectF StoryCardItem::boundingRect() const {
    return QRectF(-2, -2, kWidth + 4, kHeight + 4); // room for the selection outline
}

QStringList StoryCardItem::titleLines(const QString& title, const QFont& font, qreal width) {
    QStringList lines = firstLines(title.simplified(), font, width, kTitleLines);
    // A single word wider than the card is cut too.
    const QFontMetricsF metrics(font);
    for (QString& line : lines) line = metrics.elidedText(line, Qt::ElideRight, width);
    return lines;
}

QRectF StoryCardItem::documentMarkerRect() const {
    if (!m_card.documentId) return {};
    // Right-aligned at the top; left of the generation dot when there is one.
    const qreal right = kWidth - 0.5 - kPadding - (m_card.generationId ? kMarker + kMarkerGap : 0);
    return QRectF(right - kMarker, kPadding + 2, kMarker, kMarker);
}

QRectF StoryCardItem::documentMarkerHitRect() const {
    const QRectF marker = documentMarkerRect();
    return marker.isEmpty()
               ? marker
               : marker.adjusted(-kMarkerReach, -kMarkerReach, kMarkerReach, kMarkerReach);
}

qreal StoryCardItem::titleWidth() const {
    const int markers = (m_card.documentId ? 1 : 0) + (m_card.generationId ? 1 : 0);
    return kWidth - 1 - 2 * kPadding - markers * (kMarker + kMarkerGap);
}

QString StoryCardItem::displayTitle() const {
    return m_card.title.empty() ? QObject::tr("Untitled") : QString::fromStdString(m_card.title);
}

QFont StoryCardItem::titleFont(QFont font) {
    font.setBold(true);
    return font;
}

void StoryCardItem::updateToolTip() {
    QStringList tips;
    // The whole title when the card shows only part of it.
    const QString title = displayTitle().simplified();
    if (titleLines(title, titleFont(QApplication::font()), titleWidth()).join(QLatin1Char(' ')) !=
        title)
        tips << title;
    if (m_card.documentId)
        tips << QObject::tr("Linked to a scene in the binder (double-click the square to open it)");
    if (m_card.generationId) tips << QObject::tr("Pinned from a generation");
    setToolTip(tips.join(QLatin1Char('\n')));
}

void StoryCardItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option,
                          QWidget* widget) {
    const QColor fill = QColor::fromRgb(m_card.color);
    const QColor ink = inkFor(fill);
    const QPalette palette = widget ? widget->palette() : QApplication::palette();
    const bool selected = option->state & QStyle::State_Selected;
    painter->setRenderHint(QPainter::Antialiasing);

    const QRectF card(0.5, 0.5, kWidth - 1, kHeight - 1);
    painter->setPen(selected ? QPen(palette.color(QPalette::Highlight), 3)
                             : QPen(fill.darker(150), 1));
    painter->setBrush(fill);
    painter->drawRoundedRect(card, kRadius, kRadius);

    const QRectF inner = card.adjusted(kPadding, kPadding - 2, -kPadding, -kPadding + 2);
    const QFont bold = titleFont(painter->font());
    const QFontMetricsF titleMetrics(bold);
    const QStringList title = titleLines(displayTitle(), bold, titleWidth());
    painter->setPen(ink);
    painter->setFont(bold);
    qreal y = inner.top();
    for (const QString& line : title) {
        painter->drawText(QRectF(inner.left(), y, titleWidth(), titleMetrics.height()),
                          Qt::AlignLeft | Qt::AlignVCenter, line);
        y += titleMetrics.lineSpacing();
    }

    // Link markers at the top right, in the ink colour.
    if (m_card.generationId) {
        const QRectF dot(inner.right() - kMarker, kPadding + 2, kMarker, kMarker);
        painter->setPen(Qt::NoPen);
        painter->setBrush(ink);
        painter->drawEllipse(dot);
    }
    if (const QRectF square = documentMarkerRect(); !square.isEmpty()) {
        painter->setPen(QPen(ink, 1.5));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(square.adjusted(0.75, 0.75, -0.75, -0.75));
    }

    QFont bodyFont = painter->font();
    bodyFont.setBold(false);
    const QFontMetricsF bodyMetrics(bodyFont);
    const qreal top = y + 4;
    const int maxLines = int((inner.bottom() - top) / bodyMetrics.lineSpacing());
    const QStringList lines =
        firstLines(QString::fromStdString(m_card.text), bodyFont, inner.width(), maxLines);
    painter->setFont(bodyFont);
    painter->setPen(ink);
    y = top;
    for (const QString& line : lines) {
        painter->drawText(QRectF(inner.left(), y, inner.width(), bodyMetrics.lineSpacing()),
                          Qt::AlignLeft | Qt::AlignVCenter, line);
        y += bodyMetrics.lineSpacing();
    }
}

} // namespace fabulist::ui
