// Goals and statistics (#19 item 3) in the real MainWindow on a real project file with a seeded
// revision history: goals set through Project > Goals… show in the status bar and the binder and
// are stored in the project; typing moves today's bar without a save; the binder row's menu sets
// a document's goal; Project > Statistics… opens with the chart of words per day (exact seeded
// values), today, the streak and mine vs the model.
// Writes artifacts/goals-dialog-{light,dark}.png, goals-progress-{light,dark}.png and
// statistics-{light,dark}.png.
#include "gui_test_support.h"
#include "storage/goal_repository.h"
#include "storage/project.h"
#include "storage/sample_project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/main_window.h"
#include "ui/project/binder_model.h"
#include "ui/project/binder_view.h"
#include "ui/project/goal_bar.h"
#include "ui/project/goal_display.h"
#include "ui/project/goal_tracker.h"
#include "ui/project/goals_dialog.h"
#include "ui/project/statistics_view.h"

#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QContextMenuEvent>
#include <QDateEdit>
#include <QLabel>
#include <QPainter>
#include <QSpinBox>
#include <QStatusBar>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

std::string words(int n, const std::string& lead = {}) {
    std::string text = lead;
    for (int i = 1; i <= n; ++i) text += (text.empty() ? "w" : " w") + std::to_string(i);
    return text;
}

int64_t localMs(int daysAgo, int hour) {
    return QDateTime(QDate::currentDate().addDays(-daysAgo), QTime(hour, 0)).toMSecsSinceEpoch();
}

const std::string kAccepted = "The lamp burned low over the harbour.";

} // namespace

class GoalsStatisticsTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void goalsDialogShowsInStatusBarAndBinder();
    void typingMovesTodaysBarWithoutASave();
    void binderMenuSetsADocumentGoal();
    void statisticsViewOpensWithTheChart();
    void screenshots();
    void cleanupTestCase();

private:
    GoalsDialog* openGoalsByKeyboard();
    StatisticsView* openStatisticsByKeyboard();
    QColor binderBarPixel(int64_t nodeId);

    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<MainWindow> m_window;
    int64_t m_sceneA = 0, m_sceneB = 0;
};

void GoalsStatisticsTest::initTestCase() {
    m_path = m_dir.filePath(QStringLiteral("goals.fabulist"));
    {
        auto project = storage::createStandardProject(m_path.toStdString(), "Goals");
        storage::BinderRepository& binder = project->binder();
        const int64_t manuscript = binder.children(std::nullopt).front().id;
        const int64_t chapter = binder.create(storage::NodeKind::Chapter, "Low Water", manuscript);
        m_sceneA = binder.create(storage::NodeKind::Scene, "The Lamp", chapter);
        m_sceneB = binder.create(storage::NodeKind::Scene, "The Quay", chapter);
        const auto revise = [&](int64_t node, const std::string& text, int daysAgo) {
            project->documents().setText(node, text);
            project->revisions().snapshot(node, "seeded", localMs(daysAgo, 11));
        };
        revise(m_sceneA, words(120), 3);           // 3 days ago: 120
        revise(m_sceneB, words(73, kAccepted), 2); // 2 days ago: 80 (7 of them the model's)
        revise(m_sceneA, words(300), 1);           // yesterday: 180
        storage::Generation g;
        g.task = "continue";
        g.documentId = m_sceneB;
        g.output = kAccepted;
        g.status = storage::GenerationStatus::Accepted;
        project->generations().record(g);
    }
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1280, 800);
    QVERIFY(m_window->openProject(m_path));
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->binderView()->selectNode(m_sceneA);
    QCOMPARE(m_window->documentSession()->currentId(), std::optional<int64_t>(m_sceneA));
}

void GoalsStatisticsTest::cleanupTestCase() {
    m_window.reset();
}

GoalsDialog* GoalsStatisticsTest::openGoalsByKeyboard() {
    m_window->activateWindow();
    if (!QTest::qWaitForWindowActive(m_window.get())) return nullptr;
    QTest::keyClick(m_window.get(), Qt::Key_G, Qt::ControlModifier | Qt::AltModifier);
    GoalsDialog* dialog = nullptr;
    [&] { QTRY_VERIFY((dialog = m_window->findChild<GoalsDialog*>()) && dialog->isVisible()); }();
    return dialog && dialog->isVisible() ? dialog : nullptr;
}

StatisticsView* GoalsStatisticsTest::openStatisticsByKeyboard() {
    m_window->activateWindow();
    if (!QTest::qWaitForWindowActive(m_window.get())) return nullptr;
    QTest::keyClick(m_window.get(), Qt::Key_S, Qt::ControlModifier | Qt::AltModifier);
    StatisticsView* view = nullptr;
    [&] { QTRY_VERIFY((view = m_window->findChild<StatisticsView*>()) && view->isVisible()); }();
    return view && view->isVisible() ? view : nullptr;
}

