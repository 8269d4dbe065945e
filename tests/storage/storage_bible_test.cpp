// The story bible in the project file: entries from the binder's characters and places, their
// aliases, notes and "always in"; Memory and Author's Note; full-text search over them; what a
// generation read; and the upgrade of a schema-3 project that already has generations.
#include "storage/bible_repository.h"
#include "storage/database.h"
#include "storage/migration.h"
#include "storage/project.h"
#include "storage_test_util.h"

#include <QObject>
#include <QTest>

using namespace fabulist::storage;
using namespace fabulist::storage::test;
using Kind = StorageError::Kind;

namespace {

// A schema-3 project as the previous release wrote it: a character, a scene and a generation.
void writeV3Project(const std::string& path) {
    Database db(path, Database::Access::ReadWriteCreate);
    db.exec("PRAGMA application_id = 1180847219"); // 'FbLs'
    QCOMPARE(db.queryText("PRAGMA journal_mode = WAL"), std::string("wal"));
    runMigrations(db, builtinMigrations().first(3));
    BinderRepository binder(db);
    const int64_t cast = binder.create(NodeKind::Folder, "Characters");
    binder.create(NodeKind::Character, "Mira Tull", cast);
    binder.create(NodeKind::Scene, "Low water");
    db.exec("INSERT INTO generation(task, temperature, top_k, top_p, min_p, typical_p, "
            "repeat_penalty, repeat_last_n, frequency_penalty, presence_penalty, dry_multiplier, "
            "dry_base, dry_allowed_length, dry_penalty_last_n, xtc_probability, xtc_threshold, "
            "mirostat, mirostat_tau, mirostat_eta, seed, output, status, created_at, "
            "alpha_changes) VALUES ('continue', 0.8, 40, 0.95, 0.05, 1, 1, 64, 0, 0, 0, 1.75, 2, "
            "-1, 0, 0.1, 0, 5, 0.1, 7, 'The tide turned.', 'accepted', 1, '0:0.5')");
}

} // namespace

class StorageBibleTest : public QObject {
    Q_OBJECT

private slots:
    void entriesAreTheCharactersAndPlacesInBinderOrder() {
        QTemporaryDir dir;
        auto project = Project::create(pathIn(dir, "b.fabulist"));
        BinderRepository& binder = project->binder();
        const int64_t places = binder.create(NodeKind::Folder, "Places");
        const int64_t street = binder.create(NodeKind::Place, "Wrack Street", places);
        const int64_t cast = binder.create(NodeKind::Folder, "Characters", {}, 0);
        const int64_t mira = binder.create(NodeKind::Character, "Mira Tull", cast);
        const int64_t gone = binder.create(NodeKind::Character, "Cut", cast);
        const int64_t scene = binder.create(NodeKind::Scene, "Scene");
        project->documents().setText(street, "A steep lane.");
        binder.trash(gone);

        BibleRepository& bible = project->bible();
        std::vector<BibleEntry> entries = bible.entries();
        QCOMPARE(entries.size(), size_t{2}); // no trashed one, no scene
        QCOMPARE(entries[0].nodeId, mira);   // Characters was moved first
        QCOMPARE(entries[1].name, std::string("Wrack Street"));
        QCOMPARE(entries[1].kind, NodeKind::Place);
        QCOMPARE(entries[1].textForModel(), std::string("A steep lane.")); // no note yet
        QVERIFY(entries[1].aliases.empty());

        bible.setAliases(street, {" the lane ", "", "the lane", "Wrack St\nthe hill"});
        bible.setModelNote(street, "  Steep; the clock shop is halfway up.\n");
        bible.setAlwaysIn(mira, true);
        const BibleEntry s = bible.entry(street);
        QCOMPARE(s.aliases, (std::vector<std::string>{"the lane", "Wrack St", "the hill"}));
        QCOMPARE(s.textForModel(), std::string("Steep; the clock shop is halfway up."));
        QCOMPARE(s.documentText, std::string("A steep lane.")); // the writer's notes stay
        QVERIFY(s.modifiedAtMs > 0);
        QVERIFY(bible.entry(mira).alwaysIn);
        QVERIFY(!s.alwaysIn);
        EXPECT_STORAGE_ERROR(bible.setAliases(scene, {"x"}), Kind::InvalidArgument);
        EXPECT_STORAGE_ERROR(bible.entry(999), Kind::NotFound);

        // Purging the node takes its bible row with it.
        binder.trash(street);
        binder.purge(street);
        QCOMPARE(project->database().queryInt64("SELECT COUNT(*) FROM bible_entry WHERE "
                                                "node_id = " + std::to_string(street)),
                 int64_t{0});
    }

