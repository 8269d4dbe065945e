#pragma once
// Statement: one prepared SQLite statement (RAII over sqlite3_stmt). Bind parameters by 1-based
// index, step through rows, read columns by 0-based index. Errors throw StorageError.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace fabulist::storage {

class Database;

class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text); // UTF-8, copied by SQLite
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    Statement& bindNull(int index);
    template <typename T> Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bindNull(index);
    }

    // Runs one step. True when a row is available, false when the statement is done.
    bool step();
    // Steps once and expects no row (INSERT/UPDATE/DELETE/DDL).
    void exec();
    // Makes the statement runnable again; keeps bindings unless clearBindings is true.
    void reset(bool clearBindings = false);

    bool isNull(int column) const;
    int64_t columnInt64(int column) const;
    int columnInt(int column) const { return static_cast<int>(columnInt64(column)); }
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    std::optional<int64_t> columnOptionalInt64(int column) const;

private:
    Database* m_db = nullptr;
    sqlite3_stmt* m_stmt = nullptr;
};

} // namespace fabulist::storage