// The colour at the middle of the bar's filled part (its left end) in the node's binder row.
QColor GoalsStatisticsTest::binderBarPixel(int64_t nodeId) {
    BinderView* binder = m_window->binderView();
    const QRect row = binder->visualRect(m_window->binderModel()->indexOf(nodeId));
    const QImage image = binder->viewport()->grab().toImage();
    return image.pixelColor(row.right() - 44 - 6 + 2, row.center().y());
}

void GoalsStatisticsTest::goalsDialogShowsInStatusBarAndBinder() {
    GoalDisplay* display = m_window->goalDisplay();
    QVERIFY(!display->todayBar()->isVisible());
    QVERIFY(!display->projectBar()->isVisible());
    const QColor highlight = m_window->binderView()->palette().color(QPalette::Highlight);
    m_window->binderView()->selectNode(m_sceneB); // a row other than the one measured
    m_window->binderView()->selectNode(m_sceneA);

    GoalsDialog* dialog = openGoalsByKeyboard();
    QVERIFY(dialog);
    QVERIFY(dialog->documentWordsBox()); // the binder's current node: The Lamp
    QCOMPARE(dialog->focusWidget(), dialog->documentWordsBox());
    dialog->documentWordsBox()->setValue(400);
    dialog->projectWordsBox()->setValue(1'000);
    dialog->sessionWordsBox()->setValue(50);
    dialog->deadlineBox()->setChecked(true);
    dialog->deadlineEdit()->setDate(QDate::currentDate().addDays(9));
    QTest::keyClick(dialog->documentWordsBox(), Qt::Key_Return); // OK
    QTRY_VERIFY(!m_window->findChild<GoalsDialog*>());

    // Stored in the project file.
    storage::GoalRepository goals(m_window->project()->database());
    QCOMPARE(goals.projectGoals().projectWords, int64_t(1'000));
    QCOMPARE(goals.projectGoals().sessionWords, int64_t(50));
    QCOMPARE(goals.projectGoals().deadline,
             QDate::currentDate().addDays(9).toString(Qt::ISODate).toStdString());
    QCOMPARE(goals.documentGoal(m_sceneA), int64_t(400));

    // The status bar: today 0 of 50; the manuscript 380 of 1,000, 62 a day for 10 days.
    QVERIFY(display->todayBar()->isVisible());
    QCOMPARE(display->todayBar()->text(), QStringLiteral("Today 0 / 50"));
    QVERIFY(display->projectBar()->isVisible());
    QCOMPARE(display->projectBar()->text(), QStringLiteral("Project 380 / 1,000"));
    QCOMPARE(display->projectBar()->value(), 380);
    QVERIFY(display->binderProjectBar()->isVisible());
    QVERIFY(display->binderSummary()->isVisible());
    QVERIFY2(display->binderSummary()->text().contains(QStringLiteral("62 a day")),
             qPrintable(display->binderSummary()->text()));
    // The binder: The Lamp's row draws its bar (300 of 400) in the highlight colour.
    const auto progress = m_window->goalTracker()->nodeProgress(m_sceneA);
    QVERIFY(progress);
    QCOMPARE(progress->words, int64_t(300));
    // Measured with neither row selected (a selected row is drawn in the highlight colour).
    m_window->binderView()->selectNode(
        m_window->binderModel()
            ->nodeId(m_window->binderModel()->indexOf(m_sceneA).parent())
            .value());
    QCOMPARE(binderBarPixel(m_sceneA).rgb(), highlight.rgb());
    QVERIFY(binderBarPixel(m_sceneB).rgb() != highlight.rgb()); // no goal, no bar
    m_window->binderView()->selectNode(m_sceneA);
    QCOMPARE(m_window->documentSession()->currentId(), std::optional<int64_t>(m_sceneA));
}

void GoalsStatisticsTest::typingMovesTodaysBarWithoutASave() {
    GoalDisplay* display = m_window->goalDisplay();
    EditorView* editor = m_window->editor();
    editor->setFocus();
    editor->moveCursor(QTextCursor::End);
    QTest::keyClicks(editor, QStringLiteral(" one two three four five"));
    QVERIFY(m_window->documentSession()->hasUnsavedChanges()); // no save yet
    QCOMPARE(display->todayBar()->text(), QStringLiteral("Today 5 / 50"));
    QCOMPARE(display->todayBar()->value(), 100);
    QCOMPARE(display->projectBar()->text(), QStringLiteral("Project 385 / 1,000"));
    QCOMPARE(m_window->goalTracker()->nodeProgress(m_sceneA)->words, int64_t(305));
    // Deleting counts too: the day's figure is net.
    QTest::keyClick(editor, Qt::Key_Backspace, Qt::ControlModifier);
    QCOMPARE(display->todayBar()->text(), QStringLiteral("Today 4 / 50"));
    QTest::keyClicks(editor, QStringLiteral("five"));
    QVERIFY(m_window->documentSession()->save());
    QCOMPARE(display->todayBar()->text(), QStringLiteral("Today 5 / 50"));
}

void GoalsStatisticsTest::binderMenuSetsADocumentGoal() {
    BinderView* binder = m_window->binderView();
    binder->selectNode(m_sceneB);
    binder->setFocus();
    // The Menu key's context menu on the row; Set Word Goal… opens the dialog for that row.
    bool found = false;
    QTimer poll;
    connect(&poll, &QTimer::timeout, this, [&] {
        auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
        if (!menu) return;
        poll.stop();
        for (QAction* a : menu->actions())
            if (a->text() == QStringLiteral("Set Word &Goal\u2026")) {
                found = true;
                a->trigger();
            }
        menu->close();
    });
    poll.start(20);
    const QPoint pos = binder->visualRect(binder->currentIndex()).center();
    QContextMenuEvent event(QContextMenuEvent::Keyboard, pos, binder->viewport()->mapToGlobal(pos));
    QApplication::sendEvent(binder->viewport(), &event);
    QVERIFY(found);
    GoalsDialog* dialog = nullptr;
    QTRY_VERIFY((dialog = m_window->findChild<GoalsDialog*>()) && dialog->isVisible());
    QVERIFY(dialog->documentWordsBox());
    QCOMPARE(dialog->documentWordsBox()->value(), 0);
    dialog->documentWordsBox()->setValue(160);
    dialog->accept();
    QCOMPARE(storage::GoalRepository(m_window->project()->database()).documentGoal(m_sceneB),
             int64_t(160));
    QCOMPARE(m_window->goalTracker()->nodeProgress(m_sceneB)->words, int64_t(80));
}

void GoalsStatisticsTest::statisticsViewOpensWithTheChart() {
    StatisticsView* view = openStatisticsByKeyboard();
    QVERIFY(view);
    const storage::WritingStatistics& stats = view->statistics();
    QCOMPARE(stats.today, int64_t(5));
    QCOMPARE(stats.streak, int64_t(4));
    QCOMPARE(stats.manuscriptWords, int64_t(385));
    QCOMPARE(stats.modelWords, int64_t(7));

    QChart* chart = view->chartView()->chart();
    QCOMPARE(chart->series().size(), 1);
    auto* series = qobject_cast<QBarSeries*>(chart->series().front());
    QVERIFY(series);
    QBarSet* set = series->barSets().front();
    QCOMPARE(set->count(), StatisticsView::kDaysShown);
    const int last = set->count() - 1;
    QCOMPARE(set->at(last - 3), 120.0);
    QCOMPARE(set->at(last - 2), 80.0);
    QCOMPARE(set->at(last - 1), 180.0);
    QCOMPARE(set->at(last), 5.0);
    QCOMPARE(set->at(last - 4), 0.0);
    QVERIFY2(view->summaryLabel()->text().contains(QStringLiteral("4 days")),
             qPrintable(view->summaryLabel()->text()));
    const QString ownership = view->ownershipLabel()->text();
    QVERIFY2(ownership.contains(QStringLiteral("378 (98%) are yours")) &&
                 ownership.contains(QStringLiteral("7 (2%) were accepted from the model")),
             qPrintable(ownership));
    view->close();
}

void GoalsStatisticsTest::screenshots() {
    for (const auto& [appearance, name] : {std::pair{Appearance::Light, QStringLiteral("light")},
                                           std::pair{Appearance::Dark, QStringLiteral("dark")}}) {
        m_window->setAppearance(appearance);
        m_window->binderView()->selectNode(m_sceneB);
        QCoreApplication::processEvents();
        QVERIFY(m_window->grab().save(test::artifactPath("goals-progress-" + name + ".png")));

        GoalsDialog* dialog = openGoalsByKeyboard();
        QVERIFY(dialog);
        QVERIFY(dialog->grab().save(test::artifactPath("goals-dialog-" + name + ".png")));
        dialog->reject();
        QTRY_VERIFY(!m_window->findChild<GoalsDialog*>());

        StatisticsView* view = openStatisticsByKeyboard();
        QVERIFY(view);
        QCoreApplication::processEvents();
        QVERIFY(view->grab().save(test::artifactPath("statistics-" + name + ".png")));
        view->close();
        QTRY_VERIFY(!m_window->findChild<StatisticsView*>());
    }
    m_window->setAppearance(Appearance::Light);
}

FABULIST_GUI_TEST_MAIN(GoalsStatisticsTest)
#include "goals_statistics_test.moc"
