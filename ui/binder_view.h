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
    void renameCurrent(); // starts in-place editing
    bool trashCurrent();

signals:
    void nodeActivated(int64_t nodeId);
    void nodeCleared(); // nothing selected any more

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    void rememberState();
    void restoreState();
    void onCurrentChanged(const QModelIndex& current);

    BinderModel* m_model = nullptr;
    QSet<qint64> m_expanded;
    std::optional<int64_t> m_current;
    bool m_restoring = false;
};

} // namespace fabulist::ui
