#include "storage/search_repository.h"

#include "storage/database.h"
#include "storage/statement.h"

#include <algorithm>
#include <cctype>

namespace fabulist::storage {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Turns what the user typed into an FTS5 query in which every word or "phrase" is a quoted
// string, so FTS5 syntax characters (AND, NEAR, *, :, -, ^, parentheses) are just text. The
// last bare word becomes a prefix query so results appear while typing.
std::string toFtsQuery(std::string_view input) {
    std::vector<std::pair<std::string, bool>> terms; // text, is phrase
    size_t i = 0;
    while (i < input.size()) {
        if (isSpace(input[i])) {
            ++i;
            continue;
        }
        if (input[i] == '"') {
            const size_t end = input.find('"', i + 1);
            const size_t stop = end == std::string_view::npos ? input.size() : end;
            terms.emplace_back(std::string(input.substr(i + 1, stop - i - 1)), true);
            i = stop + 1;
            continue;
        }
        size_t end = i;
        while (end < input.size() && !isSpace(input[end]) && input[end] != '"') ++end;
        terms.emplace_back(std::string(input.substr(i, end - i)), false);
        i = end;
    }
    std::string query;
    for (size_t t = 0; t < terms.size(); ++t) {
        const auto& [text, phrase] = terms[t];
        // A term that holds no letters or digits would make FTS5 match nothing useful.
        if (std::none_of(text.begin(), text.end(), [](char c) {
                return static_cast<unsigned char>(c) >= 0x80 || std::isalnum(c);
            }))
            continue;
        if (!query.empty()) query += ' ';
        query += '"';
        for (char c : text) query += c == '"' ? std::string("\"\"") : std::string(1, c);
        query += '"';
        if (!phrase && t + 1 == terms.size()) query += '*';
    }
    return query;
}

// The ids of trashed nodes and of everything below them, and of the subtree under ?1 (the
// chapter filter; empty when ?1 is NULL).
constexpr const char* kHiddenAndScope =
    "WITH RECURSIVE hidden(id) AS (SELECT id FROM binder_node WHERE trashed = 1"
    " UNION SELECT b.id FROM binder_node b JOIN hidden h ON b.parent_id = h.id),"
    " scope(id) AS (SELECT id FROM binder_node WHERE id = ?1"
    " UNION SELECT b.id FROM binder_node b JOIN scope s ON b.parent_id = s.id) ";

// Aliases are stored one a line; in a snippet they read as a list.
constexpr const char* kBibleSnippet =
    "replace(snippet(bible_entry_fts, -1, ?2, ?3, '…', 16), char(10), ' · ')";

} // namespace

void SearchRepository::searchBibleEntries(const std::string& match, const SearchOptions& options,
                                          std::vector<SearchHit>& hits) const {
    Statement find(m_db, std::string(kHiddenAndScope) + "SELECT f.rowid, " + kBibleSnippet +
                             ", bm25(bible_entry_fts), b.title, b.kind "
                             "FROM bible_entry_fts f JOIN binder_node b ON b.id = f.rowid "
                             "WHERE bible_entry_fts MATCH ?4 AND (?5 OR f.rowid NOT IN hidden) "
                             "AND (?1 IS NULL OR f.rowid IN scope) "
                             "AND (?6 IS NULL OR b.kind = ?6) "
                             "ORDER BY bm25(bible_entry_fts) LIMIT ?7");
    find.bind(1, options.under).bind(2, options.markOpen).bind(3, options.markClose);
    find.bind(4, match).bind(5, options.includeTrashed ? 1 : 0);
    if (options.kind)
        find.bind(6, toString(*options.kind));
    else
        find.bindNull(6);
    find.bind(7, options.limit);
    while (find.step()) {
        SearchHit hit;
        hit.source = SearchSource::BibleEntry;
        hit.id = find.columnInt64(0);
        hit.snippet = find.columnText(1);
        hit.rank = find.columnDouble(2);
        hit.title = find.columnText(3);
        hit.kind = nodeKindFromString(find.columnText(4));
        hits.push_back(std::move(hit));
    }
}

