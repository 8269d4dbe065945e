#pragma once
// Full-text search (SQLite FTS5) over every document's text (scenes, notes, characters, ...)
// and over generations (prompt, output, edited output). The index is kept in sync by triggers
// inside the same transaction as the change, so it is never stale.

#include "storage/binder_repository.h"
#include "storage/generation_repository.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

enum class SearchSource { Document, Generation };

struct SearchHit {
    SearchSource source = SearchSource::Document;
    int64_t id = 0;               // binder node id (Document) or generation id (Generation)
    std::optional<NodeKind> kind; // Document hits: the node's kind
    std::string title;            // node title, or the generation's task
    std::string snippet;          // a few words around the match, matches wrapped in the markers
    double rank = 0.0;            // bm25: lower is better; hits are sorted by it
    // Generation hits: what the writer did with it, and the document it was asked about.
    std::optional<GenerationStatus> status;
    std::optional<int64_t> documentId;
};

struct SearchOptions {
    int limit = 50;
    bool documents = true;
    bool generations = true;
    bool includeTrashed = false;
    // Filters (nullopt: all). kind: documents of that kind only. under: documents in that binder
    // subtree (the node itself included) and generations asked about one of them. status:
    // generations with that status only.
    std::optional<NodeKind> kind;
    std::optional<int64_t> under;
    std::optional<GenerationStatus> status;
    std::string markOpen = "["; // put around each matched term in snippets
    std::string markClose = "]";
};

class SearchRepository {
public:
    explicit SearchRepository(Database& db) : m_db(db) {}

    // The query is what the user typed: words (all must match, prefix match on the last one),
    // "quoted phrases"; FTS5 operators are not interpreted, so any input is safe.
    std::vector<SearchHit> search(std::string_view query, const SearchOptions& options = {}) const;

private:
    Database& m_db;
};

} // namespace fabulist::storage
