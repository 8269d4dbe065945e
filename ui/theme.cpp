#include "ui/theme.h"

#include <QEvent>
#include <QGuiApplication>
#include <QPalette>
#include <QStyleHints>

namespace fabulist::ui {

Theme::Theme(QObject* parent)
    : QObject(parent), m_scheme(systemScheme()), m_systemPalette(QGuiApplication::palette()) {
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
                QColor(0x6b, 0x5a, 0x1e), QColor(0xff, 0x6e, 0x6e)};
    }
    return {QColor(0xfb, 0xfa, 0xf7), QColor(0x26, 0x26, 0x26), QColor(0x1f, 0x4e, 0x8c),
            QColor(0x7a, 0x3e, 0x00), QColor(0x2e, 0x6b, 0x30), QColor(0xa0, 0xa0, 0xa0),
            QColor(0xff, 0xe0, 0x80), QColor(0xd0, 0x21, 0x1c)};
}

void Theme::setAppearance(Appearance appearance) {
    if (appearance == m_appearance) return;
    if (m_appearance == Appearance::System) m_systemPalette = QGuiApplication::palette();
    m_appearance = appearance;
    m_switching = true;
    if (appearance == Appearance::System)
        QGuiApplication::setPalette(m_systemPalette);
    else
        QGuiApplication::setPalette(
            paletteFor(appearance == Appearance::Dark ? ColorScheme::Dark : ColorScheme::Light));
    m_switching = false;
    refresh();
}

// Fusion-like palettes: the window chrome in the same calm tones as the page.
QPalette Theme::paletteFor(ColorScheme scheme) {
    const EditorColors page = colorsFor(scheme);
    const bool dark = scheme == ColorScheme::Dark;
    const QColor window = dark ? QColor(0x2b, 0x2d, 0x31) : QColor(0xef, 0xef, 0xec);
    const QColor text = dark ? QColor(0xe6, 0xe6, 0xe2) : QColor(0x1e, 0x1e, 0x1e);
    const QColor button = dark ? QColor(0x35, 0x37, 0x3c) : QColor(0xf6, 0xf6, 0xf4);
    const QColor muted = dark ? QColor(0x8a, 0x8c, 0x90) : QColor(0x80, 0x80, 0x80);
    QPalette p(button, window);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, dark ? QColor(0x23, 0x25, 0x28) : QColor(0xff, 0xff, 0xff));
    p.setColor(QPalette::AlternateBase, dark ? QColor(0x2f, 0x31, 0x35) : QColor(0xf4, 0xf4, 0xf1));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, button);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, dark ? QColor(0x3a, 0x3d, 0x42) : QColor(0xff, 0xfb, 0xe6));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, muted);
    p.setColor(QPalette::Highlight, dark ? QColor(0x3d, 0x6f, 0xb6) : QColor(0x30, 0x8c, 0xc6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, page.heading);
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, muted);
    return p;
}

bool Theme::eventFilter(QObject* watched, QEvent* event) {
    if (watched == qApp && event->type() == QEvent::ApplicationPaletteChange && !m_switching)
        refresh();
    return QObject::eventFilter(watched, event);
}

void Theme::refresh() {
    const ColorScheme now = m_appearance == Appearance::Dark    ? ColorScheme::Dark
                            : m_appearance == Appearance::Light ? ColorScheme::Light
                                                                : systemScheme();
    if (now == m_scheme) return;
    m_scheme = now;
    emit schemeChanged(now);
}

} // namespace fabulist::ui
