#include "ui/app_icon.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace fabulist::ui {

namespace {

// Coordinates are those of the SVG's 64x64 view box.
QPixmap paintIcon(int size) {
    QPixmap pm(size, size);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 64.0, size / 64.0);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0x2f, 0x4f, 0x7f));
    p.drawRoundedRect(QRectF(4, 4, 56, 56), 12, 12);

    QPainterPath page;
    page.moveTo(17, 13);
    page.lineTo(39, 13);
    page.lineTo(47, 21);
    page.lineTo(47, 51);
    page.lineTo(17, 51);
    page.closeSubpath();
    p.fillPath(page, QColor(0xfb, 0xfa, 0xf7));
    QPainterPath fold;
    fold.moveTo(39, 13);
    fold.lineTo(39, 21);
    fold.lineTo(47, 21);
    fold.closeSubpath();
    p.fillPath(fold, QColor(0xd9, 0xde, 0xe6));

    p.setBrush(QColor(0x8a, 0x9a, 0xb3));
    p.drawRoundedRect(QRectF(22, 27, 20, 3), 1.5, 1.5);
    p.drawRoundedRect(QRectF(22, 34, 20, 3), 1.5, 1.5);
    p.drawRoundedRect(QRectF(22, 41, 12, 3), 1.5, 1.5);

    const QPointF spark[] = {{44, 38}, {46, 44}, {52, 46}, {46, 48},
                             {44, 54}, {42, 48}, {36, 46}, {42, 44}};
    p.setBrush(QColor(0xf2, 0xc1, 0x4e));
    p.drawPolygon(spark, 8);
    return pm;
}

} // namespace

QIcon appIcon() {
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256}) icon.addPixmap(paintIcon(size));
    return icon;
}

} // namespace fabulist::ui
