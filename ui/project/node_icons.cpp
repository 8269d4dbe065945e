#include "ui/project/node_icons.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>
#include <array>

namespace fabulist::ui {

namespace {

struct KindStyle {
    QColor color;
    QChar letter;
};

KindStyle styleOf(storage::NodeKind kind) {
    using K = storage::NodeKind;
    switch (kind) {
    case K::Folder:
        return {QColor(0x7a, 0x8c, 0xa3), QChar()};
    case K::Chapter:
        return {QColor(0x3d, 0x6f, 0xb6), u'C'};
    case K::Scene:
        return {QColor(0x4f, 0x8a, 0x5b), u'S'};
    case K::Note:
        return {QColor(0xc2, 0x9a, 0x2e), u'N'};
    case K::Character:
        return {QColor(0xb0, 0x52, 0x7a), u'P'}; // a person
    case K::Place:
        return {QColor(0x8a, 0x62, 0xb3), u'L'}; // a location
    }
    return {Qt::gray, u'?'};
}

QPixmap paint(storage::NodeKind kind, int size) {
    const KindStyle s = styleOf(kind);
    QPixmap pm(size, size);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const qreal u = size / 16.0;
    if (kind == storage::NodeKind::Folder) {
        QPainterPath path;
        path.moveTo(1 * u, 4 * u);
        path.lineTo(6 * u, 4 * u);
        path.lineTo(7.5 * u, 5.5 * u);
        path.lineTo(15 * u, 5.5 * u);
        path.lineTo(15 * u, 14 * u);
        path.lineTo(1 * u, 14 * u);
        path.closeSubpath();
        p.fillPath(path, s.color);
        return pm;
    }
    const QRectF sheet(2.5 * u, 1.5 * u, 11 * u, 13 * u);
    p.setPen(Qt::NoPen);
    p.setBrush(s.color);
    p.drawRoundedRect(sheet, 2 * u, 2 * u);
    QFont f;
    f.setPixelSize(int(9 * u));
    f.setBold(true);
    p.setFont(f);
    p.setPen(Qt::white);
    p.drawText(sheet, Qt::AlignCenter, QString(s.letter));
    return pm;
}

} // namespace

QIcon nodeIcon(storage::NodeKind kind) {
    static std::array<QIcon, 6> cache;
    QIcon& icon = cache[size_t(kind)];
    if (icon.isNull()) {
        for (int size : {16, 24, 32, 48}) icon.addPixmap(paint(kind, size));
    }
    return icon;
}

} // namespace fabulist::ui
