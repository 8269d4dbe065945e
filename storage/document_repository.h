#pragma once
// The current text of each binder node (UTF-8, Markdown-ish plain text), with its word count
// kept up to date on every save so that tree views never load the text to count it. Saving
// also updates the full-text index in the same transaction.

#include <cstdint>
#include <string>
#include <string_view>

namespace fabulist::storage {

class Database;

// Words are runs of characters separated by whitespace (ASCII whitespace and U+00A0); the
// same rule the editor's status bar uses.
int64_t countWords(std::string_view text) noexcept;

class DocumentRepository {
public:
    explicit DocumentRepository(Database& db) : m_db(db) {}

    std::string text(int64_t nodeId) const; // throws NotFound
    // Replaces the node's text (the editor's autosave calls this ~1 s after typing stops). One
    // transaction: text, word count, modified time, search index. Saving identical text is a
    // no-op. Snapshots are separate: see RevisionRepository::autosave.
    void setText(int64_t nodeId, std::string_view text);
    int64_t wordCount(int64_t nodeId) const;
    int64_t modifiedAtMs(int64_t nodeId) const;

private:
    Database& m_db;
};

} // namespace fabulist::storage
