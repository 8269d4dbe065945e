#pragma once
// Full-text search (SQLite FTS5) over every document's text (scenes, notes, characters, ...),
// the story bible (characters' and places' aliases and notes for the model, the project's
// Memory and Author's Note) and over generations (prompt, output, edited output). The index is kept
// in sync by triggers inside the same transaction as the change, so it is never stale.

#include "storage/bible_repository.h"
#include "storage/binder_repository.h"
#include "storage/generation_repository.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

// BibleEntry: a character's or place's aliases or note for the model; StoryNote: Memory or
// Author's Note.
enum class SearchSource { Document, Generation, BibleEntry, StoryNote };

struct SearchHit {
    SearchSource source = SearchSource::Document;
    int64_t id = 0; // binder node id (Document, BibleEntry) or generation id (Generation)
    std::optional<NodeKind> kind; // Document and BibleEntry hits: the node's kind
    std::string title;            // node title, the generation's task, or "memory" /
                                  // "authors_note" (StoryNote)
    std::string snippet;          // a few words around the match, matches wrapped in the markers
    double rank = 0.0;            // bm25: lower is better; hits are sorted by it
    // Generation hits: what the writer did with it, and the document it was asked about.
    std::optional<GenerationStatus> status;
    std::optional<int64_t> documentId;
    std::optional<StoryNoteKind> noteKind; // StoryNote hits: which one
};

struct SearchOptions {
    int limit = 50;
    bool documents = true;
    bool generations = true;
    bool bible = true; // bible entries and story notes, with the documents (documents = true)
    bool includeTrashed = false;
    // Filters (nullopt: all). kind: documents of that kind only. under: documents in that binder
    // subtree (the node itself included) and generations asked about one of them. status:
    // generations with that status only. Story notes belong to no kind or subtree: a kind or
    // under filter leaves them out.
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
    void searchBibleEntries(const std::string& match, const SearchOptions& options,
                            std::vector<SearchHit>& hits) const;
    void searchStoryNotes(const std::string& match, const SearchOptions& options,
                          std::vector<SearchHit>& hits) const;

    Database& m_db;
};

} // namespace fabulist::storage
