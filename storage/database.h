#pragma once
// Database: one SQLite connection (RAII over sqlite3*). It knows its file path so that every
// error it throws names the file. Repositories take a Database& and build Statements on it.

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;

namespace fabulist::storage {

class Database {
public:
    // ReadOnlyImmutable: for a file in a folder Fabulist may not write to (no -wal or -shm
    // can be made there): SQLite's immutable URI, no locks, no sidecar files.
    enum class Access { ReadOnly, ReadOnlyImmutable, ReadWrite, ReadWriteCreate };

    // Opens (or with ReadWriteCreate, creates) the SQLite file. Does not set any pragma: the
    // Project decides journal mode, synchronous and foreign keys.
    Database(const std::string& path, Access access);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Runs one or more statements that return no rows we need (DDL, pragmas).
    void exec(std::string_view sql);
    // Runs a query whose first row's first column is an integer (PRAGMA user_version, COUNT(*)).
    int64_t queryInt64(std::string_view sql);
    // Runs a query whose first row's first column is text (PRAGMA integrity_check).
    std::string queryText(std::string_view sql);

    int64_t lastInsertRowId() const;
    int changes() const; // rows changed by the last INSERT/UPDATE/DELETE
    bool inTransaction() const;
    bool isReadOnly() const {
        return m_access == Access::ReadOnly || m_access == Access::ReadOnlyImmutable;
    }
    const std::string& path() const { return m_path; }
    sqlite3* handle() const { return m_db; }

    // Throws the StorageError matching an SQLite result code, naming this file. `what` says
    // which operation failed ("prepare", "step", ...).
    [[noreturn]] void throwError(int resultCode, std::string_view what) const;

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
    Access m_access;
};

} // namespace fabulist::storage
