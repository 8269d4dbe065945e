#include "storage/revision_repository.h"

#include "storage/database.h"
#include "storage/document_repository.h"
#include "storage/statement.h"
#include "storage/storage_error.h"
#include "storage/transaction.h"

#include <chrono>
#include <ctime>
#include <set>

namespace fabulist::storage {

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

constexpr const char* kRevisionColumns = "id, node_id, kind, name, created_at, word_count";

Revision readRevision(const Statement& row) {
    Revision revision;
    revision.id = row.columnInt64(0);
    revision.nodeId = row.columnInt64(1);
    revision.kind = row.columnText(2) == "named" ? RevisionKind::Named : RevisionKind::Autosave;
    revision.name = row.columnText(3);
    revision.createdAtMs = row.columnInt64(4);
    revision.wordCount = row.columnInt64(5);
    return revision;
}

[[noreturn]] void revisionNotFound(Database& db, int64_t id) {
    throw StorageError(StorageError::Kind::NotFound,
                       "Project '" + db.path() + "': revision " + std::to_string(id) +
                           " does not exist (it may have been deleted).",
                       db.path());
}

std::string utcTime(int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &parts);
    return buffer;
}

int64_t insertRevision(Database& db, int64_t nodeId, const char* kind, std::string_view name,
                       int64_t nowMs) {
    Statement insert(db, "INSERT INTO revision(node_id, kind, name, text, word_count, created_at) "
                         "SELECT node_id, ?, ?, text, word_count, ? FROM document "
                         "WHERE node_id = ?");
    insert.bind(1, kind).bind(2, name).bind(3, nowMs).bind(4, nodeId).exec();
    if (db.changes() == 0) DocumentRepository(db).text(nodeId); // throws NotFound
    return db.lastInsertRowId();
}

} // namespace

int64_t currentTimeMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<int64_t> RevisionRepository::autosave(int64_t nodeId, int64_t nowMs) {
    Transaction transaction(m_db);
    Statement unchanged(m_db, "SELECT d.text = r.text FROM document d, revision r "
                              "WHERE d.node_id = ?1 AND r.node_id = ?1 "
                              "ORDER BY r.created_at DESC, r.id DESC LIMIT 1");
    if (unchanged.bind(1, nodeId).step() && unchanged.columnInt64(0) == 1) {
        transaction.commit();
        return std::nullopt;
    }
    const int64_t id = insertRevision(m_db, nodeId, "autosave", {}, nowMs);
    prune(nodeId, nowMs);
    transaction.commit();
    return id;
}

int64_t RevisionRepository::snapshot(int64_t nodeId, std::string_view name, int64_t nowMs) {
    return insertRevision(m_db, nodeId, "named", name, nowMs);
}

std::vector<Revision> RevisionRepository::list(int64_t nodeId) const {
    Statement query(m_db, std::string("SELECT ") + kRevisionColumns +
                              " FROM revision WHERE node_id = ? ORDER BY created_at DESC, id DESC");
    query.bind(1, nodeId);
    std::vector<Revision> revisions;
    while (query.step()) revisions.push_back(readRevision(query));
    return revisions;
}

Revision RevisionRepository::revision(int64_t revisionId) const {
    Statement query(m_db,
                    std::string("SELECT ") + kRevisionColumns + " FROM revision WHERE id = ?");
    if (!query.bind(1, revisionId).step()) revisionNotFound(m_db, revisionId);
    return readRevision(query);
}

std::string RevisionRepository::text(int64_t revisionId) const {
    Statement query(m_db, "SELECT text FROM revision WHERE id = ?");
    if (!query.bind(1, revisionId).step()) revisionNotFound(m_db, revisionId);
    return query.columnText(0);
}

int64_t RevisionRepository::restore(int64_t revisionId, int64_t nowMs) {
    Transaction transaction(m_db);
    const Revision target = revision(revisionId);
    const std::string label = target.name.empty() ? "autosave of " + utcTime(target.createdAtMs)
                                                  : "'" + target.name + "'";
    const int64_t safety =
        insertRevision(m_db, target.nodeId, "named", "Before restoring " + label, nowMs);
    DocumentRepository(m_db).setText(target.nodeId, text(revisionId));
    transaction.commit();
    return safety;
}

void RevisionRepository::rename(int64_t revisionId, std::string_view name) {
    Statement update(m_db, "UPDATE revision SET name = ?, kind = 'named' WHERE id = ?");
    update.bind(1, name).bind(2, revisionId).exec();
    if (m_db.changes() == 0) revisionNotFound(m_db, revisionId);
}

void RevisionRepository::remove(int64_t revisionId) {
    Statement erase(m_db, "DELETE FROM revision WHERE id = ?");
    erase.bind(1, revisionId).exec();
    if (m_db.changes() == 0) revisionNotFound(m_db, revisionId);
}

int RevisionRepository::prune(int64_t nodeId, int64_t nowMs) {
    Transaction transaction(m_db);
    std::vector<int64_t> doomed;
    {
        // Revisions of the last hour are all kept: the index skips them.
        Statement query(m_db, "SELECT id, created_at FROM revision "
                              "WHERE node_id = ? AND created_at <= ? AND kind = 'autosave' "
                              "ORDER BY created_at DESC, id DESC");
        query.bind(1, nodeId).bind(2, nowMs - kHourMs);
        // Newest first, so the first revision seen in a bucket is the one kept.
        std::set<int64_t> hourBuckets;
        std::set<int64_t> dayBuckets;
        while (query.step()) {
            const int64_t id = query.columnInt64(0);
            const int64_t createdAt = query.columnInt64(1);
            const int64_t age = nowMs - createdAt;
            if (age < kHourMs) continue;
            const bool kept = age < kDayMs ? hourBuckets.insert(createdAt / kHourMs).second
                                           : dayBuckets.insert(createdAt / kDayMs).second;
            if (!kept) doomed.push_back(id);
        }
    }
    Statement erase(m_db, "DELETE FROM revision WHERE id = ?");
    for (int64_t id : doomed) {
        erase.bind(1, id).exec();
    }
    transaction.commit();
    return static_cast<int>(doomed.size());
}

} // namespace fabulist::storage
