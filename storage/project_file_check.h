#pragma once
// Read-only checks a project file must pass before Fabulist opens it for writing. Nothing here
// writes to the file: a bad file stays byte-identical.

#include "storage/database.h"
#include "storage/migration.h"

#include <memory>
#include <span>
#include <string>

namespace fabulist::storage {

// Checks the raw SQLite header (magic, page size, size against the page count, application
// id): throws NotFound, NotAProject or Corrupt.
void checkFileHeader(const std::string& path);

// How deep the read-only check looks: quick_check on a normal open; integrity_check (which
// also compares every index with its table) after an unclean shutdown.
enum class CheckDepth { Quick, Full };

// Opens the file with SQLite read-only (access: ReadOnly or ReadOnlyImmutable) and checks
// application_id, user_version (against the given migration steps) and quick_check or
// integrity_check. Returns the read-only connection.
std::unique_ptr<Database>
openAndCheckReadOnly(const std::string& path, std::span<const MigrationStep> migrations,
                     CheckDepth depth = CheckDepth::Quick,
                     Database::Access access = Database::Access::ReadOnly);

// The name of the network file system the file lives on ("nfs", "cifs", ...), or empty for a
// local one. SQLite's WAL needs shared memory that network file systems do not provide.
std::string networkFileSystemOf(const std::string& path);
// Same, from statfs's f_type (exposed for tests: there is no network mount to test with).
std::string networkFileSystemName(long fileSystemType);

// True when Fabulist may create files in the file's folder (WAL's -wal and -shm).
bool folderIsWritable(const std::string& path);

// Number of hard links to the file (1 for an ordinary file; 0 when it cannot be read).
unsigned long hardLinkCount(const std::string& path);

// SQLite creates the -wal and -shm files beside a WAL-mode database even for a read-only
// connection. When a file turns out to be bad, removeCreated() deletes those this attempt
// created (if the log is empty), so a failed open leaves the folder as it found it.
class SidecarCleanup {
public:
    explicit SidecarCleanup(const std::string& path);
    void removeCreated();

private:
    std::string m_path;
    bool m_hadWal = false;
    bool m_hadShm = false;
};

// True when the file or its folder cannot be written (WAL needs to create files beside it).
// Looks at the permission bits as well as access(2), so that a file the user marked read-only
// counts as read-only even for root.
bool isWriteProtected(const std::string& path);

} // namespace fabulist::storage
