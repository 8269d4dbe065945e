#pragma once
// Project: one open `.fabulist` file (an SQLite database) and the repositories that read and
// change it. A Project is not thread-safe: use it from one thread (the UI thread).
//
// Opening never modifies a bad file. Project::open first inspects the file read-only (SQLite
// header, application_id, user_version, PRAGMA quick_check, or integrity_check when its last
// editor did not close it), refuses places where two editors could write it at once (a file
// with several hard links, a network file system), takes the single-editor lock, and only then
// opens it for writing. A file in a folder Fabulist may not write to opens for viewing
// (OpenMode::ReadOnly) through SQLite's immutable mode. Failures throw StorageError with a kind and
// a message that names the file and says what to do:
//   NotFound     - no such file
//   NotAProject  - not an SQLite file, or one from another application (application_id)
//   Corrupt      - damaged or truncated
//   NewerSchema  - made by a newer Fabulist
//   ReadOnly     - the file or its folder is not writable, or it is on a network file system
//                  (open with OpenMode::ReadOnly to view)
//   AlreadyOpen  - open in another Fabulist window or process
//   InvalidArgument - a project file with more than one hard link (for editing)
//
// File settings: WAL journal, foreign keys on, synchronous=FULL (see project.cpp for why).

#include "storage/bible_repository.h"
#include "storage/binder_repository.h"
#include "storage/database.h"
#include "storage/document_repository.h"
#include "storage/generation_repository.h"
#include "storage/migration.h"
#include "storage/revision_repository.h"
#include "storage/search_repository.h"
#include "storage/storyboard_repository.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace fabulist::storage {

class OpenFileRegistration;
class ProjectLock;

// PRAGMA application_id of every Fabulist project: "FbLs" in ASCII.
inline constexpr int32_t kApplicationId = 0x46624C73;
// The suffix of project files.
inline constexpr const char* kProjectSuffix = ".fabulist";

enum class OpenMode {
    ReadWrite, // the normal mode: takes the single-editor lock; refuses read-only files
    ReadOnly,  // for viewing and export (fabulist-cli info/export-text): no lock, no writes;
               // every change throws StorageError(ReadOnly)
};

struct OpenOptions {
    OpenMode mode = OpenMode::ReadWrite;
    // Migration steps to bring the file up to date; empty: builtinMigrations(). Tests pass
    // their own list to exercise upgrades.
    std::span<const MigrationStep> migrations = {};
};

class Project {
public:
    // Creates a new, empty project file (no binder nodes) and opens it read-write. Throws
    // StorageError when the path exists (it never overwrites) or cannot be written.
    static std::unique_ptr<Project> create(const std::string& path, std::string_view title = {});
    static std::unique_ptr<Project> open(const std::string& path, const OpenOptions& options = {});

    ~Project();
    Project(const Project&) = delete;
    Project& operator=(const Project&) = delete;

    const std::string& path() const { return m_path; }
    bool isReadOnly() const;
    int schemaVersion() const;

    // The project's title (shown in the window title); defaults to the file's base name.
    std::string title() const;
    void setTitle(std::string_view title);

    BinderRepository& binder() { return m_binder; }
    DocumentRepository& documents() { return m_documents; }
    RevisionRepository& revisions() { return m_revisions; }
    GenerationRepository& generations() { return m_generations; }
    StoryboardRepository& storyboard() { return m_storyboard; }
    SearchRepository& search() { return m_search; }
    BibleRepository& bible() { return m_bible; }
    // For multi-repository changes: Transaction tx(project.database()); ...; tx.commit();
    Database& database() { return *m_db; }

    // PRAGMA integrity_check: "ok" when the file is sound, else SQLite's first findings.
    std::string integrityCheck();

private:
    Project(std::string path, std::unique_ptr<Database> db, std::unique_ptr<ProjectLock> lock,
            bool editing);

    std::string m_path;
    // Both released after the database is closed (members are destroyed in reverse order).
    std::unique_ptr<OpenFileRegistration> m_registration;
    std::unique_ptr<ProjectLock> m_lock;
    std::unique_ptr<Database> m_db;
    BinderRepository m_binder;
    DocumentRepository m_documents;
    RevisionRepository m_revisions;
    GenerationRepository m_generations;
    StoryboardRepository m_storyboard;
    SearchRepository m_search;
    BibleRepository m_bible;
};

} // namespace fabulist::storage
