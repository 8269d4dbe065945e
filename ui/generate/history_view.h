#pragma once
// HistoryView: the "History" side tab, the open document's generations as a tree (Loom-style):
// a generation's Retry, "Continue from here" and ghost-text drafts are its children. Each row
// shows the first words, what the writer did with it, α, seed and model; selecting one shows it
// whole. The writer can filter by status, search every generation (the project's full-text
// index), insert one at the cursor (Use This), continue from it (a new child, through the
// Generate panel), or compare two side by side. It reads the project's generation ledger.
#include <QWidget>
#include <cstdint>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace fabulist::storage {
class Project;
struct Generation;
} // namespace fabulist::storage

namespace fabulist::ui {

class EditorView;
class GeneratePanel;
class GenerationController;
class TokenInspector;

class HistoryView : public QWidget {
    Q_OBJECT
public:
    // Reloads when `generation` records one; Continue from Here streams into `generate`.
    HistoryView(EditorView* editor, GenerationController* generation, GeneratePanel* generate,
                QWidget* parent = nullptr);

    void setProject(storage::Project* project); // nullptr: empty
    void setDocument(std::optional<int64_t> nodeId);
    void reload(); // reads the ledger again (after a generation was recorded)

    // "" (all), "pending", "accepted", "edited" or "rejected".
    void setStatusFilter(const QString& status);
    void setSearch(const QString& query); // empty: the tree again
    void select(int64_t generationId);
    std::optional<int64_t> selectedId() const;
    QList<int64_t> shownIds() const; // depth-first, as listed

    bool useSelected();          // inserts it at the editor's cursor (one undo step)
    bool continueFromSelected(); // a child generated from it
    QWidget* compareSelected();  // two selected: side by side (non-modal, deleted on close)
    // One selected: what it read (its exact prompt, coloured by part, and the bible entries) in
    // a ContextViewer (non-modal, deleted on close).
    QWidget* showWhatSelectedRead();

    QTreeWidget* tree() const { return m_tree; }
    QPlainTextEdit* reader() const { return m_reader; }
    // The token view of the generation read (a click on a word, Generate > Why This Word?).
    TokenInspector* tokenInspector() const { return m_tokens; }

signals:
    void errorOccurred(const QString& message);

private:
    void buildWidgets();
    void showSelected();
    void updateButtons();
    QTreeWidgetItem* makeItem(const storage::Generation& g) const;
    std::optional<storage::Generation> generation(int64_t id) const;

    EditorView* m_editor;
    GenerationController* m_generation;
    GeneratePanel* m_generate;
    storage::Project* m_project = nullptr;
    std::optional<int64_t> m_nodeId;
    QString m_status;
    QString m_query;
    QComboBox* m_filter;
    QLineEdit* m_search;
    QTreeWidget* m_tree;
    QPlainTextEdit* m_reader;
    TokenInspector* m_tokens;
    QLabel* m_details;
    QPushButton* m_use;
    QPushButton* m_continue;
    QPushButton* m_compare;
    QPushButton* m_read;
};

} // namespace fabulist::ui
