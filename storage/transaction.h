#pragma once
// Transaction: every multi-step change is one of these. Construct it, do the work, call
// commit(); if an exception leaves the scope first, the destructor rolls everything back.
// Nested use is allowed (a repository operation called inside a caller's transaction): the
// inner one becomes a SAVEPOINT, so an inner failure rolls back only the inner work and the
// outer commit decides.

#include <string>

namespace fabulist::storage {

class Database;

class Transaction {
public:
    explicit Transaction(Database& db); // BEGIN IMMEDIATE, or SAVEPOINT when already inside one
    ~Transaction();                     // rolls back unless committed; never throws
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();
    void rollback();

private:
    Database& m_db;
    std::string m_savepoint; // empty for the outermost transaction
    bool m_done = false;
};

} // namespace fabulist::storage
