#include "storage/storyboard_repository.h"

#include "storage/database.h"
#include "storage/revision_repository.h"
#include "storage/statement.h"
#include "storage/storage_error.h"

namespace fabulist::storage {

namespace {

constexpr const char* kCardColumns =
    "id, board_id, title, text, color, x, y, document_id, generation_id, created_at";

Card readCard(const Statement& row) {
    Card card;
    card.id = row.columnInt64(0);
    card.boardId = row.columnInt64(1);
    card.title = row.columnText(2);
    card.text = row.columnText(3);
    card.color = static_cast<uint32_t>(row.columnInt64(4));
    card.x = row.columnDouble(5);
    card.y = row.columnDouble(6);
    card.documentId = row.columnOptionalInt64(7);
    card.generationId = row.columnOptionalInt64(8);
    card.createdAtMs = row.columnInt64(9);
    return card;
}

[[noreturn]] void notFound(Database& db, const char* what, int64_t id) {
    throw StorageError(StorageError::Kind::NotFound,
                       "Project '" + db.path() + "': " + what + " " + std::to_string(id) +
                           " does not exist (it may have been deleted).",
                       db.path());
}

void checkColor(Database& db, uint32_t color) {
    if (color > 0xFFFFFF)
        throw StorageError(StorageError::Kind::InvalidArgument,
                           "Card colour must be 0xRRGGBB (got " + std::to_string(color) + ")",
                           db.path());
}

} // namespace

int64_t StoryboardRepository::createBoard(std::string_view title) {
    Statement insert(m_db, "INSERT INTO board(title, position, created_at) "
                           "VALUES (?, (SELECT COALESCE(MAX(position) + 1, 0) FROM board), ?)");
    insert.bind(1, title).bind(2, currentTimeMs()).exec();
    return m_db.lastInsertRowId();
}

std::vector<Board> StoryboardRepository::boards() const {
    Statement query(m_db,
                    "SELECT id, title, position, created_at FROM board ORDER BY position, id");
    std::vector<Board> boards;
    while (query.step())
        boards.push_back(
            {query.columnInt64(0), query.columnText(1), query.columnInt(2), query.columnInt64(3)});
    return boards;
}

Board StoryboardRepository::board(int64_t id) const {
    Statement query(m_db, "SELECT id, title, position, created_at FROM board WHERE id = ?");
    if (!query.bind(1, id).step()) notFound(m_db, "board", id);
    return {query.columnInt64(0), query.columnText(1), query.columnInt(2), query.columnInt64(3)};
}

void StoryboardRepository::renameBoard(int64_t id, std::string_view title) {
    Statement update(m_db, "UPDATE board SET title = ? WHERE id = ?");
    update.bind(1, title).bind(2, id).exec();
    if (m_db.changes() == 0) notFound(m_db, "board", id);
}

void StoryboardRepository::removeBoard(int64_t id) {
    Statement erase(m_db, "DELETE FROM board WHERE id = ?"); // cards go by ON DELETE CASCADE
    erase.bind(1, id).exec();
    if (m_db.changes() == 0) notFound(m_db, "board", id);
}

int64_t StoryboardRepository::addCard(const Card& card) {
    checkColor(m_db, card.color);
    Statement insert(m_db, "INSERT INTO card(board_id, title, text, color, x, y, document_id, "
                           "generation_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, card.boardId).bind(2, card.title).bind(3, card.text);
    insert.bind(4, static_cast<int64_t>(card.color)).bind(5, card.x).bind(6, card.y);
    insert.bind(7, card.documentId).bind(8, card.generationId);
    insert.bind(9, card.createdAtMs ? card.createdAtMs : currentTimeMs()).exec();
    return m_db.lastInsertRowId();
}

void StoryboardRepository::updateCard(const Card& card) {
    checkColor(m_db, card.color);
    Statement update(m_db, "UPDATE card SET board_id = ?, title = ?, text = ?, color = ?, x = ?, "
                           "y = ?, document_id = ?, generation_id = ? WHERE id = ?");
    update.bind(1, card.boardId).bind(2, card.title).bind(3, card.text);
    update.bind(4, static_cast<int64_t>(card.color)).bind(5, card.x).bind(6, card.y);
    update.bind(7, card.documentId).bind(8, card.generationId).bind(9, card.id).exec();
    if (m_db.changes() == 0) notFound(m_db, "card", card.id);
}

void StoryboardRepository::moveCard(int64_t id, double x, double y) {
    Statement update(m_db, "UPDATE card SET x = ?, y = ? WHERE id = ?");
    update.bind(1, x).bind(2, y).bind(3, id).exec();
    if (m_db.changes() == 0) notFound(m_db, "card", id);
}

void StoryboardRepository::removeCard(int64_t id) {
    Statement erase(m_db, "DELETE FROM card WHERE id = ?");
    erase.bind(1, id).exec();
    if (m_db.changes() == 0) notFound(m_db, "card", id);
}

Card StoryboardRepository::card(int64_t id) const {
    Statement query(m_db, std::string("SELECT ") + kCardColumns + " FROM card WHERE id = ?");
    if (!query.bind(1, id).step()) notFound(m_db, "card", id);
    return readCard(query);
}

std::vector<Card> StoryboardRepository::cards(int64_t boardId) const {
    Statement query(m_db, std::string("SELECT ") + kCardColumns +
                              " FROM card WHERE board_id = ? ORDER BY id");
    query.bind(1, boardId);
    std::vector<Card> cards;
    while (query.step()) cards.push_back(readCard(query));
    return cards;
}

} // namespace fabulist::storage
