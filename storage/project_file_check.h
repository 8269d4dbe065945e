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

// Opens the file with SQLite read-only and checks application_id, user_version (against the
// given migration steps) and PRAGMA quick_check. Returns the read-only connection.
std::unique_ptr<Database> openAndCheckReadOnly(const std::string& path,
                                               std::span<const MigrationStep> migrations);

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
