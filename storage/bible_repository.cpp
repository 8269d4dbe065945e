#include "storage/bible_repository.h"

#include "storage/database.h"
#include "storage/revision_repository.h"
#include "storage/statement.h"
#include "storage/storage_error.h"

#include <algorithm>
#include <unordered_map>

namespace fabulist::storage {

namespace {

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return std::string(text.substr(first, last - first + 1));
}

std::vector<std::string> splitLines(const std::string& joined) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= joined.size()) {
        const size_t end = std::min(joined.find('\n', start), joined.size());
        std::string line = trimmed(std::string_view(joined).substr(start, end - start));
        if (!line.empty()) lines.push_back(std::move(line));
        start = end + 1;
    }
    return lines;
}

const char* noteKindName(StoryNoteKind kind) {
    return kind == StoryNoteKind::Memory ? "memory" : "authors_note";
}

constexpr const char* kEntrySelect =
    "SELECT n.id, n.kind, n.title, COALESCE(b.aliases, ''), COALESCE(b.model_note, ''), "
    "COALESCE(d.text, ''), COALESCE(b.always_in, 0), COALESCE(b.modified_at, 0) "
    "FROM binder_node n LEFT JOIN bible_entry b ON b.node_id = n.id "
    "LEFT JOIN document d ON d.node_id = n.id ";

BibleEntry readEntry(const Statement& row) {
    BibleEntry e;
    e.nodeId = row.columnInt64(0);
    e.kind = nodeKindFromString(row.columnText(1)).value_or(NodeKind::Character);
    e.name = row.columnText(2);
    e.aliases = splitLines(row.columnText(3));
    e.modelNote = row.columnText(4);
    e.documentText = row.columnText(5);
    e.alwaysIn = row.columnInt(6) != 0;
    e.modifiedAtMs = row.columnInt64(7);
    return e;
}

} // namespace

std::vector<BibleEntry> BibleRepository::entries() const {
    std::unordered_map<int64_t, BibleEntry> byId;
    Statement query(m_db,
                    std::string(kEntrySelect) + "WHERE n.kind IN ('character', 'place')");
    while (query.step()) {
        BibleEntry e = readEntry(query);
        byId.emplace(e.nodeId, std::move(e));
    }
    // Binder order (and the trash) is the binder's to decide.
    std::vector<BibleEntry> found;
    for (const BinderNode& node : BinderRepository(m_db).tree())
        if (auto it = byId.find(node.id); it != byId.end()) found.push_back(std::move(it->second));
    return found;
}

BibleEntry BibleRepository::entry(int64_t nodeId) const {
    requireEntryNode(nodeId);
    Statement query(m_db, std::string(kEntrySelect) + "WHERE n.id = ?");
    query.bind(1, nodeId).step();
    return readEntry(query);
}

void BibleRepository::requireEntryNode(int64_t nodeId) const {
    const BinderNode node = BinderRepository(m_db).node(nodeId); // throws NotFound
    if (node.kind != NodeKind::Character && node.kind != NodeKind::Place)
        throw StorageError(StorageError::Kind::InvalidArgument,
                           "'" + node.title + "' is a " + toString(node.kind) +
                               ", not a character or a place: only those have bible fields.",
                           m_db.path());
}

void BibleRepository::ensureRow(int64_t nodeId) {
    requireEntryNode(nodeId);
    Statement insert(m_db, "INSERT OR IGNORE INTO bible_entry(node_id, modified_at) VALUES (?, ?)");
    insert.bind(1, nodeId).bind(2, currentTimeMs()).exec();
}

void BibleRepository::setAliases(int64_t nodeId, const std::vector<std::string>& aliases) {
    std::vector<std::string> kept;
    for (const std::string& alias : aliases)
        for (std::string& line : splitLines(alias))
            if (std::find(kept.begin(), kept.end(), line) == kept.end())
                kept.push_back(std::move(line));
    std::string joined;
    for (const std::string& alias : kept) {
        if (!joined.empty()) joined += '\n';
        joined += alias;
    }
    ensureRow(nodeId);
    Statement update(m_db,
                     "UPDATE bible_entry SET aliases = ?, modified_at = ? WHERE node_id = ?");
    update.bind(1, joined).bind(2, currentTimeMs()).bind(3, nodeId).exec();
}

void BibleRepository::setModelNote(int64_t nodeId, std::string_view note) {
    ensureRow(nodeId);
    Statement update(m_db,
                     "UPDATE bible_entry SET model_note = ?, modified_at = ? WHERE node_id = ?");
    update.bind(1, trimmed(note)).bind(2, currentTimeMs()).bind(3, nodeId).exec();
}

void BibleRepository::setAlwaysIn(int64_t nodeId, bool alwaysIn) {
    ensureRow(nodeId);
    Statement update(m_db,
                     "UPDATE bible_entry SET always_in = ?, modified_at = ? WHERE node_id = ?");
    update.bind(1, alwaysIn ? 1 : 0).bind(2, currentTimeMs()).bind(3, nodeId).exec();
}

std::string BibleRepository::storyNote(StoryNoteKind kind) const {
    Statement query(m_db, "SELECT text FROM story_note WHERE kind = ?");
    if (!query.bind(1, noteKindName(kind)).step()) return {};
    return query.columnText(0);
}

void BibleRepository::setStoryNote(StoryNoteKind kind, std::string_view text) {
    Statement upsert(m_db, "INSERT INTO story_note(kind, text, modified_at) VALUES (?, ?, ?) "
                           "ON CONFLICT(kind) DO UPDATE SET text = excluded.text, "
                           "modified_at = excluded.modified_at");
    upsert.bind(1, noteKindName(kind)).bind(2, text).bind(3, currentTimeMs()).exec();
}

} // namespace fabulist::storage
