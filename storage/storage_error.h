#pragma once
// StorageError: the one exception type the storage module throws. Every error a user can cause
// (a bad file, a project open elsewhere, a read-only file) carries a kind the caller can switch
// on and a message that names the file and says what to do, ready to show in a dialog.

#include <stdexcept>
#include <string>

namespace fabulist::storage {

class StorageError : public std::runtime_error {
public:
    enum class Kind {
        NotFound,        // the file (or a row: node, revision, generation, board, card) is missing
        NotAProject,     // not an SQLite file, or an SQLite file of another application
        Corrupt,         // damaged or truncated project file
        NewerSchema,     // written by a newer Fabulist: user_version above what we know
        ReadOnly,        // the file or its folder cannot be written / project opened read-only
        AlreadyOpen,     // another Fabulist window or process has this project open
        Locked,          // SQLite reported the database busy beyond the busy timeout
        Io,              // the operating system failed a read or write (disk full, I/O error)
        Constraint,      // a change would break the schema's rules (foreign key, check, unique)
        InvalidArgument, // a caller error: moving a node into itself, an unknown enum, ...
        Internal,        // anything else SQLite reports
    };

    StorageError(Kind kind, std::string message, std::string path = {})
        : std::runtime_error(std::move(message)), m_kind(kind), m_path(std::move(path)) {}

    Kind kind() const noexcept { return m_kind; }
    // The project file concerned; empty when the error is not about one file.
    const std::string& path() const noexcept { return m_path; }

private:
    Kind m_kind;
    std::string m_path;
};

// "corrupt", "not-a-project", ...: for logs and tests.
const char* toString(StorageError::Kind kind) noexcept;

} // namespace fabulist::storage
