#pragma once
// BinderView: the tree on the left. Selecting a node opens it in the editor; the context menu and
// the Binder menu create, rename and trash nodes; rows drag to reorder and move. Expansion and
// selection survive the model's reloads.
#include "storage/binder_repository.h"

#include <QSet>
#include <QTreeView>
#include <optional>

namespace fabulist::ui {

class BinderModel;

class BinderView : public QTreeView {
    Q_OBJECT
public:
    explicit BinderView(QWidget* parent = nullptr);

    void setBinderModel(BinderModel* model); // nullptr: show nothing
    BinderModel* binderModel() const { return m_model; }

    std::optional<int64_t> currentNodeId() const;
    void selectNode(int64_t id);

    // Creates a node next to the selection: inside a selected folder/chapter, after a selected
    // scene/note, at the top level when nothing is selected. Selects it and returns its id.
    std::optional<int64_t> createNode(storage::NodeKind kind, const QString& title = {});
    // What Binder > New … does: createNode(), then in-place rename of the default title.
    // When the rename ends, newNodeNamed says so (the editor may take the focus then).
    std::optional<int64_t> createNodeAndRename(storage::NodeKind kind);
    void renameCurrent(); // starts in-place editing
    bool isRenaming() const { return state() == QAbstractItemView::EditingState; }
    bool trashCurrent();

    // The expanded nodes (remembered per project between sessions).
    QList<qint64> expandedNodeIds() const;
    void setExpandedNodeIds(const QList<qint64>& ids); // collapses all others

signals:
    void nodeActivated(int64_t nodeId);
    void nodeCleared(); // nothing selected any more
    void newNodeNamed(int64_t nodeId);
    // A hint for the status bar (e.g. why a drop is refused while dragging).
    void statusHint(const QString& message);
    // "Set Word Goal…" in the row's context menu.
    void goalRequested(int64_t nodeId);

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;
    void closeEditor(QWidget* editor, QAbstractItemDelegate::EndEditHint hint) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void rememberState();
    void restoreState();
    void onCurrentChanged(const QModelIndex& current);
    bool isOverRowMiddle(const QPoint& pos, const QModelIndex& index) const;

    BinderModel* m_model = nullptr;
    QSet<qint64> m_expanded;
    std::optional<int64_t> m_current;
    bool m_restoring = false;
    std::optional<int64_t> m_renamingNew; // created by createNodeAndRename, name being typed
};

} // namespace fabulist::ui
