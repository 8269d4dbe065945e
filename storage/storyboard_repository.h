#pragma once
// Storyboards: boards of cards the writer arranges freely (plot lines, timelines). A card may
// link to a binder node (a scene it stands for) or to a generation (an idea the model offered).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

struct Board {
    int64_t id = 0;
    std::string title;
    int position = 0; // boards are listed in this order
    int64_t createdAtMs = 0;
};

struct Card {
    int64_t id = 0;
    int64_t boardId = 0;
    std::string title;
    std::string text;
    uint32_t color = 0xF5E6A8; // 0xRRGGBB
    double x = 0.0;            // top-left corner on the board, in board units (pixels at 100%)
    double y = 0.0;
    std::optional<int64_t> documentId;   // linked binder node
    std::optional<int64_t> generationId; // linked generation
    int64_t createdAtMs = 0;
};

class StoryboardRepository {
public:
    explicit StoryboardRepository(Database& db) : m_db(db) {}

    int64_t createBoard(std::string_view title); // appended after the existing boards
    std::vector<Board> boards() const;
    Board board(int64_t id) const; // throws NotFound
    void renameBoard(int64_t id, std::string_view title);
    void removeBoard(int64_t id); // and its cards

    // Adds a card to card.boardId (its id is ignored); returns the new id.
    int64_t addCard(const Card& card);
    // Saves every field of the card (matched by card.id).
    void updateCard(const Card& card);
    void moveCard(int64_t id, double x, double y);
    void removeCard(int64_t id);
    Card card(int64_t id) const;                    // throws NotFound
    std::vector<Card> cards(int64_t boardId) const; // in creation order (stacking order)

private:
    Database& m_db;
};

} // namespace fabulist::storage