void SearchRepository::searchStoryNotes(const std::string& match, const SearchOptions& options,
                                        std::vector<SearchHit>& hits) const {
    Statement find(m_db, "SELECT f.rowid, snippet(story_note_fts, 0, ?1, ?2, '…', 16), "
                         "bm25(story_note_fts), n.kind "
                         "FROM story_note_fts f JOIN story_note n ON n.rowid = f.rowid "
                         "WHERE story_note_fts MATCH ?3 ORDER BY bm25(story_note_fts) LIMIT ?4");
    find.bind(1, options.markOpen).bind(2, options.markClose).bind(3, match);
    find.bind(4, options.limit);
    while (find.step()) {
        SearchHit hit;
        hit.source = SearchSource::StoryNote;
        hit.id = find.columnInt64(0);
        hit.snippet = find.columnText(1);
        hit.rank = find.columnDouble(2);
        hit.title = find.columnText(3);
        hit.noteKind = hit.title == "memory" ? StoryNoteKind::Memory : StoryNoteKind::AuthorsNote;
        hits.push_back(std::move(hit));
    }
}

std::vector<SearchHit> SearchRepository::search(std::string_view query,
                                                const SearchOptions& options) const {
    std::vector<SearchHit> hits;
    const std::string match = toFtsQuery(query);
    if (match.empty() || options.limit <= 0) return hits;

    if (options.documents && !options.status) {
        Statement find(m_db, std::string(kHiddenAndScope) +
                                 "SELECT f.rowid, snippet(document_fts, 0, ?2, ?3, '…', 16), "
                                 "bm25(document_fts), b.title, b.kind "
                                 "FROM document_fts f JOIN binder_node b ON b.id = f.rowid "
                                 "WHERE document_fts MATCH ?4 AND (?5 OR f.rowid NOT IN hidden) "
                                 "AND (?1 IS NULL OR f.rowid IN scope) "
                                 "AND (?6 IS NULL OR b.kind = ?6) "
                                 "ORDER BY bm25(document_fts) LIMIT ?7");
        find.bind(1, options.under).bind(2, options.markOpen).bind(3, options.markClose);
        find.bind(4, match).bind(5, options.includeTrashed ? 1 : 0);
        if (options.kind)
            find.bind(6, toString(*options.kind));
        else
            find.bindNull(6);
        find.bind(7, options.limit);
        while (find.step()) {
            SearchHit hit;
            hit.source = SearchSource::Document;
            hit.id = find.columnInt64(0);
            hit.snippet = find.columnText(1);
            hit.rank = find.columnDouble(2);
            hit.title = find.columnText(3);
            hit.kind = nodeKindFromString(find.columnText(4));
            hits.push_back(std::move(hit));
        }
    }
    if (options.documents && options.bible && !options.status) {
        searchBibleEntries(match, options, hits);
        if (!options.kind && !options.under) searchStoryNotes(match, options, hits);
    }
    // A kind filter asks for documents of that kind, so no generation matches it.
    if (options.generations && !options.kind) {
        Statement find(m_db, std::string(kHiddenAndScope) +
                                 "SELECT f.rowid, snippet(generation_fts, -1, ?2, ?3, '…', 16), "
                                 "bm25(generation_fts), g.task, g.status, g.document_id "
                                 "FROM generation_fts f JOIN generation g ON g.id = f.rowid "
                                 "WHERE generation_fts MATCH ?4 "
                                 "AND (?1 IS NULL OR g.document_id IN scope) "
                                 "AND (?5 IS NULL OR g.status = ?5) "
                                 "ORDER BY bm25(generation_fts) LIMIT ?6");
        find.bind(1, options.under).bind(2, options.markOpen).bind(3, options.markClose);
        find.bind(4, match);
        if (options.status)
            find.bind(5, toString(*options.status));
        else
            find.bindNull(5);
        find.bind(6, options.limit);
        while (find.step()) {
            SearchHit hit;
            hit.source = SearchSource::Generation;
            hit.id = find.columnInt64(0);
            hit.snippet = find.columnText(1);
            hit.rank = find.columnDouble(2);
            hit.title = find.columnText(3);
            hit.status = generationStatusFromString(find.columnText(4));
            hit.documentId = find.columnOptionalInt64(5);
            hits.push_back(std::move(hit));
        }
    }
    std::stable_sort(hits.begin(), hits.end(),
                     [](const SearchHit& a, const SearchHit& b) { return a.rank < b.rank; });
    if (hits.size() > static_cast<size_t>(options.limit)) hits.resize(options.limit);
    return hits;
}

} // namespace fabulist::storage
