// Goals (stored in project_meta, reloaded after reopening) and the writing statistics computed
// from a seeded revision history: exact words per day, today, the streak, mine vs the model.
#include "storage/goal_repository.h"
#include "storage/project.h"
#include "storage/writing_statistics.h"
#include "tests/storage/storage_test_util.h"

#include <QDate>
#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

using namespace fabulist::storage;
using namespace fabulist::storage::test;
using Kind = StorageError::Kind;

namespace {

// n distinct words ("w1 w2 ... wn"), after an optional lead-in.
std::string words(int n, const std::string& lead = {}) {
    std::string text = lead;
    for (int i = 1; i <= n; ++i) text += (text.empty() ? "w" : " w") + std::to_string(i);
    return text;
}

// hour:00 local time, `daysAgo` days before today.
int64_t localMs(int daysAgo, int hour) {
    return QDateTime(QDate::currentDate().addDays(-daysAgo), QTime(hour, 0)).toMSecsSinceEpoch();
}

} // namespace

class StorageGoalsStatisticsTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void goalsStoredAndReloaded() {
        const std::string path = pathIn(m_dir, "goals.fabulist");
        int64_t scene = 0;
        {
            auto project = Project::create(path);
            scene = project->binder().create(NodeKind::Scene, "Scene");
            GoalRepository goals(project->database());
            QCOMPARE(goals.projectGoals(), ProjectGoals{});
            goals.setProjectGoals({80'000, "2031-02-28", 500});
            goals.setDocumentGoal(scene, 2'500);
            EXPECT_STORAGE_ERROR(goals.setProjectGoals({1, "2031-02-30", 0}),
                                 Kind::InvalidArgument);
            EXPECT_STORAGE_ERROR(goals.setDocumentGoal(scene, -1), Kind::InvalidArgument);
        }
        auto project = Project::open(path);
        GoalRepository goals(project->database());
        QCOMPARE(goals.projectGoals(), (ProjectGoals{80'000, "2031-02-28", 500}));
        QCOMPARE(goals.documentGoal(scene), int64_t(2'500));
        QCOMPARE(goals.documentGoals(), (std::map<int64_t, int64_t>{{scene, 2'500}}));
        // 0 and an empty deadline remove the goal.
        goals.setProjectGoals({80'000, "", 0});
        goals.setDocumentGoal(scene, 0);
        QCOMPARE(goals.projectGoals(), (ProjectGoals{80'000, "", 0}));
        QVERIFY(goals.documentGoals().empty());
    }

    void wordsPerDay() {
        QCOMPARE(civilDayFromIso("1970-01-02"), std::optional<int64_t>(1));
        QCOMPARE(civilDayFromIso("2024-02-29"), std::optional<int64_t>(19782));
        QVERIFY(!civilDayFromIso("2023-02-29"));
        QVERIFY(!civilDayFromIso("2023-2-28"));
        // 1,000 words in 3 days counting today and the deadline's day: 334 a day.
        QCOMPARE(wordsPerDayNeeded(1'000, 100, 102), std::optional<int64_t>(334));
        QCOMPARE(wordsPerDayNeeded(1'000, 100, 100), std::optional<int64_t>(1'000));
        QCOMPARE(wordsPerDayNeeded(0, 100, 90), std::optional<int64_t>(0));
        QVERIFY(!wordsPerDayNeeded(10, 100, 99)); // the deadline has passed
    }

    void localDaysMatchTheCalendar() {
        const int64_t now = currentTimeMs();
        QCOMPARE(localDay(now), int64_t(QDate(1970, 1, 1).daysTo(QDate::currentDate())));
        const int64_t start = localDayStartMs(localDay(now));
        QCOMPARE(start, QDateTime(QDate::currentDate(), QTime(0, 0)).toMSecsSinceEpoch());
        QCOMPARE(localDay(start), localDay(now));
        QCOMPARE(localDay(start - 1), localDay(now) - 1);
    }

    void statisticsFromSeededHistory() {
        auto project = Project::create(pathIn(m_dir, "stats.fabulist"));
        BinderRepository& binder = project->binder();
        DocumentRepository& documents = project->documents();
        RevisionRepository& revisions = project->revisions();
        const int64_t chapter = binder.create(NodeKind::Chapter, "One");
        const int64_t a = binder.create(NodeKind::Scene, "A", chapter);
        const int64_t b = binder.create(NodeKind::Scene, "B", chapter);
        const int64_t note = binder.create(NodeKind::Note, "Note");
        const auto revise = [&](int64_t node, const std::string& text, int daysAgo, int hour) {
            documents.setText(node, text);
            revisions.snapshot(node, "seeded", localMs(daysAgo, hour));
        };
        revise(a, words(10), 5, 9);    // 5 days ago: +10
        revise(a, words(100), 3, 10);  // 3 days ago: only the day's last revision counts:
        revise(a, words(150), 3, 15);  //   150 - 10 = +140
        revise(a, words(120), 2, 11);  // 2 days ago: A loses 30 (deletions subtract) ...
        revise(b, words(50), 2, 12);   //   ... B gains 50 from nothing: +20 in all
        revise(a, words(220), 1, 9);   // yesterday: +100
        revise(note, words(7), 1, 10); //   notes are writing too: +7
        // Today: B grows from 50 to 90 (its text saved now, a revision taken earlier today).
        const std::string accepted = "The river kept its counsel all night.";
        revisions.snapshot(b, "today", currentTimeMs());
        documents.setText(b, accepted + " " + words(83));
        QCOMPARE(documents.wordCount(b), int64_t(90));

        GenerationRepository& generations = project->generations();
        const auto generation = [&](const std::string& output, GenerationStatus status,
                                    const std::string& edited = {}) {
            Generation g;
            g.task = "continue";
            g.documentId = b;
            g.output = output;
            g.editedOutput = edited;
            g.status = status;
            generations.record(g);
        };
        generation(accepted, GenerationStatus::Accepted);            // 7 words, still there
        generation(accepted, GenerationStatus::Accepted);            // the same text again: once
        generation("w1 w2 w3", GenerationStatus::Rejected);          // rejected: not the model's
        generation("Reworded since.", GenerationStatus::Accepted);   // no longer in the text
        generation("raw output", GenerationStatus::Edited, "w4 w5"); // what the writer kept: 2

        const WritingStatistics stats = computeWritingStatistics(*project, currentTimeMs());
        const int64_t today = localDay(currentTimeMs());
        QCOMPARE(stats.perDay.size(), size_t(6));
        const int64_t expected[] = {10, 0, 140, 20, 107, 40};
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(stats.perDay[size_t(i)].day, today - 5 + i);
            QCOMPARE(stats.perDay[size_t(i)].words, expected[i]);
        }
        QCOMPARE(stats.today, int64_t(40));
        QCOMPARE(stats.streak, int64_t(4)); // today back to 3 days ago; 4 days ago had none
        QCOMPARE(stats.manuscriptWords, int64_t(220 + 90)); // the note is not manuscript
        QCOMPARE(stats.modelWords, int64_t(7 + 2));
        QCOMPARE(stats.writerWords(), int64_t(310 - 9));
        QCOMPARE(todayBaseline(*project, currentTimeMs()).todayWords(), int64_t(40));
    }

    void streakSurvivesUntilTheDayIsOver() {
        auto project = Project::create(pathIn(m_dir, "streak.fabulist"));
        const int64_t scene = project->binder().create(NodeKind::Scene, "S");
        project->documents().setText(scene, words(30));
        project->revisions().snapshot(scene, "seeded", localMs(2, 10));
        project->documents().setText(scene, words(45));
        project->revisions().snapshot(scene, "seeded", localMs(1, 10));
        // Nothing written today yet: the streak of 2 still stands, today counts 0.
        const WritingStatistics stats = computeWritingStatistics(*project, localMs(0, 23));
        QCOMPARE(stats.today, int64_t(0));
        QCOMPARE(stats.streak, int64_t(2));
        QCOMPARE(stats.perDay.back().words, int64_t(0));
    }
};

QTEST_GUILESS_MAIN(StorageGoalsStatisticsTest)
#include "storage_goals_statistics_test.moc"
