#pragma once
// BinderModel: the project's binder tree (storage::BinderRepository) as a Qt item model, without
// the trashed nodes. Every change goes to storage first and the model then re-reads the tree:
// binders hold hundreds of nodes, not millions, and one source of truth beats incremental
// bookkeeping. Rows drag and drop by node id (internal moves only).
#include "storage/binder_repository.h"

#include <QAbstractItemModel>
#include <memory>
#include <optional>
#include <vector>

namespace fabulist::ui {

class BinderModel : public QAbstractItemModel {
    Q_OBJECT
public:
    static constexpr int NodeIdRole = Qt::UserRole + 1;
    static constexpr int NodeKindRole = Qt::UserRole + 2;
    static constexpr const char* kMimeType = "application/x-fabulist-binder-nodes";

    explicit BinderModel(storage::BinderRepository& binder, QObject* parent = nullptr);
    ~BinderModel() override;

    // Re-reads the tree from storage (after any change, or when another view changed it).
    void reload();

    QModelIndex indexOf(int64_t nodeId) const;
    std::optional<int64_t> nodeId(const QModelIndex& index) const;
    std::optional<storage::BinderNode> node(const QModelIndex& index) const;

    // Storage operations; each returns false and emits errorOccurred on a storage error.
    std::optional<int64_t> createNode(storage::NodeKind kind, const QString& title,
                                      std::optional<int64_t> parentId,
                                      std::optional<int> position = {});
    bool renameNode(int64_t id, const QString& title);
    // Moves id under parentId so that it ends up before the visible sibling now at `row` (row ==
    // -1 or past the end: last). Rows are what the view shows; storage positions also count
    // trashed siblings, which is why the translation happens here.
    bool moveNode(int64_t id, std::optional<int64_t> parentId, int row);
    bool trashNode(int64_t id);

    // QAbstractItemModel
    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    Qt::DropActions supportedDropActions() const override;
    Qt::DropActions supportedDragActions() const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    bool canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                         const QModelIndex& parent) const override;
    bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                      const QModelIndex& parent) override;

    // Only folders, chapters and scenes take children by a drop onto them; a note, character or
    // place does too while the writer holds kNestModifier (the view says so while dragging).
    static constexpr Qt::KeyboardModifier kNestModifier = Qt::ShiftModifier;
    static bool holdsChildren(storage::NodeKind kind);
    // The modifiers of the drag in progress (the view sets them before asking canDrop*).
    void setDropModifiers(Qt::KeyboardModifiers modifiers) { m_dropModifiers = modifiers; }
    // Whether a drop onto parent (not between rows) is refused only for want of kNestModifier.
    bool needsNestModifier(int row, const QModelIndex& parent) const;

signals:
    void errorOccurred(const QString& message);
    // After a successful change: the view restores selection and the trash view refreshes.
    void binderChanged();

private:
    struct Item {
        storage::BinderNode node;
        Item* parent = nullptr;
        std::vector<std::unique_ptr<Item>> children;
        int row = 0;
    };

    Item* itemAt(const QModelIndex& index) const;
    Item* findItem(int64_t id) const;
    bool isAncestorOrSelf(int64_t ancestor, int64_t node) const;
    static std::vector<int64_t> decodeIds(const QMimeData* data);

    storage::BinderRepository& m_binder;
    Item m_root; // invisible; its children are the top-level nodes
    Qt::KeyboardModifiers m_dropModifiers;
};

// A title the writer sees for a new node of this kind ("New Scene").
QString defaultTitle(storage::NodeKind kind);
// The kind's name in the UI ("Scene").
QString kindLabel(storage::NodeKind kind);

} // namespace fabulist::ui
