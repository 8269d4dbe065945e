#pragma once
// Revisions: copies of a document's text at a moment. Two kinds:
//  - Autosave: taken by autosave() (the editor calls it on document switch, on quit and every
//    few minutes of editing) and pruned by age so that history stays useful and small:
//      * younger than 1 hour:  all kept;
//      * 1 hour .. 1 day old:  the newest one of each clock hour kept;
//      * older than 1 day:     the newest one of each UTC day kept.
//  - Named: taken on request (snapshot()) and never pruned.
// restore() first takes a Named snapshot of the current text ("Before restoring ..."), so a
// restore never loses anything.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

class Database;

// Milliseconds since the Unix epoch, UTC: the clock every *AtMs field uses.
int64_t currentTimeMs();

enum class RevisionKind { Autosave, Named };

struct Revision {
    int64_t id = 0;
    int64_t nodeId = 0;
    RevisionKind kind = RevisionKind::Autosave;
    std::string name; // empty for autosaves
    int64_t createdAtMs = 0;
    int64_t wordCount = 0;
    // The text is not part of list() results (it may be large); read it with text(id).
};

class RevisionRepository {
public:
    explicit RevisionRepository(Database& db) : m_db(db) {}

    // Snapshots the node's current text as an Autosave revision, unless it equals the newest
    // revision's text (then returns nullopt), and prunes the node's autosaves (policy above).
    std::optional<int64_t> autosave(int64_t nodeId, int64_t nowMs = currentTimeMs());
    // Snapshots the node's current text as a Named revision (always, even if unchanged).
    int64_t snapshot(int64_t nodeId, std::string_view name, int64_t nowMs = currentTimeMs());

    std::vector<Revision> list(int64_t nodeId) const; // newest first
    Revision revision(int64_t revisionId) const;      // throws NotFound
    std::string text(int64_t revisionId) const;       // throws NotFound

    // Makes the revision's text the node's current text. First snapshots the current text as a
    // Named revision "Before restoring <name or time>"; returns that safety snapshot's id.
    int64_t restore(int64_t revisionId, int64_t nowMs = currentTimeMs());
    void rename(int64_t revisionId, std::string_view name); // an Autosave renamed becomes Named
    void remove(int64_t revisionId);

    // Applies the autosave pruning policy to one node; returns how many revisions it deleted.
    int prune(int64_t nodeId, int64_t nowMs = currentTimeMs());

private:
    Database& m_db;
};

} // namespace fabulist::storage
