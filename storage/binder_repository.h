#pragma once
// The binder: the tree the writer organises the project in (folders, chapters, scenes, notes,
// characters, places). Every node is also a document with its own text (DocumentRepository),
// folders included (a folder's text is its synopsis/notes).
//
// Order: siblings carry dense positions 0..n-1 (trashed siblings keep theirs, so that restore
// puts a node back exactly where it was). Trash is a flag: a trashed node stays under its
// parent at its position and is hidden, together with its whole subtree, from the normal views.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

enum class NodeKind { Folder, Chapter, Scene, Note, Character, Place };

// "folder", "chapter", ...: the text stored in the file and printed by the CLI.
const char* toString(NodeKind kind) noexcept;
// The inverse of toString; std::nullopt for an unknown name.
std::optional<NodeKind> nodeKindFromString(std::string_view name) noexcept;

struct BinderNode {
    int64_t id = 0;
    std::optional<int64_t> parentId; // std::nullopt: a top-level node
    NodeKind kind = NodeKind::Folder;
    std::string title;
    int position = 0;     // among its siblings, 0-based
    bool trashed = false; // this node itself is in the trash (ancestors may be too)
    int64_t createdAtMs = 0;
    int64_t modifiedAtMs = 0; // title/place/text change, ms since the Unix epoch (UTC)
};

class BinderRepository {
public:
    explicit BinderRepository(Database& db) : m_db(db) {}

    // Positions count every sibling, trashed ones included (they keep their place for
    // restore): they are BinderNode::position values, indexes into children(parent, true).

    // Creates a node (and its empty document) under parentId (nullopt: top level) at position
    // (nullopt or past the end: last). Returns the new id.
    int64_t create(NodeKind kind, std::string_view title, std::optional<int64_t> parentId = {},
                   std::optional<int> position = {});

    BinderNode node(int64_t id) const;                // throws NotFound
    std::optional<BinderNode> find(int64_t id) const; // nullopt when there is no such node

    // Direct children in order. With includeTrashed=false, trashed children are left out.
    std::vector<BinderNode> children(std::optional<int64_t> parentId,
                                     bool includeTrashed = false) const;
    // The whole tree depth-first in binder order (parent before its children). With
    // includeTrashed=false, trashed nodes and everything under them are left out.
    std::vector<BinderNode> tree(bool includeTrashed = false) const;
    // The nodes whose own trashed flag is set (the Trash view), most recently trashed first.
    std::vector<BinderNode> trashed() const;
    // True when the node or one of its ancestors is trashed.
    bool isInTrash(int64_t id) const;

    void rename(int64_t id, std::string_view title);
    // Moves the node under newParentId (nullopt: top level) so that it ends up at `position`
    // among the new parent's children: the final index, counted with the node itself taken
    // out of its old place (clamped to 0..count). Throws InvalidArgument when newParentId is
    // the node itself or one of its descendants.
    void move(int64_t id, std::optional<int64_t> newParentId, int position);

    // Puts the node (and with it its subtree) in the trash.
    void trash(int64_t id);
    // Takes the node out of the trash, back at its parent and position; trashed ancestors are
    // restored too so that the node becomes visible again.
    void restore(int64_t id);
    // Deletes a trashed node and its subtree for good (their text, revisions; generations and
    // cards that pointed at them lose the link). Throws InvalidArgument when it is not trashed.
    void purge(int64_t id);
    // Purges every trashed node.
    void emptyTrash();

private:
    Database& m_db;
};

} // namespace fabulist::storage
