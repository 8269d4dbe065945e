#pragma once
// PauseTrigger: "suggest while I pause". After the writer has typed in the editor and then
// stopped for the set time, without moving the caret or clicking since, it says so (paused).
// Off until enabled (Settings: off by default).
#include <QObject>
#include <QTimer>

class QPlainTextEdit;

namespace fabulist::ui {

class PauseTrigger : public QObject {
    Q_OBJECT
public:
    explicit PauseTrigger(QPlainTextEdit* editor, QObject* parent = nullptr);

    void setEnabled(bool on);
    bool isEnabled() const { return m_enabled; }
    void setInterval(int ms) { m_timer.setInterval(ms); }
    int interval() const { return m_timer.interval(); }

signals:
    void paused();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QPlainTextEdit* m_editor;
    QTimer m_timer;
    bool m_enabled = false;
    bool m_typed = false; // the last key was typed text (not a move, not a shortcut)
};

} // namespace fabulist::ui
