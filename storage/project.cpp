#include "storage/project.h"

#include "storage/open_file_registry.h"
#include "storage/project_file_check.h"
#include "storage/project_lock.h"
#include "storage/statement.h"
#include "storage/storage_error.h"
#include "storage/transaction.h"

#include <filesystem>
#include <system_error>

namespace fabulist::storage {

namespace {

using Kind = StorageError::Kind;

// Durability: WAL with synchronous=FULL. A commit appends the transaction to the -wal file and
// fdatasyncs it before it returns, so an acknowledged save is on the disk: a crash, SIGKILL or
// power cut loses nothing that was acknowledged (tests/storage: the kill test and the power-cut
// test). NORMAL would sync the log only at checkpoints, so a power cut could take back
// every save since the last one. The cost is one fdatasync per save (autosave, snapshot,
// generation record); storage_bench measures it.
constexpr const char* kConnectionPragmas = "PRAGMA foreign_keys = ON;"
                                           "PRAGMA synchronous = FULL;";

void enableWal(Database& db) {
    const std::string mode = db.queryText("PRAGMA journal_mode = WAL");
    if (mode != "wal")
        throw StorageError(Kind::Io,
                           "Cannot switch '" + db.path() + "' to write-ahead logging (mode is '" +
                               mode + "'). Keep projects on a local disk.",
                           db.path());
}

std::string baseTitle(const std::string& path) {
    return std::filesystem::path(path).stem().string();
}

// Before a file is upgraded to a newer schema, a copy of it as it was goes beside it
// ("<file>.schema-v<N>.backup"), so the writer can still open it with the older Fabulist that
// made it. An existing backup is the older one and is kept. A failed backup stops the open
// before anything changes.
void backupBeforeUpgrade(Database& db, const std::string& path, int64_t version) {
    const std::string target = path + ".schema-v" + std::to_string(version) + ".backup";
    std::error_code error;
    if (std::filesystem::is_regular_file(target, error)) return;
    const bool occupied = std::filesystem::exists(target, error); // a folder, say: not ours
    try {
        Statement vacuum(db, "VACUUM INTO ?");
        vacuum.bind(1, target).exec();
    } catch (const StorageError& e) {
        if (!occupied) std::filesystem::remove(target, error);
        throw StorageError(e.kind(),
                           "'" + path +
                               "' needs an upgrade for this version of Fabulist, but "
                               "the safety copy '" +
                               target + "' could not be written (" + e.what() +
                               "). Free some disk space or make the folder "
                               "writable, then open the project again; it was not changed.",
                           path);
    }
}

uint64_t walBytes(const std::string& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path + "-wal", error);
    return error ? 0 : size;
}

// A project whose last editor did not close it (its lock file left unheld, or a log with no
// lock file at all) gets integrity_check, which also compares every index with its table.
CheckDepth checkDepthFor(const std::string& path) {
    const ProjectLock::State lock = ProjectLock::probe(path);
    const bool unclean = lock == ProjectLock::State::LeftBehind ||
                         (lock == ProjectLock::State::Absent && walBytes(path) > 0);
    return unclean ? CheckDepth::Full : CheckDepth::Quick;
}

// Where a project file lives, as far as opening it goes.
struct Place {
    std::string network;          // the network file system's name; empty on a local disk
    bool canMakeSidecars = false; // WAL's -wal and -shm can be created beside the file
};

Place placeOf(const std::string& path) {
    Place place;
    place.network = networkFileSystemOf(path);
    place.canMakeSidecars = place.network.empty() && folderIsWritable(path);
    return place;
}

// Refuses what would let two editors write one file, or WAL run where it cannot work.
void refuseUnsafePlaces(const std::string& path, const Place& place, bool editing) {
    if (editing && !place.network.empty())
        throw StorageError(Kind::ReadOnly,
                           "'" + path + "' is on a network file system (" + place.network +
                               "), where Fabulist cannot keep a project safe from two writers. "
                               "Copy it to a local disk to edit it, or open it read-only.",
                           path);
    const unsigned long links = hardLinkCount(path);
    if (editing && links > 1)
        throw StorageError(Kind::InvalidArgument,
                           "'" + path + "' has " + std::to_string(links) +
                               " hard links, so another name could open it a second time and "
                               "two editors would write it at once. Remove the other links, or "
                               "copy the file (cp) and open the copy.",
                           path);
}

// Viewing a project in a folder Fabulist may not write to (or on a network file system) uses
// SQLite's immutable mode, as long as there is no log to replay.
Database::Access viewingAccess(const std::string& path, const Place& place) {
    return !place.canMakeSidecars && walBytes(path) == 0 ? Database::Access::ReadOnlyImmutable
                                                         : Database::Access::ReadOnly;
}

void removeProjectFiles(const std::string& path) {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ignored);
}

} // namespace

Project::Project(std::string path, std::unique_ptr<Database> db, std::unique_ptr<ProjectLock> lock,
                 bool editing)
    : m_path(std::move(path)),
      m_registration(OpenFileRegistry::add(m_path, editing ? OpenFileRegistry::Use::Editing
                                                           : OpenFileRegistry::Use::Viewing)),
      m_lock(std::move(lock)), m_db(std::move(db)), m_binder(*m_db), m_documents(*m_db),
      m_revisions(*m_db), m_generations(*m_db), m_storyboard(*m_db), m_search(*m_db), m_bible(*m_db) {}