    void memoryAndAuthorsNoteAreStoredAndSearchable() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "n.fabulist");
        {
            auto project = Project::create(path);
            BibleRepository& bible = project->bible();
            QCOMPARE(bible.storyNote(StoryNoteKind::Memory), std::string());
            bible.setStoryNote(StoryNoteKind::Memory, "A town built around a clock.");
            bible.setStoryNote(StoryNoteKind::AuthorsNote, "Quiet dread; short sentences.");
            bible.setStoryNote(StoryNoteKind::AuthorsNote, "Quiet dread; salt everywhere.");
            const int64_t street = project->binder().create(NodeKind::Place, "Wrack Street");
            bible.setAliases(street, {"the cobbled lane"});
        }
        auto project = Project::open(path);
        QCOMPARE(project->bible().storyNote(StoryNoteKind::AuthorsNote),
                 std::string("Quiet dread; salt everywhere."));
        Database& db = project->database();
        QCOMPARE(db.queryInt64("SELECT COUNT(*) FROM story_note_fts WHERE story_note_fts "
                               "MATCH 'salt'"),
                 int64_t{1});
        QCOMPARE(db.queryInt64("SELECT COUNT(*) FROM story_note_fts WHERE story_note_fts "
                               "MATCH 'sentences'"),
                 int64_t{0}); // the old text left the index
        QCOMPARE(db.queryInt64("SELECT COUNT(*) FROM bible_entry_fts WHERE bible_entry_fts "
                               "MATCH 'cobbled'"),
                 int64_t{1});
    }

    void generationsRecordWhatTheyRead() {
        QTemporaryDir dir;
        auto project = Project::create(pathIn(dir, "g.fabulist"));
        Generation g;
        g.task = "rewrite";
        g.instruction = "more tension";
        g.bibleEntries = {4, 17};
        g.prompt = "memory scene";
        g.promptParts = {{"memory", 0, 6}, {"scene", 7, 12}};
        const int64_t id = project->generations().record(g);
        const Generation back = project->generations().get(id);
        QCOMPARE(back.instruction, g.instruction);
        QCOMPARE(back.bibleEntries, g.bibleEntries);
        QCOMPARE(back.promptParts, g.promptParts);
    }

    void upgradeFromSchemaV3KeepsGenerationsAndGainsTheBible() {
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "old.fabulist");
        writeV3Project(path);
        {
            auto project = Project::open(path);
            QCOMPARE(project->schemaVersion(), 5);
            const auto old = project->generations().recent();
            QCOMPARE(old.size(), size_t{1});
            QCOMPARE(old[0].output, std::string("The tide turned."));
            QCOMPARE(old[0].alphaChanges.size(), size_t{1});
            QVERIFY(old[0].instruction.empty());
            QVERIFY(old[0].bibleEntries.empty());
            QVERIFY(old[0].promptParts.empty());
            const auto entries = project->bible().entries();
            QCOMPARE(entries.size(), size_t{1});
            QCOMPARE(entries[0].name, std::string("Mira Tull"));
            project->bible().setAliases(entries[0].nodeId, {"Mira"});
        }
        Database copy(path + ".schema-v3.backup", Database::Access::ReadOnly);
        QCOMPARE(copy.queryInt64("PRAGMA user_version"), int64_t{3});
        QCOMPARE(copy.queryText("SELECT output FROM generation"), std::string("The tide turned."));
        QCOMPARE(Project::open(path)->bible().entries()[0].aliases,
                 std::vector<std::string>{"Mira"});
    }
};

QTEST_GUILESS_MAIN(StorageBibleTest)
#include "storage_bible_test.moc"
