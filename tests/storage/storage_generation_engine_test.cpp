// Schema v5: a generation records which engine wrote it (a remote server's URL, the settings it
// honours) and why it failed; a schema-4 project with generations upgrades and keeps them.
#include "storage/database.h"
#include "storage/migration.h"
#include "storage/project.h"
#include "storage_test_util.h"

#include <QObject>
#include <QTest>

using namespace fabulist::storage;
using namespace fabulist::storage::test;

class StorageGenerationEngineTest : public QObject {
    Q_OBJECT

private slots:
    void generationsRecordTheirEngineAndFailure() {
        QTemporaryDir dir;
        auto project = Project::create(pathIn(dir, "g.fabulist"));
        Generation g;
        g.task = "continue";
        g.modelId = "Qwen3-235B-A22B";
        g.output = "The tide";
        g.engine = "http://writers-server:8000";
        g.engineSettings = "max_tokens temperature top_p seed top_k min_p";
        g.failure = "The server at writers-server:8000 failed (HTTP 500): out of memory";
        const Generation back = project->generations().get(project->generations().record(g));
        QCOMPARE(back.engine, g.engine);
        QCOMPARE(back.engineSettings, g.engineSettings);
        QCOMPARE(back.failure, g.failure);
        QCOMPARE(back.output, g.output);
        Generation local;
        local.task = "continue";
        const Generation plain = project->generations().get(project->generations().record(local));
        QVERIFY(plain.engine.empty() && plain.failure.empty());
    }

    void upgradeFromSchemaV4KeepsGenerations() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "v4.fabulist");
        {
            Database db(path, Database::Access::ReadWriteCreate);
            db.exec("PRAGMA application_id = 1180847219"); // 'FbLs'
            QCOMPARE(db.queryText("PRAGMA journal_mode = WAL"), std::string("wal"));
            runMigrations(db, builtinMigrations().first(4));
            db.exec("INSERT INTO generation(task, temperature, top_k, top_p, min_p, typical_p, "
                    "repeat_penalty, repeat_last_n, frequency_penalty, presence_penalty, "
                    "dry_multiplier, dry_base, dry_allowed_length, dry_penalty_last_n, "
                    "xtc_probability, xtc_threshold, mirostat, mirostat_tau, mirostat_eta, seed, "
                    "output, status, created_at, instruction) VALUES ('continue', 0.8, 40, 0.95, "
                    "0.05, 1, 1, 64, 0, 0, 0, 1.75, 2, -1, 0, 0.1, 0, 5, 0.1, 7, 'Low water.', "
                    "'accepted', 1, 'calmer')");
        }
        auto project = Project::open(path);
        QCOMPARE(project->schemaVersion(), 5);
        const auto old = project->generations().recent();
        QCOMPARE(old.size(), size_t{1});
        QCOMPARE(old[0].output, std::string("Low water."));
        QCOMPARE(old[0].instruction, std::string("calmer"));
        QVERIFY(old[0].engine.empty() && old[0].engineSettings.empty() && old[0].failure.empty());
        Database copy(path + ".schema-v4.backup", Database::Access::ReadOnly);
        QCOMPARE(copy.queryInt64("PRAGMA user_version"), int64_t{4});
    }
};

QTEST_GUILESS_MAIN(StorageGenerationEngineTest)
#include "storage_generation_engine_test.moc"
