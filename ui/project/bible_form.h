#pragma once
// BibleForm: the story bible's fields of the character or place open in the editor, in a compact
// strip under its text: aliases (comma separated), "what the model should know" (empty: the
// model reads the node's own text) and "always in the prompt". Hidden for other documents.
// Saves through storage::BibleRepository a moment after the last change (the editor's autosave
// delay), when a field loses the keyboard, when the application is left, and before the node or
// the project changes, so nothing typed is lost on switch or close.
#include <QFrame>
#include <QTimer>
#include <cstdint>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class BibleForm : public QFrame {
    Q_OBJECT
public:
    explicit BibleForm(QWidget* parent = nullptr);
    ~BibleForm() override;

    // Saves what is pending for the old project first; nullptr: none (the form hides).
    void setProject(storage::Project* project);
    // The document open in the editor: the form shows (and is for) it when it is a character
    // or a place, and hides otherwise. Saves the previous node's pending edit first.
    void setNode(std::optional<int64_t> nodeId);
    // The character or place shown; nullopt when hidden.
    std::optional<int64_t> nodeId() const { return m_nodeId; }

    void setSaveDelay(int ms) { m_saveTimer.setInterval(ms); }
    // Writes the pending edit; false on a storage error (errorOccurred says why; the edit stays
    // pending).
    bool save();
    bool hasUnsavedChanges() const { return m_dirty; }
    // The keyboard into the aliases (Document > Story Bible Fields); false when hidden.
    bool focusFields();

    // "Mira, the girl" (commas, semicolons or line breaks between them) -> {"Mira", "the girl"}.
    static QStringList parseAliases(const QString& text);

    QLineEdit* aliasesField() const { return m_aliases; }
    QPlainTextEdit* noteField() const { return m_note; }
    QCheckBox* alwaysInBox() const { return m_alwaysIn; }

signals:
    void errorOccurred(const QString& message);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildWidgets();
    void load(); // the fields from storage for m_nodeId
    void markChanged();
    void updateReadOnly();

    storage::Project* m_project = nullptr;
    std::optional<int64_t> m_nodeId;
    bool m_loading = false; // filling the fields is not an edit
    bool m_dirty = false;
    QTimer m_saveTimer;
    QLabel* m_heading;
    QLineEdit* m_aliases;
    QPlainTextEdit* m_note;
    QCheckBox* m_alwaysIn;
};

} // namespace fabulist::ui
