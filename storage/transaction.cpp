#include "storage/transaction.h"

#include "storage/database.h"

#include <atomic>

namespace fabulist::storage {

namespace {
std::atomic<unsigned> g_savepointCounter{0};
}

Transaction::Transaction(Database& db) : m_db(db) {
    if (db.inTransaction()) {
        m_savepoint = "fabulist_sp" + std::to_string(++g_savepointCounter);
        m_db.exec("SAVEPOINT " + m_savepoint);
    } else {
        // IMMEDIATE takes the write lock now, so a transaction never fails half-way with BUSY
        // when it first writes.
        m_db.exec("BEGIN IMMEDIATE");
    }
}

Transaction::~Transaction() {
    if (m_done) return;
    try {
        rollback();
    } catch (...) {
        // A failed rollback leaves SQLite to roll back on close; nothing more we can do here.
    }
}

void Transaction::commit() {
    if (m_done) return;
    if (m_savepoint.empty())
        m_db.exec("COMMIT");
    else
        m_db.exec("RELEASE " + m_savepoint);
    m_done = true;
}

void Transaction::rollback() {
    if (m_done) return;
    m_done = true;
    if (m_savepoint.empty()) {
        // SQLite may already have rolled back by itself after some errors.
        if (m_db.inTransaction()) m_db.exec("ROLLBACK");
    } else {
        m_db.exec("ROLLBACK TO " + m_savepoint + "; RELEASE " + m_savepoint);
    }
}

} // namespace fabulist::storage
