// Every repository operation: binder (create, order, move, rename, trash, restore, purge),
// documents, revisions (autosave, pruning policy, named snapshots, restore), generations,
// storyboard, search, and the sample project.
#include "storage/project.h"
#include "storage/sample_project.h"
#include "storage/statement.h"
#include "storage/transaction.h"
#include "tests/storage/storage_test_util.h"

#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <set>

using namespace fabulist::storage;
using namespace fabulist::storage::test;
using Kind = StorageError::Kind;

namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

std::vector<std::string> titles(const std::vector<BinderNode>& nodes) {
    std::vector<std::string> out;
    for (const auto& node : nodes) out.push_back(node.title);
    return out;
}

std::vector<int> positions(const std::vector<BinderNode>& nodes) {
    std::vector<int> out;
    for (const auto& node : nodes) out.push_back(node.position);
    return out;
}

using Titles = std::vector<std::string>;

} // namespace

class StorageRepositoriesTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<Project> m_project;
    int m_counter = 0;

private slots:
    void init() {
        m_project = Project::create(
            pathIn(m_dir, QString("p%1.fabulist").arg(++m_counter).toUtf8().constData()));
    }
    void cleanup() { m_project.reset(); }

    void binderCreateAndOrder() {
        BinderRepository& binder = m_project->binder();
        const int64_t manuscript = binder.create(NodeKind::Folder, "Manuscript");
        const int64_t notes = binder.create(NodeKind::Folder, "Notes");
        const int64_t one = binder.create(NodeKind::Chapter, "One", manuscript);
        const int64_t three = binder.create(NodeKind::Chapter, "Three", manuscript);
        binder.create(NodeKind::Chapter, "Two", manuscript, 1);
        binder.create(NodeKind::Chapter, "Zero", manuscript, -5); // clamped to the front
        const int64_t scene = binder.create(NodeKind::Scene, "Arrival", one);
        binder.create(NodeKind::Note, "Idea", notes);

        QCOMPARE(titles(binder.children(std::nullopt)), (Titles{"Manuscript", "Notes"}));
        const auto chapters = binder.children(manuscript);
        QCOMPARE(titles(chapters), (Titles{"Zero", "One", "Two", "Three"}));
        QCOMPARE(positions(chapters), (std::vector<int>{0, 1, 2, 3}));
        QCOMPARE(titles(binder.tree()),
                 (Titles{"Manuscript", "Zero", "One", "Arrival", "Two", "Three", "Notes", "Idea"}));
        const BinderNode node = binder.node(scene);
        QCOMPARE(node.kind, NodeKind::Scene);
        QCOMPARE(node.parentId.value_or(0), one);
        QVERIFY(!node.trashed);
        QVERIFY(node.createdAtMs > 0);
        QCOMPARE(binder.node(three).position, 3);
        QVERIFY(!binder.find(99999));
        EXPECT_STORAGE_ERROR(binder.node(99999), Kind::NotFound);
        EXPECT_STORAGE_ERROR(binder.create(NodeKind::Scene, "Orphan", 99999), Kind::NotFound);
        QCOMPARE(binder.children(manuscript).size(), size_t{4}); // nothing half-made
        // Every node has a document.
        QCOMPARE(m_project->documents().text(manuscript), std::string());
    }

    void binderKindNames() {
        for (NodeKind kind : {NodeKind::Folder, NodeKind::Chapter, NodeKind::Scene, NodeKind::Note,
                              NodeKind::Character, NodeKind::Place})
            QCOMPARE(nodeKindFromString(toString(kind)).value(), kind);
        QCOMPARE(std::string(toString(NodeKind::Character)), std::string("character"));
        QVERIFY(!nodeKindFromString("chapterx"));
    }

    void binderRename() {
        BinderRepository& binder = m_project->binder();
        const int64_t id = binder.create(NodeKind::Scene, "Draft");
        binder.rename(id, "Final \xE2\x80\x94 really");
        QCOMPARE(binder.node(id).title, std::string("Final \xE2\x80\x94 really"));
        EXPECT_STORAGE_ERROR(binder.rename(4242, "x"), Kind::NotFound);
    }

    void binderMove() {
        BinderRepository& binder = m_project->binder();
        const int64_t a = binder.create(NodeKind::Chapter, "A");
        const int64_t b = binder.create(NodeKind::Chapter, "B");
        const int64_t a1 = binder.create(NodeKind::Scene, "a1", a);
        const int64_t a2 = binder.create(NodeKind::Scene, "a2", a);
        const int64_t a3 = binder.create(NodeKind::Scene, "a3", a);
        const int64_t b1 = binder.create(NodeKind::Scene, "b1", b);

        binder.move(a1, a, 2); // within the same parent, to the end
        QCOMPARE(titles(binder.children(a)), (Titles{"a2", "a3", "a1"}));
        QCOMPARE(positions(binder.children(a)), (std::vector<int>{0, 1, 2}));
        binder.move(a1, a, 0);
        QCOMPARE(titles(binder.children(a)), (Titles{"a1", "a2", "a3"}));

        binder.move(a2, b, 0); // to another parent
        QCOMPARE(titles(binder.children(a)), (Titles{"a1", "a3"}));
        QCOMPARE(positions(binder.children(a)), (std::vector<int>{0, 1}));
        QCOMPARE(titles(binder.children(b)), (Titles{"a2", "b1"}));
        QCOMPARE(binder.node(a2).parentId.value_or(0), b);

        binder.move(a3, std::nullopt, 1); // to the top level, between A and B
        QCOMPARE(titles(binder.children(std::nullopt)), (Titles{"A", "a3", "B"}));
        binder.move(b, std::nullopt, 100); // clamped
        QCOMPARE(titles(binder.children(std::nullopt)), (Titles{"A", "a3", "B"}));

        // Into itself or its own descendant: refused, nothing changes.
        const auto before = binder.tree(true);
        EXPECT_STORAGE_ERROR(binder.move(b, b, 0), Kind::InvalidArgument);
        EXPECT_STORAGE_ERROR(binder.move(b, b1, 0), Kind::InvalidArgument);
        EXPECT_STORAGE_ERROR(binder.move(b, 99999, 0), Kind::NotFound);
        const auto after = binder.tree(true);
        QCOMPARE(titles(after), titles(before));
        QCOMPARE(positions(after), positions(before));
    }

    void binderTrashAndRestore() {
        BinderRepository& binder = m_project->binder();
        const int64_t chapter = binder.create(NodeKind::Chapter, "Ch");
        const int64_t s1 = binder.create(NodeKind::Scene, "s1", chapter);
        const int64_t s2 = binder.create(NodeKind::Scene, "s2", chapter);
        const int64_t s3 = binder.create(NodeKind::Scene, "s3", chapter);
        const int64_t deep = binder.create(NodeKind::Note, "deep", s2);

        binder.trash(s2);
        QCOMPARE(titles(binder.children(chapter)), (Titles{"s1", "s3"}));
        QCOMPARE(titles(binder.children(chapter, true)), (Titles{"s1", "s2", "s3"}));
        QCOMPARE(titles(binder.tree()), (Titles{"Ch", "s1", "s3"})); // subtree hidden too
        QCOMPARE(titles(binder.trashed()), (Titles{"s2"}));
        QVERIFY(binder.isInTrash(s2));
        QVERIFY(binder.isInTrash(deep));
        QVERIFY(!binder.isInTrash(s1));

        // Moving a sibling while s2 is in the trash; restore puts s2 back between s1 and s3.
        binder.move(s3, chapter, 0);
        binder.move(s3, chapter, 2);
        binder.restore(s2);
        QCOMPARE(titles(binder.children(chapter)), (Titles{"s1", "s2", "s3"}));
        QVERIFY(!binder.isInTrash(deep));
        QVERIFY(binder.trashed().empty());

        // Restoring a node under a trashed folder brings the folder back too.
        binder.trash(s3);
        binder.trash(chapter);
        QCOMPARE(binder.trashed().size(), size_t{2});
        binder.restore(s3);
        QVERIFY(!binder.node(chapter).trashed);
        QVERIFY(!binder.isInTrash(s3));
        QCOMPARE(titles(binder.tree()), (Titles{"Ch", "s1", "s2", "deep", "s3"}));
        EXPECT_STORAGE_ERROR(binder.trash(777), Kind::NotFound);
        EXPECT_STORAGE_ERROR(binder.restore(777), Kind::NotFound);
        (void)s1;
    }

    void binderPurgeAndEmptyTrash() {
        BinderRepository& binder = m_project->binder();
        const int64_t chapter = binder.create(NodeKind::Chapter, "Ch");
        const int64_t s1 = binder.create(NodeKind::Scene, "s1", chapter);
        const int64_t s2 = binder.create(NodeKind::Scene, "s2", chapter);
        const int64_t s3 = binder.create(NodeKind::Scene, "s3", chapter);
        const int64_t under = binder.create(NodeKind::Note, "under", s2);
        m_project->documents().setText(s2, "zebra crossing");
        m_project->revisions().snapshot(s2, "kept?");
        Generation g;
        g.task = "continue";
        g.documentId = s2;
        const int64_t gen = m_project->generations().record(g);

        EXPECT_STORAGE_ERROR(binder.purge(s2), Kind::InvalidArgument); // not trashed
        binder.trash(s2);
        binder.purge(s2);
        QVERIFY(!binder.find(s2));
        QVERIFY(!binder.find(under)); // subtree gone
        QCOMPARE(titles(binder.children(chapter, true)), (Titles{"s1", "s3"}));
        QCOMPARE(positions(binder.children(chapter, true)), (std::vector<int>{0, 1}));
        EXPECT_STORAGE_ERROR(m_project->documents().text(s2), Kind::NotFound);
        QCOMPARE(m_project->database().queryInt64("SELECT COUNT(*) FROM revision"), int64_t{0});
        QVERIFY(!m_project->generations().get(gen).documentId); // unlinked, not deleted
        QVERIFY(m_project->search().search("zebra").empty());   // out of the index

        binder.trash(s1);
        binder.trash(chapter); // s3 trashed with it via the folder
        binder.emptyTrash();
        QVERIFY(binder.tree(true).empty());
        QCOMPARE(m_project->database().queryInt64("SELECT COUNT(*) FROM document"), int64_t{0});
        (void)s3;
    }

    void documentsTextAndWordCount() {
        const int64_t id = m_project->binder().create(NodeKind::Scene, "S");
        DocumentRepository& documents = m_project->documents();
        QCOMPARE(documents.wordCount(id), int64_t{0});
        const std::string text = "  The  quick\tbrown\n\nfox\xC2\xA0jumps. \xC3\x89t\xC3\xA9 ";
        documents.setText(id, text);
        QCOMPARE(documents.text(id), text);
        QCOMPARE(documents.wordCount(id), int64_t{6}); // The quick brown fox jumps. Été
        QVERIFY(documents.modifiedAtMs(id) > 0);
        documents.setText(id, "");
        QCOMPARE(documents.text(id), std::string());
        QCOMPARE(documents.wordCount(id), int64_t{0});
        EXPECT_STORAGE_ERROR(documents.setText(123456, "x"), Kind::NotFound);
        EXPECT_STORAGE_ERROR(documents.text(123456), Kind::NotFound);
        QCOMPARE(countWords(""), int64_t{0});
        QCOMPARE(countWords("one"), int64_t{1});
        QCOMPARE(countWords(" a b  c "), int64_t{3});
    }

    void textSurvivesReopen() {
        const std::string path = m_project->path();
        const int64_t id = m_project->binder().create(NodeKind::Scene, "S");
        m_project->documents().setText(id, "persisted words");
        m_project.reset();
        m_project = Project::open(path);
        QCOMPARE(m_project->documents().text(id), std::string("persisted words"));
        QCOMPARE(m_project->binder().node(id).title, std::string("S"));
    }

    void multiStepChangeRollsBackOnError() {
        const int64_t chapter = m_project->binder().create(NodeKind::Chapter, "Ch");
        const int64_t scene = m_project->binder().create(NodeKind::Scene, "S", chapter);
        m_project->documents().setText(scene, "original text");
        try {
            Transaction transaction(m_project->database());
            m_project->binder().rename(scene, "Renamed");
            m_project->documents().setText(scene, "changed text");
            m_project->binder().create(NodeKind::Scene, "New", chapter);
            m_project->binder().move(chapter, scene, 0); // invalid: throws
            transaction.commit();
            QFAIL("move into a descendant did not throw");
        } catch (const StorageError& error) {
            QCOMPARE(error.kind(), Kind::InvalidArgument);
        }
        QCOMPARE(m_project->binder().node(scene).title, std::string("S"));
        QCOMPARE(m_project->documents().text(scene), std::string("original text"));
        QCOMPARE(m_project->binder().children(chapter).size(), size_t{1});
        QCOMPARE(m_project->search().search("changed").size(), size_t{0}); // index rolled back
        QCOMPARE(m_project->search().search("original").size(), size_t{1});
    }

    void revisionsAutosaveSkipsUnchanged() {
        const int64_t id = m_project->binder().create(NodeKind::Scene, "S");
        RevisionRepository& revisions = m_project->revisions();
        const int64_t t0 = 1'700'000'000'000;
        m_project->documents().setText(id, "first");
        const auto r1 = revisions.autosave(id, t0);
        QVERIFY(r1);
        QVERIFY(!revisions.autosave(id, t0 + 1000)); // unchanged: nothing new
        m_project->documents().setText(id, "second version");
        const auto r2 = revisions.autosave(id, t0 + 2000);
        QVERIFY(r2);
        const auto list = revisions.list(id);
        QCOMPARE(list.size(), size_t{2});
        QCOMPARE(list[0].id, *r2); // newest first
        QCOMPARE(list[0].kind, RevisionKind::Autosave);
        QCOMPARE(list[0].wordCount, int64_t{2});
        QCOMPARE(list[1].createdAtMs, t0);
        QCOMPARE(revisions.text(*r1), std::string("first"));
        EXPECT_STORAGE_ERROR(revisions.autosave(987654, t0), Kind::NotFound);
        EXPECT_STORAGE_ERROR(revisions.text(987654), Kind::NotFound);
    }

    void revisionsPruningPolicy() {
        const int64_t id = m_project->binder().create(NodeKind::Scene, "S");
        RevisionRepository& revisions = m_project->revisions();
        // "now" at 12:30 UTC on some day; times chosen against the documented policy.
        const int64_t day0 = 19'000 * kDay;
        const int64_t now = day0 + 12 * kHour + 30 * 60'000;
        struct Point {
            int64_t at;
            bool kept;
        };
        const int64_t m = 60'000;
        const std::vector<Point> points = {
            // older than a day: newest per UTC day kept
            {day0 - 3 * kDay + 1 * kHour, false}, // day -3, earlier
            {day0 - 3 * kDay + 5 * kHour, true},  // day -3, newest
            {day0 - 2 * kDay + 7 * kHour, true},  // day -2, alone
            // 1 h .. 1 day old: newest per clock hour kept
            {now - 20 * kHour - 10 * m, false}, // hour 16:00 of day -1 (16:20)
            {now - 20 * kHour + 5 * m, true},   // 16:35, newest of that hour
            {now - 2 * kHour - 20 * m, false},  // 10:10
            {now - 2 * kHour + 10 * m, true},   // 10:40
            {now - 90 * m, true},               // 11:00, alone in its hour
            // younger than an hour: all kept
            {now - 50 * m, true},
            {now - 40 * m, true},
            {now - 1 * m, true},
        };
        std::vector<int64_t> ids;
        for (size_t i = 0; i < points.size(); ++i) {
            m_project->documents().setText(id, "text " + std::to_string(i));
            // Each autosave prunes as of its own time, as the editor's would.
            ids.push_back(*revisions.autosave(id, points[i].at));
        }
        // By the last autosave, the earlier revision of day -3 was already thinned out.
        QVERIFY(revisions.list(id).size() < points.size());
        const int64_t named = revisions.snapshot(id, "Named, very old", day0 - 30 * kDay);

        revisions.prune(id, now);
        std::vector<int64_t> left;
        for (const Revision& r : revisions.list(id)) left.push_back(r.id);
        for (size_t i = 0; i < points.size(); ++i)
            QVERIFY2((std::find(left.begin(), left.end(), ids[i]) != left.end()) == points[i].kept,
                     qPrintable(QString("point %1").arg(i)));
        QVERIFY(std::find(left.begin(), left.end(), named) != left.end()); // never pruned
        QCOMPARE(revisions.prune(id, now), 0);                             // idempotent
    }

    void revisionsNamedSnapshotRestoreRenameRemove() {
        const int64_t id = m_project->binder().create(NodeKind::Scene, "S");
        RevisionRepository& revisions = m_project->revisions();
        DocumentRepository& documents = m_project->documents();
        documents.setText(id, "version one");
        const int64_t snap = revisions.snapshot(id, "Before the big edit", 1000);
        QCOMPARE(revisions.revision(snap).kind, RevisionKind::Named);
        QCOMPARE(revisions.revision(snap).name, std::string("Before the big edit"));
        documents.setText(id, "version two, rewritten");

        const int64_t safety = revisions.restore(snap, 2000);
        QCOMPARE(documents.text(id), std::string("version one"));
        // Nothing lost: the text we replaced is a named snapshot now.
        QCOMPARE(revisions.text(safety), std::string("version two, rewritten"));
        QCOMPARE(revisions.revision(safety).kind, RevisionKind::Named);
        QVERIFY(revisions.revision(safety).name.find("Before restoring") == 0);
        QCOMPARE(m_project->search().search("version one").size(), size_t{1});
        QVERIFY(m_project->search().search("rewritten").empty()); // index follows the restore

        revisions.rename(safety, "Second draft");
        QCOMPARE(revisions.revision(safety).name, std::string("Second draft"));
        revisions.remove(snap);
        EXPECT_STORAGE_ERROR(revisions.revision(snap), Kind::NotFound);
        EXPECT_STORAGE_ERROR(revisions.restore(snap), Kind::NotFound);
        QCOMPARE(revisions.list(id).size(), size_t{1});
        EXPECT_STORAGE_ERROR(revisions.remove(snap), Kind::NotFound);
    }

    void generationsRoundTripEveryField() {
        const int64_t scene = m_project->binder().create(NodeKind::Scene, "S");
        GenerationRepository& generations = m_project->generations();
        Generation g;
        g.task = "brainstorm";
        g.documentId = scene;
        g.contextStart = 12;
        g.contextEnd = 345;
        g.modelId = "tiny-story-1b.Q4_K_M.gguf";
        g.modelSha256 = std::string(64, 'a');
        g.adapterId = "diversity-r16";
        g.mixAlpha = 0.35;
        SamplerSettings& s = g.sampler;
        // The engine's own settings (floats that are not exact in binary: they must come back
        // bit for bit through the REAL columns).
        s.temperature = 1.1f;
        s.topK = 17;
        s.topP = 0.9f;
        s.minP = 0.02f;
        s.typicalP = 0.8f;
        s.repeatPenalty = 1.15f;
        s.penaltyLastN = 128;
        s.frequencyPenalty = 0.25f;
        s.presencePenalty = 0.5f;
        s.dryMultiplier = 0.8f;
        s.dryBase = 1.5f;
        s.dryAllowedLength = 3;
        s.dryPenaltyLastN = 512;
        s.drySequenceBreakers = {"\n", "\"", "", "*x*"};
        s.xtcProbability = 0.5f;
        s.xtcThreshold = 0.12f;
        g.seed = 0xFEDCBA9876543210ull; // above INT64_MAX: stored by its bits
        s.seed = 0x76543210u;           // the engine's 32-bit seed: the record's low bits
        g.expertsPerToken = 2;
        g.prompt = "Once upon a time";
        g.output = " there was a lighthouse.";
        g.promptTokens = 5;
        g.generatedTokens = 7;
        g.promptMs = 12.5;
        g.generationMs = 250.25;
        g.createdAtMs = 1'700'000'000'123;
        const int64_t id = generations.record(g);
        const Generation back = generations.get(id);
        QCOMPARE(back.id, id);
        QCOMPARE(back.task, g.task);
        QCOMPARE(back.documentId.value_or(0), scene);
        QCOMPARE(back.contextStart, g.contextStart);
        QCOMPARE(back.contextEnd, g.contextEnd);
        QCOMPARE(back.modelId, g.modelId);
        QCOMPARE(back.modelSha256, g.modelSha256);
        QCOMPARE(back.adapterId, g.adapterId);
        QCOMPARE(back.mixAlpha, g.mixAlpha);
        QVERIFY(back.sampler == g.sampler);
        QVERIFY(!(back.sampler == SamplerSettings{})); // not the defaults again
        QCOMPARE(back.sampler.temperature, 1.1f);
        QCOMPARE(back.seed, g.seed);
        QCOMPARE(back.expertsPerToken, 2);
        QCOMPARE(back.prompt, g.prompt);
        QCOMPARE(back.output, g.output);
        QCOMPARE(back.promptTokens, int64_t{5});
        QCOMPARE(back.generatedTokens, int64_t{7});
        QCOMPARE(back.promptMs, 12.5);
        QCOMPARE(back.generationMs, 250.25);
        QCOMPARE(back.status, GenerationStatus::Pending);
        QVERIFY(!back.parentId);
        QCOMPARE(back.createdAtMs, g.createdAtMs);

        // Branching, status changes, edits, lists.
        Generation child = g;
        child.parentId = id;
        child.output = " there was a storm.";
        child.createdAtMs = g.createdAtMs + 10;
        const int64_t c1 = generations.record(child);
        child.createdAtMs += 10;
        const int64_t c2 = generations.record(child);
        QCOMPARE(generations.children(id).size(), size_t{2});
        QCOMPARE(generations.children(id)[0].id, c1);
        generations.setStatus(c1, GenerationStatus::Accepted);
        QCOMPARE(generations.get(c1).status, GenerationStatus::Accepted);
        generations.setStatus(c1, GenerationStatus::Rejected);
        QCOMPARE(generations.get(c1).status, GenerationStatus::Rejected);
        generations.setEditedOutput(c2, " there was a small, stubborn storm.");
        QCOMPARE(generations.get(c2).status, GenerationStatus::Edited);
        QCOMPARE(generations.get(c2).output, child.output); // the original stays
        QCOMPARE(generations.get(c2).editedOutput,
                 std::string(" there was a small, stubborn storm."));
        const auto forScene = generations.forDocument(scene);
        QCOMPARE(forScene.size(), size_t{3});
        QCOMPARE(forScene[0].id, c2); // newest first
        QCOMPARE(generations.recent(2).size(), size_t{2});

        generations.remove(id);
        QVERIFY(!generations.find(id));
        QVERIFY(!generations.get(c1).parentId); // the branch survives, unlinked
        EXPECT_STORAGE_ERROR(generations.get(id), Kind::NotFound);
        EXPECT_STORAGE_ERROR(generations.setStatus(id, GenerationStatus::Accepted), Kind::NotFound);
        Generation orphan;
        orphan.task = "continue";
        orphan.documentId = 555555; // no such node: foreign key refuses it
        EXPECT_STORAGE_ERROR(generations.record(orphan), Kind::Constraint);
        for (auto status : {GenerationStatus::Pending, GenerationStatus::Accepted,
                            GenerationStatus::Rejected, GenerationStatus::Edited})
            QCOMPARE(generationStatusFromString(toString(status)).value(), status);
    }

    void storyboardBoardsAndCards() {
        StoryboardRepository& storyboard = m_project->storyboard();
        const int64_t scene = m_project->binder().create(NodeKind::Scene, "S");
        Generation g;
        g.task = "brainstorm";
        const int64_t gen = m_project->generations().record(g);
        const int64_t plot = storyboard.createBoard("Plot");
        const int64_t timeline = storyboard.createBoard("Timeline");
        QCOMPARE(storyboard.boards().size(), size_t{2});
        QCOMPARE(storyboard.boards()[0].title, std::string("Plot"));
        QCOMPARE(storyboard.boards()[1].position, 1);
        storyboard.renameBoard(timeline, "Time line");
        QCOMPARE(storyboard.board(timeline).title, std::string("Time line"));

        Card card;
        card.boardId = plot;
        card.title = "Inciting incident";
        card.text = "The clock stops.";
        card.color = 0xA0C8F0;
        card.x = 10.5;
        card.y = -20;
        card.documentId = scene;
        const int64_t c1 = storyboard.addCard(card);
        card.title = "Idea";
        card.documentId.reset();
        card.generationId = gen;
        const int64_t c2 = storyboard.addCard(card);
        Card back = storyboard.card(c1);
        QCOMPARE(back.title, std::string("Inciting incident"));
        QCOMPARE(back.text, std::string("The clock stops."));
        QCOMPARE(back.color, uint32_t{0xA0C8F0});
        QCOMPARE(back.x, 10.5);
        QCOMPARE(back.y, -20.0);
        QCOMPARE(back.documentId.value_or(0), scene);
        QVERIFY(!back.generationId);
        QCOMPARE(storyboard.card(c2).generationId.value_or(0), gen);

        storyboard.moveCard(c1, 300, 400);
        QCOMPARE(storyboard.card(c1).x, 300.0);
        QCOMPARE(storyboard.card(c1).y, 400.0);
        back = storyboard.card(c1);
        back.boardId = timeline;
        back.text = "Moved to the timeline";
        back.color = 0xFFFFFF;
        storyboard.updateCard(back);
        QCOMPARE(storyboard.cards(timeline).size(), size_t{1});
        QCOMPARE(storyboard.cards(timeline)[0].text, std::string("Moved to the timeline"));
        QCOMPARE(storyboard.cards(plot).size(), size_t{1});
        back.color = 0x1000000;
        EXPECT_STORAGE_ERROR(storyboard.updateCard(back), Kind::InvalidArgument);

        // Deleting what a card links to unlinks the card.
        m_project->generations().remove(gen);
        QVERIFY(!storyboard.card(c2).generationId);
        m_project->binder().trash(scene);
        m_project->binder().purge(scene);
        QVERIFY(!storyboard.card(c1).documentId);

        storyboard.removeCard(c2);
        EXPECT_STORAGE_ERROR(storyboard.card(c2), Kind::NotFound);
        storyboard.removeBoard(timeline); // its cards go with it
        EXPECT_STORAGE_ERROR(storyboard.card(c1), Kind::NotFound);
        EXPECT_STORAGE_ERROR(storyboard.board(timeline), Kind::NotFound);
        Card lost;
        lost.boardId = 4242;
        EXPECT_STORAGE_ERROR(storyboard.addCard(lost), Kind::Constraint);
    }

    void searchDocumentsNotesAndGenerations() {
        BinderRepository& binder = m_project->binder();
        const int64_t scene = binder.create(NodeKind::Scene, "Storm");
        const int64_t note = binder.create(NodeKind::Note, "Research");
        const int64_t other = binder.create(NodeKind::Scene, "Calm");
        m_project->documents().setText(scene, "The lighthouse keeper watched the storm roll in "
                                              "over the harbour.");
        m_project->documents().setText(note, "Lighthouses used clockwork to turn their lamps.");
        m_project->documents().setText(other, "A quiet morning in the bakery.");
        Generation g;
        g.task = "describe";
        g.prompt = "Describe the harbour";
        g.output = "Gulls wheeled above the harbour wall.";
        const int64_t gen = m_project->generations().record(g);

        SearchRepository& search = m_project->search();
        auto hits = search.search("harbour");
        QCOMPARE(hits.size(), size_t{2});
        bool sawScene = false, sawGeneration = false;
        for (const SearchHit& hit : hits) {
            if (hit.source == SearchSource::Document) {
                sawScene = hit.id == scene;
                QCOMPARE(hit.title, std::string("Storm"));
                QCOMPARE(hit.kind.value(), NodeKind::Scene);
                QVERIFY2(hit.snippet.find("[harbour]") != std::string::npos, hit.snippet.c_str());
            } else {
                sawGeneration = hit.id == gen;
                QCOMPARE(hit.title, std::string("describe"));
                QVERIFY(hit.snippet.find("[harbour]") != std::string::npos);
            }
        }
        QVERIFY(sawScene && sawGeneration);
        for (size_t i = 1; i < hits.size(); ++i) QVERIFY(hits[i - 1].rank <= hits[i].rank);

        // Prefix on the last word, notes included, all words must match, phrases.
        hits = search.search("lighthouse");
        QCOMPARE(hits.size(), size_t{2}); // "lighthouse" and "Lighthouses" (prefix)
        QCOMPARE(search.search("lighthouse keeper").size(), size_t{1});
        QCOMPARE(search.search("\"keeper watched\"").size(), size_t{1});
        QCOMPARE(search.search("\"watched keeper\"").size(), size_t{0});
        QCOMPARE(search.search("clockwork lamps").at(0).id, note);
        SearchOptions onlyDocs;
        onlyDocs.generations = false;
        QCOMPARE(search.search("harbour", onlyDocs).size(), size_t{1});
        SearchOptions marks;
        marks.markOpen = "<b>";
        marks.markClose = "</b>";
        QVERIFY(search.search("bakery", marks).at(0).snippet.find("<b>bakery</b>") !=
                std::string::npos);
        // FTS5 syntax is just text: none of these may throw.
        for (const char* odd : {"AND", "\"", "(", "a OR", "NEAR(x y)", "*", "col:x", "-", "^x", ""})
            search.search(odd);
        QVERIFY(search.search("").empty());

        // Updates and trash are reflected.
        m_project->documents().setText(other, "A quiet morning by the harbour.");
        QCOMPARE(search.search("harbour", onlyDocs).size(), size_t{2});
        QVERIFY(search.search("bakery").empty());
        binder.trash(scene);
        QCOMPARE(search.search("harbour", onlyDocs).size(), size_t{1});
        SearchOptions withTrash = onlyDocs;
        withTrash.includeTrashed = true;
        QCOMPARE(search.search("harbour", withTrash).size(), size_t{2});
        m_project->generations().setEditedOutput(gen, "Seals basked below the pier.");
        QCOMPARE(search.search("seals").size(), size_t{1});
        m_project->generations().remove(gen);
        QVERIFY(search.search("gulls").empty());
        QCOMPARE(m_project->database().queryText(
                     "SELECT 'ok' WHERE (SELECT COUNT(*) FROM document_fts) >= 0"),
                 std::string("ok"));
        // The external-content indexes agree with their tables.
        m_project->database().exec(
            "INSERT INTO document_fts(document_fts, rank) VALUES ('integrity-check', 1)");
        m_project->database().exec(
            "INSERT INTO generation_fts(generation_fts, rank) VALUES ('integrity-check', 1)");
    }

    // The project search's filters: kind, chapter (binder subtree), generation status.
    void searchFilters() {
        BinderRepository& binder = m_project->binder();
        const int64_t one = binder.create(NodeKind::Chapter, "One");
        const int64_t two = binder.create(NodeKind::Chapter, "Two");
        const int64_t sceneOne = binder.create(NodeKind::Scene, "Dock", one);
        const int64_t sceneTwo = binder.create(NodeKind::Scene, "Quay", two);
        const int64_t note = binder.create(NodeKind::Note, "Tides");
        for (int64_t id : {sceneOne, sceneTwo, note})
            m_project->documents().setText(id, "The tide came in.");
        Generation g;
        g.task = "continue";
        g.output = "The tide went out.";
        g.documentId = sceneOne;
        g.status = GenerationStatus::Accepted;
        const int64_t accepted = m_project->generations().record(g);
        g.documentId = sceneTwo;
        g.status = GenerationStatus::Rejected;
        const int64_t rejected = m_project->generations().record(g);

        SearchRepository& search = m_project->search();
        auto ids = [&](const SearchOptions& options) {
            std::set<int64_t> out;
            for (const SearchHit& hit : search.search("tide", options)) out.insert(hit.id);
            return out;
        };
        QCOMPARE(search.search("tide").size(), size_t{5});
        SearchOptions notes;
        notes.kind = NodeKind::Note;
        QCOMPARE(ids(notes), (std::set<int64_t>{note}));
        SearchOptions chapterOne;
        chapterOne.under = one;
        QCOMPARE(ids(chapterOne), (std::set<int64_t>{sceneOne, accepted}));
        SearchOptions acceptedOnly;
        acceptedOnly.status = GenerationStatus::Accepted;
        QCOMPARE(ids(acceptedOnly), (std::set<int64_t>{accepted}));
        const auto hits = search.search("tide", acceptedOnly);
        QCOMPARE(hits.at(0).documentId.value(), sceneOne);
        QCOMPARE(hits.at(0).status.value(), GenerationStatus::Accepted);
        SearchOptions rejectedInTwo;
        rejectedInTwo.status = GenerationStatus::Rejected;
        rejectedInTwo.under = two;
        QCOMPARE(ids(rejectedInTwo), (std::set<int64_t>{rejected}));
        rejectedInTwo.under = one;
        QVERIFY(ids(rejectedInTwo).empty());
    }

    void projectTitle() {
        QCOMPARE(m_project->title(), QString("p%1").arg(m_counter).toStdString());
        m_project->setTitle("The Salt Clock");
        QCOMPARE(m_project->title(), std::string("The Salt Clock"));
    }

    void standardAndSampleProjects() {
        const std::string standardPath = pathIn(m_dir, "standard.fabulist");
        auto standard = createStandardProject(standardPath, "My Novel");
        QCOMPARE(titles(standard->binder().tree()),
                 (Titles{"Manuscript", "Characters", "Places", "Notes"}));
        QCOMPARE(standard->title(), std::string("My Novel"));

        const std::string samplePath = pathIn(m_dir, "sample.fabulist");
        auto sample = createSampleProject(samplePath);
        QCOMPARE(sample->title(), std::string("The Salt Clock"));
        const auto tree = sample->binder().tree();
        int chapters = 0, scenes = 0, characters = 0, places = 0, notes = 0;
        int64_t words = 0;
        for (const BinderNode& node : tree) {
            chapters += node.kind == NodeKind::Chapter;
            scenes += node.kind == NodeKind::Scene;
            characters += node.kind == NodeKind::Character;
            places += node.kind == NodeKind::Place;
            notes += node.kind == NodeKind::Note;
            if (node.kind == NodeKind::Scene) {
                const std::string text = sample->documents().text(node.id);
                QVERIFY2(!text.empty() && text.back() != '\n', node.title.c_str());
                words += sample->documents().wordCount(node.id);
            }
        }
        QCOMPARE(chapters, 2);
        QCOMPARE(scenes, 4);
        QVERIFY(characters >= 2 && places >= 2 && notes >= 2);
        QVERIFY2(words > 500, qPrintable(QString::number(words))); // a page or two of prose
        QCOMPARE(sample->storyboard().boards().size(), size_t{1});
        const auto cards = sample->storyboard().cards(sample->storyboard().boards()[0].id);
        QVERIFY(cards.size() >= 3);
        QVERIFY(cards[0].documentId);
        QCOMPARE(sample->binder().node(*cards[0].documentId).kind, NodeKind::Scene);
        QVERIFY(!sample->search().search("clock").empty());
        QCOMPARE(sample->integrityCheck(), std::string("ok"));
        EXPECT_STORAGE_ERROR(createSampleProject(samplePath), Kind::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(StorageRepositoriesTest)
#include "storage_repositories_test.moc"