Project::~Project() = default;

std::unique_ptr<Project> Project::create(const std::string& path, std::string_view title) {
    std::error_code error;
    const std::string network =
        networkFileSystemOf(std::filesystem::absolute(path, error).parent_path().string());
    if (!network.empty())
        throw StorageError(Kind::ReadOnly,
                           "Cannot create '" + path +
                               "': the folder is on a network file system (" + network +
                               "). Create the project on a local disk.",
                           path);
    if (std::filesystem::exists(path, error))
        throw StorageError(Kind::InvalidArgument,
                           "'" + path +
                               "' already exists. Choose another name; Fabulist never "
                               "overwrites a file when creating a project.",
                           path);
    std::unique_ptr<Database> db;
    std::unique_ptr<ProjectLock> lock;
    try {
        db = std::make_unique<Database>(path, Database::Access::ReadWriteCreate);
        lock = std::make_unique<ProjectLock>(path);
        // The application id goes in first, in rollback-journal mode, so that it reaches the
        // file's header immediately (the header check on open relies on it).
        db->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        enableWal(*db);
        db->exec(kConnectionPragmas);
        runMigrations(*db, builtinMigrations());
        Transaction transaction(*db);
        Statement meta(*db, "INSERT INTO project_meta(key, value) VALUES (?, ?)");
        meta.bind(1, "title").bind(2, title.empty() ? baseTitle(path) : std::string(title)).exec();
        meta.bind(1, "created_at").bind(2, std::to_string(currentTimeMs())).exec();
        transaction.commit();
    } catch (...) {
        db.reset();
        lock.reset();
        removeProjectFiles(path);
        throw;
    }
    return std::unique_ptr<Project>(new Project(path, std::move(db), std::move(lock), true));
}

std::unique_ptr<Project> Project::open(const std::string& path, const OpenOptions& options) {
    const std::span<const MigrationStep> migrations =
        options.migrations.empty() ? builtinMigrations() : options.migrations;
    const int latest = migrations.back().toVersion;

    // 0. Already open in this process? A second editor is refused before anything else; and
    //    while SQLite has the file open here we must not open a descriptor of our own on it
    //    (closing it would drop SQLite's POSIX locks), so the raw header check is skipped.
    const OpenFileRegistry::Use inProcess = OpenFileRegistry::use(path);
    if (inProcess == OpenFileRegistry::Use::Editing && options.mode == OpenMode::ReadWrite)
        throw StorageError(Kind::AlreadyOpen,
                           "'" + path +
                               "' is already open in another Fabulist window. Switch to that "
                               "window, or close the project there and try again.",
                           path);

    // 1. Inspect the file without SQLite, then with a read-only connection. Nothing writes.
    if (inProcess == OpenFileRegistry::Use::None) checkFileHeader(path);
    const Place place = placeOf(path);
    refuseUnsafePlaces(path, place, options.mode == OpenMode::ReadWrite);
    SidecarCleanup sidecars(path);
    std::unique_ptr<Database> checked;
    try {
        checked =
            openAndCheckReadOnly(path, migrations, checkDepthFor(path), viewingAccess(path, place));
    } catch (const StorageError&) {
        sidecars.removeCreated(); // after the connection is gone (unwound above)
        throw;
    }

    if (options.mode == OpenMode::ReadOnly) {
        if (checked->queryInt64("PRAGMA user_version") < latest)
            throw StorageError(Kind::ReadOnly,
                               "'" + path +
                                   "' was made by an older Fabulist and must be upgraded before "
                                   "it can be viewed. Open it once for editing to upgrade it.",
                               path);
        return std::unique_ptr<Project>(new Project(path, std::move(checked), nullptr, false));
    }
    checked.reset();

    // 2. Refuse files the user cannot (or chose not to) write; they can be viewed read-only.
    if (isWriteProtected(path))
        throw StorageError(Kind::ReadOnly,
                           "'" + path +
                               "' is read-only (the file or its folder cannot be written). Make "
                               "it writable (for example chmod u+w), copy it to a writable "
                               "folder, or open it read-only to view and export it.",
                           path);

    // 3. One editor at a time; then the real connection.
    auto lock = std::make_unique<ProjectLock>(path);
    auto db = std::make_unique<Database>(path, Database::Access::ReadWrite);
    enableWal(*db);
    db->exec(kConnectionPragmas);
    const int64_t version = db->queryInt64("PRAGMA user_version");
    if (version >= 1 && version < latest) backupBeforeUpgrade(*db, path, version);
    runMigrations(*db, migrations);
    return std::unique_ptr<Project>(new Project(path, std::move(db), std::move(lock), true));
}

bool Project::isReadOnly() const {
    return m_db->isReadOnly();
}

int Project::schemaVersion() const {
    return static_cast<int>(m_db->queryInt64("PRAGMA user_version"));
}

std::string Project::title() const {
    Statement query(*m_db, "SELECT value FROM project_meta WHERE key = 'title'");
    return query.step() ? query.columnText(0) : baseTitle(m_path);
}

void Project::setTitle(std::string_view title) {
    Statement update(*m_db, "INSERT INTO project_meta(key, value) VALUES ('title', ?) "
                            "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    update.bind(1, title).exec();
}

std::string Project::integrityCheck() {
    return m_db->queryText("PRAGMA integrity_check");
}

} // namespace fabulist::storage
