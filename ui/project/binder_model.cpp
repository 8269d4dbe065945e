#include "ui/project/binder_model.h"

#include "storage/storage_error.h"
#include "ui/project/node_icons.h"

#include <QDataStream>
#include <QIODevice>
#include <QMimeData>
#include <functional>

namespace fabulist::ui {

namespace {
QString toQString(const std::string& s) {
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}
} // namespace

QString kindLabel(storage::NodeKind kind) {
    using K = storage::NodeKind;
    switch (kind) {
    case K::Folder:
        return BinderModel::tr("Folder");
    case K::Chapter:
        return BinderModel::tr("Chapter");
    case K::Scene:
        return BinderModel::tr("Scene");
    case K::Note:
        return BinderModel::tr("Note");
    case K::Character:
        return BinderModel::tr("Character");
    case K::Place:
        return BinderModel::tr("Place");
    }
    return {};
}

QString defaultTitle(storage::NodeKind kind) {
    return BinderModel::tr("New %1").arg(kindLabel(kind));
}

BinderModel::BinderModel(storage::BinderRepository& binder, QObject* parent)
    : QAbstractItemModel(parent), m_binder(binder) {
    reload();
}

BinderModel::~BinderModel() = default;

void BinderModel::reload() {
    std::vector<storage::BinderNode> nodes;
    try {
        nodes = m_binder.tree(false);
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return;
    }
    beginResetModel();
    m_root.children.clear();
    // tree() lists parents before children in binder order, so one pass builds the tree.
    std::map<int64_t, Item*> byId;
    for (storage::BinderNode& n : nodes) {
        Item* parent = &m_root;
        if (n.parentId) {
            auto it = byId.find(*n.parentId);
            if (it == byId.end()) continue; // parent hidden (trashed): hidden too
            parent = it->second;
        }
        auto item = std::make_unique<Item>();
        item->node = std::move(n);
        item->parent = parent;
        item->row = int(parent->children.size());
        byId[item->node.id] = item.get();
        parent->children.push_back(std::move(item));
    }
    endResetModel();
}

BinderModel::Item* BinderModel::itemAt(const QModelIndex& index) const {
    if (!index.isValid()) return const_cast<Item*>(&m_root);
    return static_cast<Item*>(index.internalPointer());
}

BinderModel::Item* BinderModel::findItem(int64_t id) const {
    std::function<Item*(const Item&)> walk = [&](const Item& item) -> Item* {
        for (const auto& child : item.children) {
            if (child->node.id == id) return child.get();
            if (Item* found = walk(*child)) return found;
        }
        return nullptr;
    };
    return walk(m_root);
}

QModelIndex BinderModel::indexOf(int64_t nodeId) const {
    Item* item = findItem(nodeId);
    return item ? createIndex(item->row, 0, item) : QModelIndex();
}

std::optional<int64_t> BinderModel::nodeId(const QModelIndex& index) const {
    if (!index.isValid()) return std::nullopt;
    return itemAt(index)->node.id;
}

std::optional<storage::BinderNode> BinderModel::node(const QModelIndex& index) const {
    if (!index.isValid()) return std::nullopt;
    return itemAt(index)->node;
}

QModelIndex BinderModel::index(int row, int column, const QModelIndex& parent) const {
    const Item* p = itemAt(parent);
    if (column != 0 || row < 0 || row >= int(p->children.size())) return {};
    return createIndex(row, 0, p->children[size_t(row)].get());
}

QModelIndex BinderModel::parent(const QModelIndex& child) const {
    if (!child.isValid()) return {};
    Item* p = itemAt(child)->parent;
    if (!p || p == &m_root) return {};
    return createIndex(p->row, 0, p);
}

int BinderModel::rowCount(const QModelIndex& parent) const {
    if (parent.column() > 0) return 0;
    return int(itemAt(parent)->children.size());
}

int BinderModel::columnCount(const QModelIndex&) const {
    return 1;
}

QVariant BinderModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const storage::BinderNode& n = itemAt(index)->node;
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        return toQString(n.title);
    case Qt::DecorationRole:
        return nodeIcon(n.kind);
    case Qt::ToolTipRole:
        return kindLabel(n.kind);
    case NodeIdRole:
        return QVariant::fromValue<qint64>(n.id);
    case NodeKindRole:
        return int(n.kind);
    default:
        return {};
    }
}

bool BinderModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (!index.isValid() || role != Qt::EditRole) return false;
    const QString title = value.toString().trimmed();
    if (title.isEmpty()) return false;
    return renameNode(itemAt(index)->node.id, title);
}

Qt::ItemFlags BinderModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::ItemIsDropEnabled; // dropping on empty space: top level
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemIsDragEnabled |
           Qt::ItemIsDropEnabled;
}

