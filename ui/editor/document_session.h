#pragma once
// DocumentSession: the document model behind the editor (the editor only displays). It keeps one
// QTextDocument per opened binder node, so each keeps its own undo history while the writer moves
// between scenes, and it is the only place that writes text to the project:
//  - save(): the current text, ~1 s after typing stops (autosave timer) and at the latest a few
//    seconds after the first unsaved change while the writer keeps typing (maximum wait), on
//    document switch, when the editor loses focus, and on close;
//  - autosave revisions (storage prunes them): on document switch, on close, and every
//    kRevisionIntervalMs of editing, as storage's RevisionRepository asks;
//  - named snapshots and restore.
// Storage errors never escape: they are reported through saveFailed/errorOccurred with the
// storage message (which names the file), and the text stays in memory, marked unsaved.
#include "ui/theme.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

class QDateTime;
class QSyntaxHighlighter;
class QTextCursor;
class QTextDocument;

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class SpellChecker;

class DocumentSession : public QObject {
    Q_OBJECT
public:
    // Autosave revisions while the writer keeps typing in one document.
    static constexpr qint64 kRevisionIntervalMs = 5 * 60 * 1000;

    DocumentSession(storage::Project& project, ColorScheme scheme, QObject* parent = nullptr);
    ~DocumentSession() override;

    void setAutosaveDelay(int ms) { m_autosaveTimer.setInterval(ms); }
    int autosaveDelay() const { return m_autosaveTimer.interval(); }
    // The longest unsaved changes wait while the writer types without a pause.
    void setAutosaveMaxWait(int ms) { m_maxWaitTimer.setInterval(ms); }
    int autosaveMaxWait() const { return m_maxWaitTimer.interval(); }
    // How often a save while typing also takes an autosave revision (kRevisionIntervalMs).
    void setRevisionInterval(qint64 ms) { m_revisionIntervalMs = ms; }

    // Makes nodeId the current document (saving and snapshotting the previous one). Returns the
    // document to show, or nullptr when the node cannot be read (errorOccurred says why).
    QTextDocument* open(int64_t nodeId);
    // No current document (e.g. it was trashed). Saves it first.
    void closeCurrent();
    std::optional<int64_t> currentId() const { return m_currentId; }
    QTextDocument* currentDocument() const;

    // Writes the current text to the project if it changed. Returns false on a storage error.
    bool save();
    // save() and an autosave revision: what document switch and close do.
    bool saveAndSnapshot();
    bool hasUnsavedChanges() const;

    // Named snapshot of the current document (saved first); its id, or nullopt on error.
    std::optional<int64_t> takeSnapshot(const QString& name);
    // Makes a revision's text the current text. The current text is kept first as a named
    // snapshot "Before restore, <time>"; in the editor the replacement is one undoable edit.
    bool restoreRevision(int64_t revisionId);
    // The name of that safety snapshot when taken at `when`.
    static QString safetySnapshotName(const QDateTime& when);

    // For a change already written to the project (Replace All across the project): applies
    // `edit` to the node's open document as one undo step and leaves it saved. False when the
    // session has not opened that node (storage alone holds it then).
    bool applyStoredEdit(int64_t nodeId, const std::function<void(QTextCursor&)>& edit);

    // Drops the cached documents of nodes deleted for good (after Empty Trash).
    void forgetDeleted();

    void setColorScheme(ColorScheme scheme);
    // Underlines misspelled words in every document, open now or later.
    void setSpellChecker(SpellChecker* checker);

signals:
    void currentChanged(QTextDocument* document, std::optional<int64_t> nodeId);
    void saved(int64_t nodeId);
    void revisionsChanged(int64_t nodeId);
    void unsavedChanged(bool unsaved);
    void errorOccurred(const QString& message);

private:
    struct Entry {
        QTextDocument* document = nullptr;
        QSyntaxHighlighter* highlighter = nullptr;
        qint64 lastRevisionMs = 0; // when we last took an autosave revision of it
    };

    Entry* currentEntry();
    bool saveEntry(int64_t nodeId, Entry& entry);
    void snapshotEntry(int64_t nodeId, Entry& entry);
    void onContentsChanged();

    storage::Project& m_project;
    ColorScheme m_scheme;
    QPointer<SpellChecker> m_spell;
    std::map<int64_t, Entry> m_entries;
    std::optional<int64_t> m_currentId;
    QTimer m_autosaveTimer;
    QTimer m_maxWaitTimer; // runs from the first unsaved change; typing does not restart it
    qint64 m_revisionIntervalMs = kRevisionIntervalMs;
};

} // namespace fabulist::ui
