#pragma once
// ProjectDictionary: the words the writer added to this project's spelling dictionary ("Add to
// Project Dictionary"). They live in the project file, so they travel with the book and count in
// every document of it. Stored as one project_meta row ("spelling_words": the words, one a line,
// sorted), which needs no schema change.

#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

class ProjectDictionary {
public:
    explicit ProjectDictionary(Database& db) : m_db(db) {}

    // Sorted, without duplicates.
    std::vector<std::string> words() const;
    // Adds a word (UTF-8, no line breaks; surrounding white space is dropped). Returns false
    // when it was already there or is empty. Throws StorageError (ReadOnly on a viewed project).
    bool add(std::string_view word);
    bool remove(std::string_view word);

private:
    void store(const std::vector<std::string>& words);

    Database& m_db;
};

} // namespace fabulist::storage
