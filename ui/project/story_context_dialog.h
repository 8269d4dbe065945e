#pragma once
// StoryContextDialog: Project > Memory and Author's Note… (Ctrl+Alt+M). The project's Memory
// (read first by every request: what the story is) and Author's Note (read a few paragraphs
// before the cursor: style and direction), each with a line that says how the model uses it.
// Modeless, so the writer can look at the manuscript while writing them; saved as typed (a
// moment after the last key), when a field loses the keyboard and when the dialog closes.
#include "storage/bible_repository.h"

#include <QDialog>
#include <QTimer>

class QFormLayout;
class QPlainTextEdit;

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class StoryContextDialog : public QDialog {
    Q_OBJECT
public:
    StoryContextDialog(storage::Project& project, QWidget* parent = nullptr);
    ~StoryContextDialog() override;

    // Writes what changed; false on a storage error (errorOccurred says why).
    bool save();
    // The keyboard into one of the two fields, the caret at the end.
    void focusNote(storage::StoryNoteKind kind);
    QPlainTextEdit* field(storage::StoryNoteKind kind) const;

    void setSaveDelay(int ms) { m_saveTimer.setInterval(ms); }

signals:
    void errorOccurred(const QString& message);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void done(int result) override;

private:
    QPlainTextEdit* makeField(storage::StoryNoteKind kind, const QString& objectName);
    QFormLayout* readingSettings();

    storage::Project& m_project;
    QPlainTextEdit* m_memory;
    QPlainTextEdit* m_authorsNote;
    bool m_dirty = false;
    QTimer m_saveTimer;
};

} // namespace fabulist::ui