std::optional<int64_t> BinderModel::createNode(storage::NodeKind kind, const QString& title,
                                               std::optional<int64_t> parentId,
                                               std::optional<int> position) {
    int64_t id = 0;
    try {
        id = m_binder.create(kind, title.toUtf8().toStdString(), parentId, position);
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return std::nullopt;
    }
    reload();
    emit binderChanged();
    return id;
}

bool BinderModel::renameNode(int64_t id, const QString& title) {
    try {
        m_binder.rename(id, title.toUtf8().toStdString());
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    // A rename changes one row: update it in place so an open editor of the row stays calm.
    if (Item* item = findItem(id)) {
        item->node.title = title.toUtf8().toStdString();
        const QModelIndex idx = createIndex(item->row, 0, item);
        emit dataChanged(idx, idx);
    }
    emit binderChanged();
    return true;
}

bool BinderModel::isAncestorOrSelf(int64_t ancestor, int64_t nodeId) const {
    for (Item* item = findItem(nodeId); item && item != &m_root; item = item->parent)
        if (item->node.id == ancestor) return true;
    return false;
}

bool BinderModel::moveNode(int64_t id, std::optional<int64_t> parentId, int row) {
    try {
        const storage::BinderNode moving = m_binder.node(id);
        const std::vector<storage::BinderNode> all = m_binder.children(parentId, true);
        std::vector<const storage::BinderNode*> visible;
        for (const auto& n : all)
            if (!n.trashed) visible.push_back(&n);
        const bool sameParent = moving.parentId == parentId;
        // storage::move takes the final index among all siblings (the node itself removed).
        int position;
        if (row < 0 || row >= int(visible.size())) {
            position = int(all.size()) - (sameParent ? 1 : 0);
        } else {
            position = visible[size_t(row)]->position;
            if (sameParent && moving.position < position) --position;
        }
        if (sameParent && moving.position == position) return true;
        m_binder.move(id, parentId, position);
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    reload();
    emit binderChanged();
    return true;
}

bool BinderModel::trashNode(int64_t id) {
    try {
        m_binder.trash(id);
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    reload();
    emit binderChanged();
    return true;
}

Qt::DropActions BinderModel::supportedDropActions() const {
    return Qt::MoveAction;
}
Qt::DropActions BinderModel::supportedDragActions() const {
    return Qt::MoveAction;
}

QStringList BinderModel::mimeTypes() const {
    return {QString::fromLatin1(kMimeType)};
}

QMimeData* BinderModel::mimeData(const QModelIndexList& indexes) const {
    QByteArray bytes;
    QDataStream out(&bytes, QIODevice::WriteOnly);
    for (const QModelIndex& idx : indexes)
        if (idx.isValid()) out << qint64(itemAt(idx)->node.id);
    auto* data = new QMimeData;
    data->setData(QString::fromLatin1(kMimeType), bytes);
    return data;
}

std::vector<int64_t> BinderModel::decodeIds(const QMimeData* data) {
    std::vector<int64_t> ids;
    if (!data) return ids;
    QByteArray bytes = data->data(QString::fromLatin1(kMimeType));
    QDataStream in(&bytes, QIODevice::ReadOnly);
    while (!in.atEnd()) {
        qint64 id = 0;
        in >> id;
        if (in.status() != QDataStream::Ok) break;
        ids.push_back(id);
    }
    return ids;
}

bool BinderModel::holdsChildren(storage::NodeKind kind) {
    using K = storage::NodeKind;
    return kind == K::Folder || kind == K::Chapter || kind == K::Scene;
}

// row == -1 with a valid parent is a drop onto that row, not between its children.
bool BinderModel::needsNestModifier(int row, const QModelIndex& parent) const {
    return row < 0 && parent.isValid() && !holdsChildren(itemAt(parent)->node.kind);
}

bool BinderModel::canDropMimeData(const QMimeData* data, Qt::DropAction action, int row, int,
                                  const QModelIndex& parent) const {
    if (action != Qt::MoveAction || !data || !data->hasFormat(QString::fromLatin1(kMimeType)))
        return false;
    if (needsNestModifier(row, parent) && !(m_dropModifiers & kNestModifier)) return false;
    // A node cannot go inside itself or its own subtree.
    const std::optional<int64_t> target = nodeId(parent);
    for (int64_t id : decodeIds(data))
        if (target && isAncestorOrSelf(id, *target)) return false;
    return true;
}

bool BinderModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                               const QModelIndex& parent) {
    if (!canDropMimeData(data, action, row, column, parent)) return false;
    const std::optional<int64_t> parentId = nodeId(parent);
    bool ok = true;
    int insertRow = row;
    for (int64_t id : decodeIds(data)) {
        ok = moveNode(id, parentId, insertRow) && ok;
        // The next dragged node goes after this one.
        if (insertRow >= 0) {
            const QModelIndex moved = indexOf(id);
            insertRow = moved.isValid() ? moved.row() + 1 : insertRow;
        }
    }
    // The view must not remove the source rows itself: reload() already shows the result.
    return false;
}

} // namespace fabulist::ui
