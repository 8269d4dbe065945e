#include "storage/document_repository.h"

#include "storage/database.h"
#include "storage/revision_repository.h"
#include "storage/statement.h"
#include "storage/storage_error.h"
#include "storage/transaction.h"

namespace fabulist::storage {

namespace {

[[noreturn]] void documentNotFound(Database& db, int64_t nodeId) {
    throw StorageError(StorageError::Kind::NotFound,
                       "Project '" + db.path() + "': document " + std::to_string(nodeId) +
                           " does not exist (it may have been deleted).",
                       db.path());
}

} // namespace

int64_t countWords(std::string_view text) noexcept {
    int64_t words = 0;
    bool inWord = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        // U+00A0 NO-BREAK SPACE is C2 A0 in UTF-8.
        if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
            space = true;
            ++i;
        }
        if (space) {
            inWord = false;
        } else if (!inWord) {
            inWord = true;
            ++words;
        }
    }
    return words;
}

std::string DocumentRepository::text(int64_t nodeId) const {
    Statement query(m_db, "SELECT text FROM document WHERE node_id = ?");
    query.bind(1, nodeId);
    if (!query.step()) documentNotFound(m_db, nodeId);
    return query.columnText(0);
}

void DocumentRepository::setText(int64_t nodeId, std::string_view text) {
    Transaction transaction(m_db);
    // "text IS NOT ?" skips identical saves: no index churn, no modified-time bump. The FTS
    // trigger runs inside this transaction, so text and index commit together.
    Statement update(m_db, "UPDATE document SET text = ?1, word_count = ?2, modified_at = ?3 "
                           "WHERE node_id = ?4 AND text IS NOT ?1");
    update.bind(1, text).bind(2, countWords(text)).bind(3, currentTimeMs()).bind(4, nodeId).exec();
    if (m_db.changes() == 0) {
        Statement exists(m_db, "SELECT 1 FROM document WHERE node_id = ?");
        if (!exists.bind(1, nodeId).step()) documentNotFound(m_db, nodeId);
    }
    transaction.commit();
}

int64_t DocumentRepository::wordCount(int64_t nodeId) const {
    Statement query(m_db, "SELECT word_count FROM document WHERE node_id = ?");
    if (!query.bind(1, nodeId).step()) documentNotFound(m_db, nodeId);
    return query.columnInt64(0);
}

int64_t DocumentRepository::modifiedAtMs(int64_t nodeId) const {
    Statement query(m_db, "SELECT modified_at FROM document WHERE node_id = ?");
    if (!query.bind(1, nodeId).step()) documentNotFound(m_db, nodeId);
    return query.columnInt64(0);
}

} // namespace fabulist::storage
