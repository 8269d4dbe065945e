// The RAII layer (Database, Statement, Transaction), the connection settings of a project, and
// the migration runner including a real v1 -> v2 upgrade defined here.
#include "storage/database.h"
#include "storage/generation_repository.h"
#include "storage/migration.h"
#include "storage/project.h"
#include "storage/statement.h"
#include "storage/transaction.h"
#include "tests/storage/storage_test_util.h"

#include <QDir>
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

// The builtin steps plus one test step after them (the upgrade machinery, whatever the
// builtin schema's version is).
std::vector<MigrationStep> stepsWithTestStep() {
    std::vector<MigrationStep> steps(builtinMigrations().begin(), builtinMigrations().end());
    steps.push_back({latestSchemaVersion() + 1, "test: tags", applyTestV2});
    return steps;
}

// A project file as Fabulist with schema v1 wrote it (the first step only), with one
// generation in v1's columns.
void writeV1Project(const std::string& path) {
    Database db(path, Database::Access::ReadWriteCreate);
    db.exec("PRAGMA application_id = 1180847219"); // 'FbLs'
    QCOMPARE(db.queryText("PRAGMA journal_mode = WAL"), std::string("wal"));
    runMigrations(db, builtinMigrations().first(1));
    db.exec("INSERT INTO project_meta(key, value) VALUES ('title', 'Old')");
    db.exec("INSERT INTO generation(task, temperature, top_k, top_p, min_p, typical_p, "
            "repeat_penalty, repeat_last_n, frequency_penalty, presence_penalty, dry_multiplier, "
            "dry_base, dry_allowed_length, dry_penalty_last_n, xtc_probability, xtc_threshold, "
            "mirostat, mirostat_tau, mirostat_eta, seed, output, status, created_at) VALUES "
            "('continue', 0.8, 40, 0.95, 0.05, 1, 1, 64, 0, 0, 0, 1.75, 2, -1, 0, 0.1, 0, 5, "
            "0.1, 7, 'The rain kept on.', 'rejected', 1)");
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
        QCOMPARE(db.queryInt64("PRAGMA user_version"), int64_t{5});
        QCOMPARE(db.queryText("PRAGMA journal_mode"), std::string("wal"));
        QCOMPARE(db.queryInt64("PRAGMA foreign_keys"), int64_t{1});
        QCOMPARE(db.queryInt64("PRAGMA synchronous"),
                 int64_t{2}); // FULL: an acknowledged save is on the disk
        for (const char* table : {"project_meta", "binder_node", "document", "document_fts",
                                  "revision", "generation", "generation_fts", "board", "card"})
            QVERIFY2(tableExists(db, table), table);
        QCOMPARE(project->schemaVersion(), 5);
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

    void upgradeFromSchemaV1KeepsABackupAndTheGenerations() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "old.fabulist");
        writeV1Project(path);
        const std::string backup = path + ".schema-v1.backup";
        {
            auto project = Project::open(path);
            QCOMPARE(project->schemaVersion(), 5);
            QCOMPARE(project->title(), std::string("Old"));
            const auto old = project->generations().recent();
            QCOMPARE(old.size(), size_t{1});
            QCOMPARE(old[0].output, std::string("The rain kept on."));
            QCOMPARE(old[0].status, GenerationStatus::Rejected);
            QCOMPARE(old[0].stopReason, GenerationStop::Unknown); // not recorded before v2
            QVERIFY(old[0].alphaChanges.empty());                 // nor before v3
            Generation g;
            g.task = "continue";
            g.output = "It stopped half-way";
            g.status = GenerationStatus::Rejected;
            g.stopReason = GenerationStop::Stopped;
            // Where the slider moved while it streamed (v3), exactly as given.
            g.alphaChanges = {{0, 0.3}, {12, 0.8500000238418579}, {40, 0.0}};
            const int64_t id = project->generations().record(g);
            QCOMPARE(project->generations().get(id).stopReason, GenerationStop::Stopped);
            QCOMPARE(project->generations().get(id).alphaChanges, g.alphaChanges);
            // The schema itself refuses names it does not know.
            EXPECT_STORAGE_ERROR(
                project->database().exec("UPDATE generation SET stop_reason = 'bored'"),
                Kind::Constraint);
        }
        // The copy is the file as it was: schema 1, the old generation, no stop_reason.
        {
            Database copy(backup, Database::Access::ReadOnly);
            QCOMPARE(copy.queryInt64("PRAGMA user_version"), int64_t{1});
            QCOMPARE(copy.queryInt64("PRAGMA application_id"), int64_t{1180847219});
            QCOMPARE(copy.queryText("SELECT output FROM generation"),
                     std::string("The rain kept on."));
            QCOMPARE(copy.queryInt64("SELECT COUNT(*) FROM pragma_table_info('generation') "
                                     "WHERE name = 'stop_reason'"),
                     int64_t{0});
        }
        // Opening the upgraded file again neither migrates nor touches the backup.
        const std::string backupBytes = readBytes(backup);
        QCOMPARE(Project::open(path)->schemaVersion(), 5);
        QCOMPARE(readBytes(backup), backupBytes);
    }

    void upgradeStopsWhenTheBackupCannotBeWritten() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "old.fabulist");
        writeV1Project(path);
        // A folder where the backup file would go: the copy cannot be written (even as root).
        QVERIFY(QDir().mkpath(QString::fromStdString(path + ".schema-v1.backup/keep")));
        const std::string before = readBytes(path);
        try {
            Project::open(path);
            QFAIL("a project was upgraded without its safety copy");
        } catch (const StorageError& e) {
            QVERIFY2(std::string(e.what()).find("safety copy") != std::string::npos, e.what());
        }
        QCOMPARE(readBytes(path), before); // not upgraded, not changed
        QVERIFY(QDir(QString::fromStdString(path + ".schema-v1.backup/keep")).exists());
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
        const auto steps = stepsWithTestStep();
        const int next = latestSchemaVersion() + 1;
        OpenOptions options;
        options.migrations = steps;
        {
            auto project = Project::open(path, options);
            QCOMPARE(project->schemaVersion(), next);
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
        QCOMPARE(Project::open(path, options)->schemaVersion(), next);
        const std::string before = readBytes(path);
        EXPECT_STORAGE_ERROR(Project::open(path), Kind::NewerSchema);
        QCOMPARE(readBytes(path), before);
    }

    void failingMigrationStepLeavesTheOldVersion() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "fail.fabulist");
        Project::create(path).reset();
        std::vector<MigrationStep> steps(builtinMigrations().begin(), builtinMigrations().end());
        steps.push_back({latestSchemaVersion() + 1, "test: fails half-way", [](Database& db) {
                             db.exec("CREATE TABLE half_done (x INTEGER)");
                             db.exec("INSERT INTO no_such_table VALUES (1)");
                         }});
        OpenOptions options;
        options.migrations = steps;
        EXPECT_STORAGE_ERROR(Project::open(path, options), Kind::Internal);
        auto project = Project::open(path);
        QCOMPARE(project->schemaVersion(), latestSchemaVersion());
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
