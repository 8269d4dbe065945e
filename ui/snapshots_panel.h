#pragma once
// SnapshotsPanel: the revisions of the document in the editor (named snapshots and autosaves,
// newest first), with Take Snapshot, Restore and Compare (side by side with the current text).
// The panel only shows and asks; DocumentSession does the saving and restoring.
#include <QWidget>
#include <optional>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class DocumentSession;
class SnapshotCompareView;

class SnapshotsPanel : public QWidget {
    Q_OBJECT
public:
    explicit SnapshotsPanel(QWidget* parent = nullptr);

    void setContext(storage::Project* project, DocumentSession* session);
    // The document whose revisions to list (nullopt: none).
    void setNode(std::optional<int64_t> nodeId);
    void refresh();

    QList<qint64> revisionIds() const; // in display order, newest first
    void selectRevision(int64_t revisionId);
    std::optional<int64_t> selectedRevision() const;

    // Named snapshot of the current text; askName shows a dialog for the name first.
    std::optional<int64_t> takeSnapshot(const QString& name);
    void takeSnapshotInteractive();
    bool restoreSelected();
    // Opens the compare view (non-modal, deleted on close) and returns it.
    SnapshotCompareView* compareSelected();

signals:
    void errorOccurred(const QString& message);

private:
    void updateButtons();

    storage::Project* m_project = nullptr;
    DocumentSession* m_session = nullptr;
    std::optional<int64_t> m_nodeId;
    QLabel* m_title;
    QTreeWidget* m_list;
    QPushButton* m_take;
    QPushButton* m_restore;
    QPushButton* m_compare;
};

} // namespace fabulist::ui
