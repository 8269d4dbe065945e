#include "storage/database.h"

#include "storage/statement.h"
#include "storage/storage_error.h"

#include <sqlite3.h>

namespace fabulist::storage {

namespace {

// Maps an SQLite result code to our error kind and a hint that tells the user what to do.
std::pair<StorageError::Kind, const char*> classify(int resultCode) {
    using K = StorageError::Kind;
    switch (resultCode & 0xff) {
    case SQLITE_CORRUPT:
        return {K::Corrupt, "The project file is damaged. Restore it from a backup."};
    case SQLITE_NOTADB:
        return {K::NotAProject, "This is not a Fabulist project (or it is badly damaged)."};
    case SQLITE_READONLY:
        return {K::ReadOnly, "The project cannot be written. Check the permissions of the file "
                             "and its folder, or open it read-only."};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return {K::Locked, "Another program is using the project. Close it and try again."};
    case SQLITE_CONSTRAINT:
        return {K::Constraint, "The change breaks the project's rules."};
    case SQLITE_CANTOPEN:
        return {K::Io, "The file cannot be opened. Check that it exists and that you may read "
                       "it and write to its folder."};
    case SQLITE_FULL:
        return {K::Io, "The disk is full. Free some space and try again."};
    case SQLITE_IOERR:
        return {K::Io, "The operating system reported an I/O error. Check the disk and try again."};
    case SQLITE_PERM:
        return {K::ReadOnly, "Permission denied. Check the file's permissions."};
    default:
        return {K::Internal, "Please report this problem."};
    }
}

int openFlags(Database::Access access) {
    switch (access) {
    case Database::Access::ReadOnly:
        return SQLITE_OPEN_READONLY;
    case Database::Access::ReadOnlyImmutable:
        return SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
    case Database::Access::ReadWrite:
        return SQLITE_OPEN_READWRITE;
    case Database::Access::ReadWriteCreate:
        return SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    }
    return SQLITE_OPEN_READONLY;
}

// "file:<path>?immutable=1", with the characters a URI gives a meaning percent-encoded.
std::string immutableUri(const std::string& path) {
    std::string uri = "file:";
    for (const char c : path) {
        if (c == '%' || c == '?' || c == '#') {
            static const char* hex = "0123456789ABCDEF";
            uri += '%';
            uri += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
            uri += hex[static_cast<unsigned char>(c) & 0xF];
        } else {
            uri += c;
        }
    }
    return uri + "?immutable=1";
}

} // namespace

Database::Database(const std::string& path, Access access) : m_path(path), m_access(access) {
    // NOMUTEX: one Project is used from one thread. EXRESCODE: precise codes for messages.
    const int flags = openFlags(access) | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    const std::string name = access == Access::ReadOnlyImmutable ? immutableUri(path) : path;
    const int rc = sqlite3_open_v2(name.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const std::string detail = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        auto [kind, hint] = classify(rc);
        throw StorageError(kind, "Cannot open '" + path + "': " + detail + ". " + hint, path);
    }
    // A busy database (a checkpoint by a reader) is waited for briefly instead of failing.
    sqlite3_busy_timeout(m_db, 2000);
}

Database::~Database() {
    // close_v2 defers the close if a Statement is still alive instead of failing.
    sqlite3_close_v2(m_db);
}

void Database::exec(std::string_view sql) {
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        sqlite3_free(error);
        throwError(rc, "exec");
    }
}

int64_t Database::queryInt64(std::string_view sql) {
    Statement statement(*this, sql);
    if (!statement.step()) return 0;
    return statement.columnInt64(0);
}

std::string Database::queryText(std::string_view sql) {
    Statement statement(*this, sql);
    if (!statement.step()) return {};
    return statement.columnText(0);
}

int64_t Database::lastInsertRowId() const {
    return sqlite3_last_insert_rowid(m_db);
}

int Database::changes() const {
    return sqlite3_changes(m_db);
}

bool Database::inTransaction() const {
    return sqlite3_get_autocommit(m_db) == 0;
}

void Database::throwError(int resultCode, std::string_view what) const {
    auto [kind, hint] = classify(resultCode);
    std::string message = "Project '" + m_path + "': " + std::string(what) + " failed: ";
    message += m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(resultCode);
    message += ". ";
    message += hint;
    throw StorageError(kind, std::move(message), m_path);
}

} // namespace fabulist::storage
