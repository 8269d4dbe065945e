#pragma once
// GenerationOverlay: the Generate panel's preview, shown over the bottom of the editor while
// the side panels are hidden (focus mode), so a generation started with Ctrl+Return is seen and
// decided on where the writer is looking: the streamed text and the keys that keep it or not.
// While the editor shows the generation as ghost text at the caret, the overlay shows only the
// keys (the text is on the page already, and a copy at the bottom could cover it).
#include <QFrame>

class QLabel;

namespace fabulist::ui {

class GeneratePanel;

class GenerationOverlay : public QFrame {
    Q_OBJECT
public:
    // Floats over `host` (the editor), following its size.
    GenerationOverlay(GeneratePanel* panel, QWidget* host);

    // Shown only while enabled (focus mode) and the panel has something to show.
    void setActive(bool active);
    // The editor shows the generation as ghost text: only the keys here.
    void setGhostShown(bool shown);
    QString text() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refresh();
    void place();

    GeneratePanel* m_panel;
    QWidget* m_host;
    QLabel* m_text;
    QLabel* m_keys;
    bool m_active = false;
    bool m_ghostShown = false;
};

} // namespace fabulist::ui
