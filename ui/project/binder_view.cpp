#include "ui/project/binder_view.h"

#include "ui/project/binder_model.h"

#include <QContextMenuEvent>
#include <QDragMoveEvent>
#include <QHeaderView>
#include <QMenu>
#include <utility>

namespace fabulist::ui {

BinderView::BinderView(QWidget* parent) : QTreeView(parent) {
    setObjectName(QStringLiteral("binderView"));
    setHeaderHidden(true);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setDragDropMode(QAbstractItemView::InternalMove);
    setDefaultDropAction(Qt::MoveAction);
    setDragEnabled(true);
    setAcceptDrops(true);
    setDropIndicatorShown(true);
    setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::SelectedClicked);
    setIndentation(16);
    setIconSize(QSize(16, 16));
    setFrameShape(QFrame::NoFrame);
}

void BinderView::setBinderModel(BinderModel* model) {
    // Ids are per project: what we remembered about the previous one means nothing now.
    m_current.reset();
    m_expanded.clear();
    m_restoring = false;
    m_model = model;
    setModel(model);
    if (!model) return;
    connect(model, &QAbstractItemModel::modelAboutToBeReset, this, &BinderView::rememberState);
    connect(model, &QAbstractItemModel::modelReset, this, &BinderView::restoreState);
    connect(selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentChanged(current); });
    // A fresh project shows its top level opened one step: the manuscript's chapters.
    expandToDepth(0);
}

std::optional<int64_t> BinderView::currentNodeId() const {
    return m_model ? m_model->nodeId(currentIndex()) : std::nullopt;
}

void BinderView::selectNode(int64_t id) {
    const QModelIndex idx = m_model->indexOf(id);
    if (!idx.isValid()) return;
    for (QModelIndex p = idx.parent(); p.isValid(); p = p.parent()) expand(p);
    setCurrentIndex(idx);
    scrollTo(idx);
}

void BinderView::onCurrentChanged(const QModelIndex& current) {
    if (m_restoring) return;
    const std::optional<int64_t> id = m_model->nodeId(current);
    if (id == m_current) return;
    m_current = id;
    if (id)
        emit nodeActivated(*id);
    else
        emit nodeCleared();
}

void BinderView::rememberState() {
    m_expanded.clear();
    for (qint64 id : expandedNodeIds()) m_expanded.insert(id);
    m_restoring = true;
}

QList<qint64> BinderView::expandedNodeIds() const {
    QList<qint64> ids;
    if (!m_model) return ids;
    std::function<void(const QModelIndex&)> walk = [&](const QModelIndex& parent) {
        for (int r = 0; r < m_model->rowCount(parent); ++r) {
            const QModelIndex idx = m_model->index(r, 0, parent);
            if (isExpanded(idx)) {
                ids << *m_model->nodeId(idx);
                walk(idx);
            }
        }
    };
    walk({});
    return ids;
}

void BinderView::setExpandedNodeIds(const QList<qint64>& ids) {
    if (!m_model) return;
    collapseAll();
    for (qint64 id : ids) {
        const QModelIndex idx = m_model->indexOf(id);
        if (idx.isValid()) expand(idx);
    }
}

void BinderView::restoreState() {
    for (qint64 id : std::as_const(m_expanded)) {
        const QModelIndex idx = m_model->indexOf(id);
        if (idx.isValid()) expand(idx);
    }
    const QModelIndex current = m_current ? m_model->indexOf(*m_current) : QModelIndex();
    setCurrentIndex(current);
    m_restoring = false;
    // The current node may have disappeared (trashed with its parent).
    if (!current.isValid() && m_current) {
        m_current.reset();
        emit nodeCleared();
    }
}

std::optional<int64_t> BinderView::createNode(storage::NodeKind kind, const QString& title) {
    using K = storage::NodeKind;
    std::optional<int64_t> parentId;
    std::optional<int> position;
    const std::optional<storage::BinderNode> selected = m_model->node(currentIndex());
    if (selected) {
        const bool container =
            selected->kind == K::Folder ||
            (selected->kind == K::Chapter && kind != K::Chapter && kind != K::Folder);
        if (container) {
            parentId = selected->id;
        } else {
            parentId = selected->parentId;
            position = selected->position + 1;
        }
    }
    const QString name = title.isEmpty() ? defaultTitle(kind) : title;
    const std::optional<int64_t> id = m_model->createNode(kind, name, parentId, position);
    if (id) selectNode(*id);
    return id;
}

