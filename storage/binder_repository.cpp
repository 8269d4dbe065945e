#include "storage/binder_repository.h"

#include "storage/database.h"
#include "storage/enum_names.h"
#include "storage/revision_repository.h"
#include "storage/statement.h"
#include "storage/storage_error.h"
#include "storage/transaction.h"

#include <algorithm>
#include <map>

namespace fabulist::storage {

namespace {

using Kind = StorageError::Kind;

constexpr const char* kKindNames[] = {"folder", "chapter", "scene", "note", "character", "place"};

constexpr const char* kNodeColumns =
    "id, parent_id, kind, title, position, trashed, created_at, modified_at";

BinderNode readNode(const Statement& row) {
    BinderNode node;
    node.id = row.columnInt64(0);
    node.parentId = row.columnOptionalInt64(1);
    node.kind = nodeKindFromString(row.columnText(2)).value_or(NodeKind::Folder);
    node.title = row.columnText(3);
    node.position = row.columnInt(4);
    node.trashed = row.columnInt64(5) != 0;
    node.createdAtMs = row.columnInt64(6);
    node.modifiedAtMs = row.columnInt64(7);
    return node;
}

// "parent_id IS ?" matches NULL with NULL, so top-level siblings work like any others.
int siblingCount(Database& db, std::optional<int64_t> parentId) {
    Statement count(db, "SELECT COUNT(*) FROM binder_node WHERE parent_id IS ?");
    count.bind(1, parentId).step();
    return count.columnInt(0);
}

// Closes the gap a node leaves at (parentId, position).
void closeGap(Database& db, std::optional<int64_t> parentId, int position) {
    Statement shift(db, "UPDATE binder_node SET position = position - 1 "
                        "WHERE parent_id IS ? AND position > ?");
    shift.bind(1, parentId).bind(2, position).exec();
}

// Opens a gap at (parentId, position) for a node to move into.
void openGap(Database& db, std::optional<int64_t> parentId, int position) {
    Statement shift(db, "UPDATE binder_node SET position = position + 1 "
                        "WHERE parent_id IS ? AND position >= ?");
    shift.bind(1, parentId).bind(2, position).exec();
}

[[noreturn]] void nodeNotFound(Database& db, int64_t id) {
    throw StorageError(Kind::NotFound,
                       "Project '" + db.path() + "': binder item " + std::to_string(id) +
                           " does not exist (it may have been deleted).",
                       db.path());
}

} // namespace

const char* toString(NodeKind kind) noexcept {
    return enumName(kKindNames, kind);
}

std::optional<NodeKind> nodeKindFromString(std::string_view name) noexcept {
    return enumFromName<NodeKind>(kKindNames, name);
}

int64_t BinderRepository::create(NodeKind kind, std::string_view title,
                                 std::optional<int64_t> parentId, std::optional<int> position) {
    Transaction transaction(m_db);
    if (parentId) node(*parentId); // throws NotFound
    const int count = siblingCount(m_db, parentId);
    const int at = std::clamp(position.value_or(count), 0, count);
    openGap(m_db, parentId, at);
    const int64_t now = currentTimeMs();
    Statement insert(m_db, "INSERT INTO binder_node(parent_id, kind, title, position, created_at, "
                           "modified_at) VALUES (?, ?, ?, ?, ?, ?)");
    insert.bind(1, parentId).bind(2, toString(kind)).bind(3, title).bind(4, at).bind(5, now);
    insert.bind(6, now).exec();
    const int64_t id = m_db.lastInsertRowId();
    Statement document(m_db, "INSERT INTO document(node_id, text, word_count, modified_at) "
                             "VALUES (?, '', 0, ?)");
    document.bind(1, id).bind(2, now).exec();
    transaction.commit();
    return id;
}

BinderNode BinderRepository::node(int64_t id) const {
    auto found = find(id);
    if (!found) nodeNotFound(m_db, id);
    return *found;
}

std::optional<BinderNode> BinderRepository::find(int64_t id) const {
    Statement query(m_db, std::string("SELECT ") + kNodeColumns + " FROM binder_node WHERE id = ?");
    query.bind(1, id);
    if (!query.step()) return std::nullopt;
    return readNode(query);
}

std::vector<BinderNode> BinderRepository::children(std::optional<int64_t> parentId,
                                                   bool includeTrashed) const {
    Statement query(m_db, std::string("SELECT ") + kNodeColumns +
                              " FROM binder_node WHERE parent_id IS ? AND (? OR trashed = 0) "
                              "ORDER BY position");
    query.bind(1, parentId).bind(2, includeTrashed ? 1 : 0);
    std::vector<BinderNode> nodes;
    while (query.step()) nodes.push_back(readNode(query));
    return nodes;
}

std::vector<BinderNode> BinderRepository::tree(bool includeTrashed) const {
    // One query for all nodes, then the depth-first order in memory: cheaper than a query per
    // folder and the binder is small (hundreds to a few thousand nodes).
    Statement query(m_db, std::string("SELECT ") + kNodeColumns +
                              " FROM binder_node ORDER BY parent_id, position");
    std::map<std::optional<int64_t>, std::vector<BinderNode>> byParent;
    while (query.step()) {
        BinderNode node = readNode(query);
        byParent[node.parentId].push_back(std::move(node));
    }
    std::vector<BinderNode> ordered;
    std::vector<std::pair<std::optional<int64_t>, size_t>> stack{{std::nullopt, 0}};
    while (!stack.empty()) {
        auto& [parent, next] = stack.back();
        auto it = byParent.find(parent);
        if (it == byParent.end() || next >= it->second.size()) {
            stack.pop_back();
            continue;
        }
        const BinderNode& node = it->second[next++];
        if (node.trashed && !includeTrashed) continue;
        ordered.push_back(node);
        stack.emplace_back(node.id, 0);
    }
    return ordered;
}

std::vector<BinderNode> BinderRepository::trashed() const {
    Statement query(m_db, std::string("SELECT ") + kNodeColumns +
                              " FROM binder_node WHERE trashed = 1 ORDER BY trashed_at DESC, id");
    std::vector<BinderNode> nodes;
    while (query.step()) nodes.push_back(readNode(query));
    return nodes;
}

bool BinderRepository::isInTrash(int64_t id) const {
    Statement query(m_db, "WITH RECURSIVE up(id, parent_id, trashed) AS ("
                          " SELECT id, parent_id, trashed FROM binder_node WHERE id = ?"
                          " UNION ALL SELECT b.id, b.parent_id, b.trashed FROM binder_node b"
                          " JOIN up ON b.id = up.parent_id)"
                          " SELECT COUNT(*), COALESCE(MAX(trashed), 0) FROM up");
    query.bind(1, id).step();
    if (query.columnInt64(0) == 0) nodeNotFound(m_db, id);
    return query.columnInt64(1) != 0;
}

void BinderRepository::rename(int64_t id, std::string_view title) {
    Statement update(m_db, "UPDATE binder_node SET title = ?, modified_at = ? WHERE id = ?");
    update.bind(1, title).bind(2, currentTimeMs()).bind(3, id).exec();
    if (m_db.changes() == 0) nodeNotFound(m_db, id);
}

void BinderRepository::move(int64_t id, std::optional<int64_t> newParentId, int position) {
    Transaction transaction(m_db);
    const BinderNode moving = node(id);
    // Walk up from the new parent: meeting the node itself would create a cycle.
    for (std::optional<int64_t> up = newParentId; up;) {
        if (*up == id)
            throw StorageError(Kind::InvalidArgument,
                               "Cannot move '" + moving.title +
                                   "' into itself or into one of "
                                   "its own sub-items.",
                               m_db.path());
        up = node(*up).parentId;
    }
    closeGap(m_db, moving.parentId, moving.position);
    // Park the node outside every sibling list while positions shift.
    Statement park(m_db, "UPDATE binder_node SET position = -1 WHERE id = ?");
    park.bind(1, id).exec();
    const int count = siblingCount(m_db, newParentId) - (moving.parentId == newParentId ? 1 : 0);
    const int at = std::clamp(position, 0, count);
    openGap(m_db, newParentId, at);
    Statement place(m_db, "UPDATE binder_node SET parent_id = ?, position = ?, modified_at = ? "
                          "WHERE id = ?");
    place.bind(1, newParentId).bind(2, at).bind(3, currentTimeMs()).bind(4, id).exec();
    transaction.commit();
}

void BinderRepository::trash(int64_t id) {
    Statement update(m_db, "UPDATE binder_node SET trashed = 1, trashed_at = ? WHERE id = ?");
    update.bind(1, currentTimeMs()).bind(2, id).exec();
    if (m_db.changes() == 0) nodeNotFound(m_db, id);
}

void BinderRepository::restore(int64_t id) {
    Transaction transaction(m_db);
    node(id); // throws NotFound
    // The node and its trashed ancestors: otherwise it would stay hidden under a trashed folder.
    Statement update(m_db, "WITH RECURSIVE up(id, parent_id) AS ("
                           " SELECT id, parent_id FROM binder_node WHERE id = ?"
                           " UNION ALL SELECT b.id, b.parent_id FROM binder_node b"
                           " JOIN up ON b.id = up.parent_id)"
                           " UPDATE binder_node SET trashed = 0, trashed_at = NULL"
                           " WHERE id IN (SELECT id FROM up) AND trashed = 1");
    update.bind(1, id).exec();
    transaction.commit();
}

void BinderRepository::purge(int64_t id) {
    Transaction transaction(m_db);
    const BinderNode gone = node(id);
    if (!gone.trashed)
        throw StorageError(Kind::InvalidArgument,
                           "'" + gone.title + "' is not in the trash; move it to the trash first.",
                           m_db.path());
    // ON DELETE CASCADE removes the subtree, texts and revisions; SET NULL unlinks generations
    // and cards; the FTS triggers drop the texts from the index.
    Statement remove(m_db, "DELETE FROM binder_node WHERE id = ?");
    remove.bind(1, id).exec();
    closeGap(m_db, gone.parentId, gone.position);
    transaction.commit();
}

void BinderRepository::emptyTrash() {
    Transaction transaction(m_db);
    for (;;) {
        // Re-read each time: purging a folder may already have removed trashed nodes below it.
        int64_t id = 0;
        {
            Statement next(m_db, "SELECT id FROM binder_node WHERE trashed = 1 LIMIT 1");
            if (!next.step()) break;
            id = next.columnInt64(0);
        }
        purge(id);
    }
    transaction.commit();
}

} // namespace fabulist::storage
