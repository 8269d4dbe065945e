// The History tab on the real MainWindow and a real project file: a ledger written through the
// project's GenerationRepository (branches, statuses, an edited one) shown as a tree, filtered
// by status, searched through the full-text index, read whole, used at the cursor, compared,
// and continued from with the real default model (a new child under the chosen node). Writes
// <build>/artifacts/history-view.png.
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/history_view.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/project/snapshot_compare_view.h"

#include <QDir>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTextCursor>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>

using namespace fabulist;
using namespace fabulist::ui;
using storage::GenerationStatus;

class HistoryViewTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void ledgerIsATreeNewestFirst();
    void filterKeepsTheBranchToAMatch();
    void searchFindsAnyGeneration();
    void readUseAndCompare();
    void continueFromHereAddsAChild();

private:
    int64_t record(const std::string& output, GenerationStatus status,
                   std::optional<int64_t> parent, const std::string& edited = {});

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    HistoryView* m_history = nullptr;
    int64_t m_scene = 0;
    int64_t m_root = 0, m_retry = 0, m_deeper = 0, m_other = 0;
};

int64_t HistoryViewTest::record(const std::string& output, GenerationStatus status,
                                std::optional<int64_t> parent, const std::string& edited) {
    storage::Generation g;
    g.task = "continue";
    g.documentId = m_scene;
    g.prompt = "The keeper climbed the stairs.";
    g.contextEnd = 30;
    g.output = output;
    g.editedOutput = edited;
    g.status = status;
    g.parentId = parent;
    g.modelId = "fabulist-default";
    g.mixAlpha = 0.3;
    g.seed = 42;
    return m_window->project()->generations().record(g);
}

void HistoryViewTest::initTestCase() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1360, 860);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->newProject(m_dir.filePath(QStringLiteral("history.fabulist"))));
    m_window->binderView()->setCurrentIndex({});
    m_scene = m_window->binderView()
                  ->createNode(storage::NodeKind::Scene, QStringLiteral("Stairs"))
                  .value();
    m_window->editor()->insertPlainText(QStringLiteral("The keeper climbed the stairs."));
    m_root = record(" The lamp was cold.", GenerationStatus::Rejected, std::nullopt);
    m_retry = record(" A gull cried over the lighthouse.", GenerationStatus::Rejected, m_root);
    m_deeper = record(" Then the wind rose.", GenerationStatus::Edited, m_retry,
                      " Then the wind rose, and the door banged.");
    m_other = record(" Nobody answered.", GenerationStatus::Accepted, std::nullopt);
    m_history = m_window->historyView();
    QVERIFY(m_history);
    m_history->reload();
    m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"))->setCurrentWidget(m_history);
}

void HistoryViewTest::ledgerIsATreeNewestFirst() {
    QTreeWidget* tree = m_history->tree();
    QCOMPARE(tree->topLevelItemCount(), 2);
    // Newest first at the top; a branch under the generation it came from.
    QCOMPARE(m_history->shownIds(), (QList<int64_t>{m_other, m_root, m_retry, m_deeper}));
    QCOMPARE(tree->topLevelItem(1)->childCount(), 1);
    QCOMPARE(tree->topLevelItem(1)->child(0)->childCount(), 1);
    QCOMPARE(tree->topLevelItem(0)->text(1), QStringLiteral("accepted"));
    QVERIFY(tree->topLevelItem(1)->child(0)->child(0)->text(0).startsWith(
        QStringLiteral("Then the wind rose, and the door"))); // the writer's edit
}

void HistoryViewTest::filterKeepsTheBranchToAMatch() {
    m_history->setStatusFilter(QStringLiteral("edited"));
    // The edited one, under the two it branched from (kept so the branch reads).
    QCOMPARE(m_history->shownIds(), (QList<int64_t>{m_root, m_retry, m_deeper}));
    m_history->setStatusFilter(QStringLiteral("accepted"));
    QCOMPARE(m_history->shownIds(), (QList<int64_t>{m_other}));
    m_history->setStatusFilter(QString());
    QCOMPARE(m_history->shownIds().size(), 4);
}

void HistoryViewTest::searchFindsAnyGeneration() {
    m_history->setSearch(QStringLiteral("lighthouse"));
    QCOMPARE(m_history->shownIds(), (QList<int64_t>{m_retry}));
    m_history->setSearch(QString());
    QCOMPARE(m_history->shownIds().size(), 4);
}

void HistoryViewTest::readUseAndCompare() {
    m_history->select(m_deeper);
    QCOMPARE(m_history->reader()->toPlainText(),
             QStringLiteral(" Then the wind rose, and the door banged."));
    m_history->select(m_retry);
    EditorView* editor = m_window->editor();
    editor->moveCursor(QTextCursor::End);
    QVERIFY(m_history->useSelected());
    QCOMPARE(editor->toPlainText(), QStringLiteral("The keeper climbed the stairs. A gull cried "
                                                   "over the lighthouse."));
    QCOMPARE(m_window->project()->generations().get(m_retry).status, GenerationStatus::Accepted);
    editor->undo(); // one step
    QCOMPARE(editor->toPlainText(), QStringLiteral("The keeper climbed the stairs."));

    // Two selected: side by side.
    m_history->tree()->clearSelection();
    for (QTreeWidgetItemIterator it(m_history->tree()); *it; ++it)
        if ((*it)->text(0).startsWith(QStringLiteral("The lamp")) ||
            (*it)->text(0).startsWith(QStringLiteral("Nobody")))
            (*it)->setSelected(true);
    auto* view = qobject_cast<SnapshotCompareView*>(m_history->compareSelected());
    QVERIFY(view);
    QVERIFY((view->oldPane()->toPlainText() == QStringLiteral(" Nobody answered.") &&
             view->newPane()->toPlainText() == QStringLiteral(" The lamp was cold.")) ||
            (view->newPane()->toPlainText() == QStringLiteral(" Nobody answered.") &&
             view->oldPane()->toPlainText() == QStringLiteral(" The lamp was cold.")));
    view->close();
}

void HistoryViewTest::continueFromHereAddsAChild() {
    GeneratePanel* panel = m_window->generatePanel();
    QSignalSpy ready(panel, &GeneratePanel::modelReady);
    panel->loadDefaultModel();
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() == 1, 30000);
    panel->lengthBox()->setValue(12);
    panel->candidatesBox()->setValue(1); // one child (several candidates would be siblings)
    m_history->select(m_deeper);
    QSignalSpy recorded(panel, &GeneratePanel::generationRecorded);
    QVERIFY(m_history->continueFromSelected());
    QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, 30000);
    const storage::Generation child =
        m_window->project()->generations().get(recorded.at(0).at(0).toLongLong());
    QCOMPARE(child.parentId, std::optional<int64_t>(m_deeper));
    QCOMPARE(child.documentId, std::optional<int64_t>(m_scene));
    // Its prompt is the branch's text: the parent's prompt and the writer's edit.
    QVERIFY2(QString::fromStdString(child.prompt).endsWith(QStringLiteral("and the door banged.")),
             child.prompt.c_str());
    // The tree shows it under the node it continued.
    QTRY_COMPARE(m_history->shownIds().size(), 5);
    QCOMPARE(m_history->shownIds().indexOf(child.id), m_history->shownIds().indexOf(m_deeper) + 1);
    m_history->select(child.id);
    QTest::qWait(50);
    QVERIFY(m_window->grab().save(test::artifactPath(QStringLiteral("history-view.png"))));
}

FABULIST_GUI_TEST_MAIN(HistoryViewTest)
#include "history_view_test.moc"
