#include "ui/theme.h"

#include <QEvent>
#include <QGuiApplication>
#include <QPalette>
#include <QStyleHints>

namespace fabulist::ui {

Theme::Theme(QObject* parent) : QObject(parent), m_scheme(systemScheme()) {
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    connect(QGuiApplication::styleHints(), &QStyleHints::colorSchemeChanged, this, &Theme::refresh);
#endif
    // Palette changes also cover Qt 6.4 and platforms that do not report a colour scheme.
    if (qApp) qApp->installEventFilter(this);
}

ColorScheme Theme::systemScheme() {
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    switch (QGuiApplication::styleHints()->colorScheme()) {
    case Qt::ColorScheme::Dark:
        return ColorScheme::Dark;
    case Qt::ColorScheme::Light:
        return ColorScheme::Light;
    default:
        break; // Unknown: fall through to the palette
    }
#endif
    const QColor window = QGuiApplication::palette().color(QPalette::Window);
    return window.lightness() < 128 ? ColorScheme::Dark : ColorScheme::Light;
}

EditorColors Theme::colorsFor(ColorScheme scheme) {
    if (scheme == ColorScheme::Dark) {
        return {QColor(0x1f, 0x21, 0x24), QColor(0xdc, 0xdc, 0xd6), QColor(0x8a, 0xb4, 0xf8),
                QColor(0xe8, 0xc0, 0x7a), QColor(0x9c, 0xd6, 0x9c), QColor(0x70, 0x74, 0x7a),
                QColor(0x6b, 0x5a, 0x1e)};
    }
    return {QColor(0xfb, 0xfa, 0xf7), QColor(0x26, 0x26, 0x26), QColor(0x1f, 0x4e, 0x8c),
            QColor(0x7a, 0x3e, 0x00), QColor(0x2e, 0x6b, 0x30), QColor(0xa0, 0xa0, 0xa0),
            QColor(0xff, 0xe0, 0x80)};
}

bool Theme::eventFilter(QObject* watched, QEvent* event) {
    if (watched == qApp && event->type() == QEvent::ApplicationPaletteChange) refresh();
    return QObject::eventFilter(watched, event);
}

void Theme::refresh() {
    const ColorScheme now = systemScheme();
    if (now == m_scheme) return;
    m_scheme = now;
    emit schemeChanged(now);
}

} // namespace fabulist::ui
