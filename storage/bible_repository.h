#pragma once
// The story bible: what the model should know about the story. Every character and place in
// the binder (not in the trash) is an entry: its title is its name, and it gains aliases, a
// short note for the model (empty: its document text is read) and "always in the prompt". The
// project's Memory (read first, always) and Author's Note (read a few paragraphs before the
// cursor) live here too. Which entries a prompt reads is decided elsewhere
// (inference/prompting/story_context.h); this stores them.

#include "storage/binder_repository.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

struct BibleEntry {
    int64_t nodeId = 0;
    NodeKind kind = NodeKind::Character; // Character or Place
    std::string name;                    // the binder title
    std::vector<std::string> aliases;    // other names it goes by, in the writer's order
    std::string modelNote;               // what the model should know; may be empty
    std::string documentText;            // the node's own text (the writer's notes)
    bool alwaysIn = false;               // read by every prompt, mentioned or not
    int64_t modifiedAtMs = 0;            // of the bible fields; 0 when never set

    // What the model reads about it: the note, or the document text when there is none.
    const std::string& textForModel() const { return modelNote.empty() ? documentText : modelNote; }
};

enum class StoryNoteKind { Memory, AuthorsNote };

class BibleRepository {
public:
    explicit BibleRepository(Database& db) : m_db(db) {}

    // Characters and places outside the trash, in binder order.
    std::vector<BibleEntry> entries() const;
    // Throws NotFound when there is no such node and InvalidArgument when it is not a
    // character or a place.
    BibleEntry entry(int64_t nodeId) const;

    // Aliases: surrounding white space is dropped, empty ones and repeats are left out; a line
    // break inside one splits it.
    void setAliases(int64_t nodeId, const std::vector<std::string>& aliases);
    void setModelNote(int64_t nodeId, std::string_view note);
    void setAlwaysIn(int64_t nodeId, bool alwaysIn);

    std::string storyNote(StoryNoteKind kind) const; // '' when never written
    void setStoryNote(StoryNoteKind kind, std::string_view text);

private:
    void requireEntryNode(int64_t nodeId) const;
    void ensureRow(int64_t nodeId);

    Database& m_db;
};

} // namespace fabulist::storage
