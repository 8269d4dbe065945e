#pragma once
// SnapshotsPanel: the revisions of the document in the editor (named snapshots and autosaves,
// newest first), with Take Snapshot, Restore and Compare (side by side with the current text).
// The panel only shows and asks; DocumentSession does the saving and restoring.
#include <QWidget>
#include <optional>

class QInputDialog;
class QLabel;
class QMessageBox;
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

    // Named snapshot of the current text.
    std::optional<int64_t> takeSnapshot(const QString& name);
    // Asks for the name first in a window-modal dialog (returned; nullptr when there is nothing
    // to snapshot); accepting it takes the snapshot.
    QInputDialog* takeSnapshotInteractive();
    // Restores the selected revision without asking (code and tests).
    bool restoreSelected();
    // Asks first, in a window-modal box that shows the snapshot's date and size (returned;
    // nullptr when nothing is selected); accepting it restores that revision.
    QMessageBox* askRestoreSelected();
    // Opens the compare view (non-modal, deleted on close) and returns it.
    SnapshotCompareView* compareSelected();

signals:
    void errorOccurred(const QString& message);

protected:
    // Autosave rows are drawn in the palette's placeholder colour: redrawn when light/dark
    // changes.
    void changeEvent(QEvent* event) override;

private:
    void updateButtons();
    bool restoreRevision(int64_t revisionId);

    storage::Project* m_project = nullptr;
    DocumentSession* m_session = nullptr;
    std::optional<int64_t> m_nodeId;
    QLabel* m_title;
    QMetaObject::Connection m_revisionsConnection;
    QTreeWidget* m_list;
    QLabel* m_emptyHint; // instead of the list while it has no rows
    QPushButton* m_take;
    QPushButton* m_restore;
    QPushButton* m_compare;
};

} // namespace fabulist::ui
