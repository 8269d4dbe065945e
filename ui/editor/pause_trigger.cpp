#include "ui/editor/pause_trigger.h"

#include <QEvent>
#include <QKeyEvent>
#include <QPlainTextEdit>

namespace fabulist::ui {

PauseTrigger::PauseTrigger(QPlainTextEdit* editor, QObject* parent)
    : QObject(parent), m_editor(editor) {
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (m_enabled && m_typed && m_editor->hasFocus() && !m_editor->textCursor().hasSelection())
            emit paused();
    });
    // The text changing after a typed key is the typing; the pause counts from the last one.
    connect(m_editor, &QPlainTextEdit::textChanged, this, [this] {
        if (m_enabled && m_typed) m_timer.start();
    });
    editor->installEventFilter(this);
    editor->viewport()->installEventFilter(this);
}

void PauseTrigger::setEnabled(bool on) {
    m_enabled = on;
    if (!on) m_timer.stop();
}

bool PauseTrigger::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const bool modifierOnly = key->key() == Qt::Key_Shift || key->key() == Qt::Key_Control ||
                                  key->key() == Qt::Key_Alt || key->key() == Qt::Key_Meta;
        if (!modifierOnly) {
            m_typed = !key->text().isEmpty() && key->text().at(0).isPrint() &&
                      !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier));
            if (!m_typed) m_timer.stop();
        }
    } else if (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::FocusOut) {
        m_typed = false;
        m_timer.stop();
    }
    return QObject::eventFilter(watched, event);
}

} // namespace fabulist::ui
