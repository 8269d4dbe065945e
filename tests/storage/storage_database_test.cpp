// The RAII layer (Database, Statement, Transaction), the connection settings of a project, and
// the migration runner including a real v1 -> v2 upgrade defined here.
#include "storage/database.h"
#include "storage/migration.h"
#include "storage/project.h"
#include "storage/statement.h"
#include "storage/transaction.h"
#include "tests/storage/storage_test_util.h"

#include <QTemporaryDir>
#include <QTest>
#include <sqlite3.h>
#include <stdexcept>
#include <vector>

using namespace fabulist::storage;
using namespace fabulist::storage::test;
using Kind = StorageError::Kind;

namespace {

int64_t rowCount(Database& db, const char* table) {
    return db.queryInt64(std::string("SELECT COUNT(*) FROM ") + table);
}

bool tableExists(Database& db, const char* name) {
    Statement query(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name = ?");
    query.bind(1, name).step();
    return query.columnInt64(0) == 1;
}

// The schema step a future Fabulist might ship: tags on binder nodes, and a new column
// filled from existing data.
void applyTestV2(Database& db) {
    db.exec("CREATE TABLE tag (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
            "CREATE TABLE node_tag (node_id INTEGER NOT NULL REFERENCES binder_node(id) "
            "  ON DELETE CASCADE, tag_id INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,"
            "  PRIMARY KEY (node_id, tag_id));"
            "ALTER TABLE binder_node ADD COLUMN label TEXT NOT NULL DEFAULT '';"
            "UPDATE binder_node SET label = upper(title);");
}

std::vector<MigrationStep> stepsWithV2() {
    std::vector<MigrationStep> steps(builtinMigrations().begin(), builtinMigrations().end());
    steps.push_back({2, "test: tags", applyTestV2});
    return steps;
}

} // namespace

class StorageDatabaseTest : public QObject {
    Q_OBJECT

private slots:
    void statementBindsAndReadsEveryType() {
        QTemporaryDir dir;
        Database db(pathIn(dir, "t.db"), Database::Access::ReadWriteCreate);
        db.exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, n INTEGER)");
        Statement insert(db, "INSERT INTO t VALUES (?, ?, ?, ?)");
        const std::string text = std::string("caf\xC3\xA9 ") + std::string(1, '\0') + "end";
        insert.bind(1, int64_t{-9007199254740993}).bind(2, 0.125).bind(3, text);
        insert.bind(4, std::optional<int64_t>{}).exec();
        insert.bind(1, 7).bind(2, -1.5).bind(3, "").bind(4, std::optional<int64_t>{42}).exec();
        QCOMPARE(db.lastInsertRowId(), int64_t{2});

        Statement query(db, "SELECT i, d, s, n FROM t ORDER BY rowid");
        QVERIFY(query.step());
        QCOMPARE(query.columnInt64(0), int64_t{-9007199254740993});
        QCOMPARE(query.columnDouble(1), 0.125);
        QCOMPARE(query.columnText(2), text); // embedded NUL survives
        QVERIFY(query.isNull(3));
        QVERIFY(!query.columnOptionalInt64(3));
        QVERIFY(query.step());
        QCOMPARE(query.columnInt(0), 7);
        QCOMPARE(query.columnText(2), std::string());
        QVERIFY(!query.isNull(2)); // "" is stored as '' and not NULL
        QCOMPARE(query.columnOptionalInt64(3).value_or(0), int64_t{42});
        QVERIFY(!query.step());
    }

