#pragma once
// Theme: light or dark, following the system unless the writer chooses one (View > Appearance:
// the application palette then switches to a light or dark one of our own). Qt 6.5+ reports the
// scheme through QStyleHints::colorScheme; on Qt 6.4 the window colour's lightness of the
// application palette is the best signal we have. The highlighter and the editor take their colours
// from here.
#include <QColor>
#include <QObject>
#include <QPalette>

namespace fabulist::ui {

enum class ColorScheme { Light, Dark };
enum class Appearance { System, Light, Dark };

// Colours the editor and the built-in highlighter use; chosen for contrast on each background.
struct EditorColors {
    QColor background;
    QColor text;
    QColor heading;
    QColor emphasis;
    QColor dialogue;
    QColor markup; // the '#', '*', '_' characters themselves: present but quiet
    QColor findMatch;
    QColor misspelled; // the spell check's wavy underline
};

class Theme : public QObject {
    Q_OBJECT
public:
    explicit Theme(QObject* parent = nullptr);

    ColorScheme scheme() const { return m_scheme; }
    Appearance appearance() const { return m_appearance; }
    // System restores the palette the desktop gave the application.
    void setAppearance(Appearance appearance);
    static QPalette paletteFor(ColorScheme scheme);
    static ColorScheme systemScheme();
    static EditorColors colorsFor(ColorScheme scheme);
    EditorColors colors() const { return colorsFor(m_scheme); }

signals:
    void schemeChanged(fabulist::ui::ColorScheme scheme);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refresh();

    ColorScheme m_scheme;
    Appearance m_appearance = Appearance::System;
    QPalette m_systemPalette; // as the application started
    bool m_switching = false; // our own palette change is not the desktop's
};

} // namespace fabulist::ui