std::optional<int64_t> BinderView::createNodeAndRename(storage::NodeKind kind) {
    const std::optional<int64_t> id = createNode(kind);
    // Hidden (focus mode), there is no row to type into: the default title stays.
    if (id && isVisible() && currentIndex().isValid()) {
        m_renamingNew = id;
        edit(currentIndex());
    }
    return id;
}

void BinderView::closeEditor(QWidget* editor, QAbstractItemDelegate::EndEditHint hint) {
    QTreeView::closeEditor(editor, hint);
    const std::optional<int64_t> id = std::exchange(m_renamingNew, std::nullopt);
    // Return or Esc ended it; a click elsewhere (NoHint) leaves the focus where it went.
    if (id && hint != QAbstractItemDelegate::NoHint) emit newNodeNamed(*id);
}

void BinderView::renameCurrent() {
    if (currentIndex().isValid()) edit(currentIndex());
}

bool BinderView::trashCurrent() {
    const std::optional<int64_t> id = currentNodeId();
    if (!id) return false;
    // Select a neighbour first so the writer lands somewhere sensible.
    const QModelIndex idx = currentIndex();
    QModelIndex next = idx.sibling(idx.row() + 1, 0);
    if (!next.isValid()) next = idx.sibling(idx.row() - 1, 0);
    if (!next.isValid()) next = idx.parent();
    const std::optional<int64_t> nextId = m_model->nodeId(next);
    if (!m_model->trashNode(*id)) return false;
    if (nextId)
        selectNode(*nextId);
    else
        setCurrentIndex({});
    return true;
}

void BinderView::contextMenuEvent(QContextMenuEvent* event) {
    using K = storage::NodeKind;
    setCurrentIndex(indexAt(event->pos()));
    QMenu menu(this);
    QMenu* add = menu.addMenu(tr("New"));
    for (K kind : {K::Folder, K::Chapter, K::Scene, K::Note, K::Character, K::Place})
        add->addAction(kindLabel(kind), this, [this, kind] { createNodeAndRename(kind); });
    if (currentIndex().isValid()) {
        menu.addAction(tr("Rename"), this, &BinderView::renameCurrent);
        if (const auto id = currentNodeId())
            menu.addAction(tr("Set Word &Goal\u2026"), this,
                           [this, id] { emit goalRequested(*id); });
        menu.addSeparator();
        menu.addAction(tr("Move to Trash"), this, &BinderView::trashCurrent);
    }
    menu.exec(event->globalPos());
}

namespace {
QString refusedNestingHint(storage::NodeKind kind) {
    switch (kind) {
    case storage::NodeKind::Character:
        return BinderView::tr("Characters don't hold other items; hold Shift to nest");
    case storage::NodeKind::Place:
        return BinderView::tr("Places don't hold other items; hold Shift to nest");
    default:
        return BinderView::tr("Notes don't hold other items; hold Shift to nest");
    }
}
} // namespace

// The view's own rule for "onto the row" rather than "between rows" (QAbstractItemView's
// margins), so the hint appears exactly where the drop is refused.
bool BinderView::isOverRowMiddle(const QPoint& pos, const QModelIndex& index) const {
    const QRect rect = visualRect(index);
    const int margin = qBound(2, qRound(qreal(rect.height()) / 5.5), 12);
    return pos.y() - rect.top() >= margin && rect.bottom() - pos.y() >= margin;
}

void BinderView::dragEnterEvent(QDragEnterEvent* event) {
    if (m_model) m_model->setDropModifiers(event->modifiers());
    QTreeView::dragEnterEvent(event);
}

void BinderView::dragMoveEvent(QDragMoveEvent* event) {
    if (m_model) m_model->setDropModifiers(event->modifiers());
    QTreeView::dragMoveEvent(event);
    if (!m_model || event->isAccepted()) return;
    const QPoint pos = event->position().toPoint();
    const QModelIndex target = indexAt(pos);
    if (target.isValid() && isOverRowMiddle(pos, target) && m_model->needsNestModifier(-1, target))
        emit statusHint(refusedNestingHint(m_model->node(target)->kind));
}

void BinderView::dropEvent(QDropEvent* event) {
    if (m_model) m_model->setDropModifiers(event->modifiers());
    QTreeView::dropEvent(event);
}

} // namespace fabulist::ui
