#pragma once
// ProjectReplace: replace across the project. plan() lists every document in scope (binder
// order, trash left out) whose text holds the find text, with its number of replacements and a
// before/after excerpt; apply() writes them: a named snapshot of each changed document, then its
// new text, all in ONE storage transaction, so a failure (a full disk, a document changed since
// the preview) rolls every document back and nothing is half-replaced. Documents the session has
// open get the same edit afterwards, as one undo step each.
#include <QList>
#include <QRegularExpression>
#include <QString>
#include <cstdint>
#include <optional>

namespace fabulist::storage {
class Project;
enum class NodeKind;
} // namespace fabulist::storage

namespace fabulist::ui {

class DocumentSession;

struct ReplaceOptions {
    bool caseSensitive = false;
    bool wholeWords = false;
    std::optional<storage::NodeKind> kind; // only documents of this kind
    std::optional<int64_t> under;          // only documents in this binder subtree
};

struct ReplaceChange {
    int64_t nodeId = 0;
    QString title;
    QList<QPair<int, int>> matches; // start, length in oldText (UTF-16)
    QString oldText;
    QString newText;
    QString before; // an excerpt around the first match, and the same after replacing
    QString after;
};

struct ReplacePlan {
    QString find;
    QString replacement;
    QList<ReplaceChange> changes;
    QString error; // non-empty: the plan could not be made
    int total() const;
};

class ProjectReplace {
public:
    // The find text as a literal pattern with the case and whole-word options.
    static QRegularExpression pattern(const QString& find, const ReplaceOptions& options);
    // Saves the session first so the project holds what the editor shows.
    static ReplacePlan plan(storage::Project& project, DocumentSession* session,
                            const QString& find, const QString& replacement,
                            const ReplaceOptions& options);
    // Writes the plan; the error message, or an empty string on success.
    static QString apply(storage::Project& project, DocumentSession* session,
                         const ReplacePlan& plan);
    // The name of each document's snapshot taken before replacing.
    static QString snapshotName(const ReplacePlan& plan);
};

} // namespace fabulist::ui