    void badSqlThrowsWithFileName() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "t.db");
        Database db(path, Database::Access::ReadWriteCreate);
        try {
            Statement bad(db, "SELEKT 1");
            QFAIL("prepare of invalid SQL did not throw");
        } catch (const StorageError& error) {
            QCOMPARE(error.kind(), Kind::Internal);
            QCOMPARE(error.path(), path);
            QVERIFY(std::string(error.what()).find(path) != std::string::npos);
        }
        db.exec("CREATE TABLE u (x INTEGER UNIQUE)");
        db.exec("INSERT INTO u VALUES (1)");
        EXPECT_STORAGE_ERROR(db.exec("INSERT INTO u VALUES (1)"), Kind::Constraint);
    }

    void transactionCommits() {
        QTemporaryDir dir;
        Database db(pathIn(dir, "t.db"), Database::Access::ReadWriteCreate);
        db.exec("CREATE TABLE t (x INTEGER)");
        {
            Transaction transaction(db);
            db.exec("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
            QVERIFY(db.inTransaction());
            transaction.commit();
        }
        QVERIFY(!db.inTransaction());
        QCOMPARE(rowCount(db, "t"), int64_t{2});
    }

    void transactionRollsBackOnException() {
        QTemporaryDir dir;
        Database db(pathIn(dir, "t.db"), Database::Access::ReadWriteCreate);
        db.exec("CREATE TABLE t (x INTEGER)");
        try {
            Transaction transaction(db);
            db.exec("INSERT INTO t VALUES (1)");
            throw std::runtime_error("boom");
        } catch (const std::runtime_error&) {
        }
        QVERIFY(!db.inTransaction());
        QCOMPARE(rowCount(db, "t"), int64_t{0});
    }

    void nestedTransactionIsASavepoint() {
        QTemporaryDir dir;
        Database db(pathIn(dir, "t.db"), Database::Access::ReadWriteCreate);
        db.exec("CREATE TABLE t (x INTEGER)");
        {
            Transaction outer(db);
            db.exec("INSERT INTO t VALUES (1)");
            try {
                Transaction inner(db);
                db.exec("INSERT INTO t VALUES (2)");
                throw std::runtime_error("inner fails");
            } catch (const std::runtime_error&) {
            }
            {
                Transaction inner(db);
                db.exec("INSERT INTO t VALUES (3)");
                inner.commit();
            }
            QVERIFY(db.inTransaction());
            outer.commit();
        }
        QCOMPARE(db.queryInt64("SELECT group_concat(x) = '1,3' FROM t"), int64_t{1});
    }

    void projectConnectionSettings() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "p.fabulist");
        auto project = Project::create(path, "Settings");
        Database& db = project->database();
        QCOMPARE(db.queryInt64("PRAGMA application_id"), int64_t{0x46624C73});
        QCOMPARE(db.queryInt64("PRAGMA user_version"), int64_t{1});
        QCOMPARE(db.queryText("PRAGMA journal_mode"), std::string("wal"));
        QCOMPARE(db.queryInt64("PRAGMA foreign_keys"), int64_t{1});
        QCOMPARE(db.queryInt64("PRAGMA synchronous"), int64_t{1}); // NORMAL
        for (const char* table : {"project_meta", "binder_node", "document", "document_fts",
                                  "revision", "generation", "generation_fts", "board", "card"})
            QVERIFY2(tableExists(db, table), table);
        QCOMPARE(project->schemaVersion(), 1);
        QCOMPARE(project->title(), std::string("Settings"));
        project.reset();

        // The application id sits in the header of the file itself (offset 68, big-endian).
        const std::string bytes = readBytes(path);
        QVERIFY(bytes.size() >= 100);
        QCOMPARE(bytes.substr(0, 16), std::string("SQLite format 3", 16));
        QCOMPARE(bytes.substr(68, 4), std::string("FbLs"));
        auto reopened = Project::open(path);
        QCOMPARE(reopened->database().queryInt64("PRAGMA foreign_keys"), int64_t{1});
        QCOMPARE(reopened->database().queryText("PRAGMA journal_mode"), std::string("wal"));
    }

    void createNeverOverwrites() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "exists.fabulist");
        writeBytes(path, "precious");
        EXPECT_STORAGE_ERROR(Project::create(path), Kind::InvalidArgument);
        QCOMPARE(readBytes(path), std::string("precious"));
    }

    void migrationFromV1ToV2() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "upgrade.fabulist");
        int64_t scene = 0;
        {
            auto project = Project::create(path);
            scene = project->binder().create(NodeKind::Scene, "Opening");
            project->documents().setText(scene, "It was a dark and stormy night.");
        }
        const auto steps = stepsWithV2();
        OpenOptions options;
        options.migrations = steps;
        {
            auto project = Project::open(path, options);
            QCOMPARE(project->schemaVersion(), 2);
            Database& db = project->database();
            QVERIFY(tableExists(db, "tag"));
            QVERIFY(tableExists(db, "node_tag"));
            Statement label(db, "SELECT label FROM binder_node WHERE id = ?");
            QVERIFY(label.bind(1, scene).step());
            QCOMPARE(label.columnText(0), std::string("OPENING"));
            // Old data and the v1 machinery still work after the upgrade.
            QCOMPARE(project->documents().text(scene),
                     std::string("It was a dark and stormy night."));
            QCOMPARE(project->search().search("stormy").size(), size_t{1});
            db.exec("INSERT INTO tag(name) VALUES ('draft')");
            Statement tagIt(db, "INSERT INTO node_tag VALUES (?, 1)");
            tagIt.bind(1, scene).exec();
        }
        // Opening again with the same steps is a no-op; with only v1 it is NewerSchema and the
        // file stays byte-identical.
        QCOMPARE(Project::open(path, options)->schemaVersion(), 2);
        const std::string before = readBytes(path);
        EXPECT_STORAGE_ERROR(Project::open(path), Kind::NewerSchema);
        QCOMPARE(readBytes(path), before);
    }

    void failingMigrationStepLeavesTheOldVersion() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "fail.fabulist");
        Project::create(path).reset();
        std::vector<MigrationStep> steps(builtinMigrations().begin(), builtinMigrations().end());
        steps.push_back({2, "test: fails half-way", [](Database& db) {
                             db.exec("CREATE TABLE half_done (x INTEGER)");
                             db.exec("INSERT INTO no_such_table VALUES (1)");
                         }});
        OpenOptions options;
        options.migrations = steps;
        EXPECT_STORAGE_ERROR(Project::open(path, options), Kind::Internal);
        auto project = Project::open(path);
        QCOMPARE(project->schemaVersion(), 1);
        QVERIFY(!tableExists(project->database(), "half_done"));
    }

    void migrationStepsMustBeNumbered() {
        QTemporaryDir dir;
        Database db(pathIn(dir, "t.db"), Database::Access::ReadWriteCreate);
        const MigrationStep gap[] = {{1, "one", [](Database&) {}}, {3, "three", [](Database&) {}}};
        EXPECT_STORAGE_ERROR(runMigrations(db, gap), Kind::InvalidArgument);
        QCOMPARE(db.queryInt64("PRAGMA user_version"), int64_t{0});
        const MigrationStep ok[] = {{1, "one", [](Database& d) { d.exec("CREATE TABLE a(x)"); }}};
        QCOMPARE(runMigrations(db, ok), 1);
        QCOMPARE(runMigrations(db, ok), 1); // already there: nothing runs twice
        QCOMPARE(db.queryInt64("PRAGMA user_version"), int64_t{1});
    }
};

QTEST_GUILESS_MAIN(StorageDatabaseTest)
#include "storage_database_test.moc"
