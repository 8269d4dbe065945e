// The desk's small rough edges on the real MainWindow and a real project file (issue "the
// desk's rough edges", item 18): Find says "n of m"; a click in the margin beside the text column
// moves the caret there; Compare's summary speaks plainly; View > Appearance switches light and
// dark whatever the system says; About names the version, the model and the licences. Writes
// artifacts/appearance-dark.png, appearance-light.png, find-count.png and about.png.
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/find_bar.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/project/snapshot_compare_view.h"
#include "ui/project/snapshots_panel.h"
#include "ui/settings.h"

#include <QDir>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QStyleFactory>
#include <QTextBlock>
#include <QTextCursor>
#include <fabulist/version.h>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

QString artifact(const QString& name) {
    return fabulist::test::artifactPath(name);
}

const QString kText = QStringLiteral(
    "The keeper lit the lamp.\n\nThe lamp burned all night, and the keeper watched the lamp.\n\n"
    "At dawn the lamp went out.");

} // namespace

class DeskSmallTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void findShowsWhichMatchOfHowMany();
    void clickInTheMarginMovesTheCaret();
    void compareSummarySpeaksPlainly();
    void appearanceSwitchesLightAndDark();
    void aboutNamesVersionModelAndLicences();
    void cleanupTestCase();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
};

void DeskSmallTest::initTestCase() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1360, 860);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->newProject(m_dir.filePath(QStringLiteral("small.fabulist"))));
    m_window->binderView()->setCurrentIndex({});
    QVERIFY(m_window->binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Lamp")));
    m_window->editor()->setFocus();
    m_window->editor()->insertPlainText(kText);
}

void DeskSmallTest::cleanupTestCase() {
    m_window.reset();
}

void DeskSmallTest::findShowsWhichMatchOfHowMany() {
    EditorView* editor = m_window->editor();
    editor->moveCursor(QTextCursor::Start);
    QTest::keySequence(m_window.get(), QKeySequence::Find);
    FindBar* bar = m_window->findBar();
    QVERIFY(bar->isVisible());
    QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("lamp"));
    QVERIFY(bar->findNext());
    QCOMPARE(bar->statusText(), QStringLiteral("1 of 4"));
    QVERIFY(bar->findNext());
    QCOMPARE(bar->statusText(), QStringLiteral("2 of 4"));
    QVERIFY(bar->grab().save(artifact(QStringLiteral("find-count.png"))));
    QVERIFY(bar->findNext());
    QVERIFY(bar->findNext());
    QCOMPARE(bar->statusText(), QStringLiteral("4 of 4"));
    QVERIFY(bar->findNext()); // wraps to the first
    QVERIFY2(bar->statusText().startsWith(QStringLiteral("1 of 4")) &&
                 bar->statusText().contains(QStringLiteral("wrapped")),
             qPrintable(bar->statusText()));
    QVERIFY(bar->findPrevious());
    QCOMPARE(bar->statusText(), QStringLiteral("4 of 4 \u00B7 wrapped around"));
    bar->setFindText(QStringLiteral("lighthouse"));
    QVERIFY(!bar->findNext());
    QCOMPARE(bar->statusText(), QStringLiteral("Not found"));
    QTest::keyClick(bar, Qt::Key_Escape);
}

void DeskSmallTest::clickInTheMarginMovesTheCaret() {
    EditorView* editor = m_window->editor();
    editor->moveCursor(QTextCursor::Start);
    const QRect page = editor->viewport()->geometry();
    QVERIFY2(page.left() > 40, "the window is wide enough for margins beside the column");
    // The third block ("The lamp burned ...") in viewport coordinates.
    const QTextBlock block = editor->document()->findBlockByNumber(2);
    const QRect line = editor->cursorRect(QTextCursor(block));
    const int y = page.top() + line.center().y();
    // Left margin: the start of that line.
    QTest::mouseClick(editor, Qt::LeftButton, {}, QPoint(page.left() / 2, y));
    QCOMPARE(editor->textCursor().position(), block.position());
    // Right margin: the end of that (first visual) line, past the start.
    QTest::mouseClick(editor, Qt::LeftButton, {}, QPoint(page.right() + 10, y));
    QCOMPARE(editor->textCursor().block().blockNumber(), 2);
    QVERIFY(editor->textCursor().position() > block.position() + 20);
    QVERIFY(editor->hasFocus());
}

void DeskSmallTest::compareSummarySpeaksPlainly() {
    QCOMPARE(SnapshotCompareView::describeChanges(0, 0), QStringLiteral("No differences"));
    QCOMPARE(SnapshotCompareView::describeChanges(0, 6), QStringLiteral("6 paragraphs added"));
    QCOMPARE(SnapshotCompareView::describeChanges(1, 0), QStringLiteral("1 paragraph removed"));
    QCOMPARE(SnapshotCompareView::describeChanges(2, 3),
             QStringLiteral("2 paragraphs removed, 3 added"));
    // In the window: a snapshot, three new paragraphs, Compare.
    SnapshotsPanel* snapshots = m_window->snapshotsPanel();
    const std::optional<int64_t> v1 = snapshots->takeSnapshot(QStringLiteral("before"));
    QVERIFY(v1);
    m_window->editor()->moveCursor(QTextCursor::End);
    m_window->editor()->insertPlainText(
        QStringLiteral("\n\nOne more.\n\nAnd another.\n\nAnd the last."));
    snapshots->selectRevision(*v1);
    SnapshotCompareView* view = snapshots->compareSelected();
    QVERIFY(view);
    QCOMPARE(view->summaryText(), QStringLiteral("3 paragraphs added"));
    view->close();
}

void DeskSmallTest::appearanceSwitchesLightAndDark() {
    QMenu* viewMenu = test::menuBarMenu(*m_window, QStringLiteral("&View"));
    QVERIFY(viewMenu);
    QMenu* appearance = viewMenu->findChild<QMenu*>(QStringLiteral("appearanceMenu"));
    QVERIFY(appearance);
    QCOMPARE(appearance->actions().size(), 3);
    const QColor systemWindow = QApplication::palette().color(QPalette::Window);
    auto choose = [&](const QString& label) {
        for (QAction* a : appearance->actions())
            if (a->text() == label) a->trigger();
    };
    choose(QStringLiteral("&Dark"));
    QCOMPARE(m_window->theme().scheme(), ColorScheme::Dark);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 100);
    QVERIFY(m_window->editor()->palette().color(QPalette::Base).lightness() < 100);
    QCOMPARE(Settings().appearance(), QStringLiteral("dark"));
    QTest::qWait(30);
    QVERIFY(m_window->grab().save(artifact(QStringLiteral("appearance-dark.png"))));
    choose(QStringLiteral("&Light"));
    QCOMPARE(m_window->theme().scheme(), ColorScheme::Light);
    QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 180);
    QVERIFY(m_window->editor()->palette().color(QPalette::Base).lightness() > 180);
    QTest::qWait(30);
    QVERIFY(m_window->grab().save(artifact(QStringLiteral("appearance-light.png"))));
    // Remembered: a new window starts dark when dark was chosen.
    choose(QStringLiteral("&Dark"));
    {
        MainWindow second;
        QCOMPARE(second.theme().scheme(), ColorScheme::Dark);
    }
    choose(QStringLiteral("&System"));
    QCOMPARE(QApplication::palette().color(QPalette::Window), systemWindow);
    QCOMPARE(Settings().appearance(), QStringLiteral("system"));
}

void DeskSmallTest::aboutNamesVersionModelAndLicences() {
    QMenu* help = test::menuBarMenu(*m_window, QStringLiteral("&Help"));
    QVERIFY(help);
    for (QAction* a : help->actions())
        if (a->text() == QStringLiteral("&About Fabulist")) a->trigger();
    auto* box = m_window->findChild<QMessageBox*>(QStringLiteral("aboutDialog"));
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    const QString all = box->text() + box->informativeText();
    QVERIFY2(all.contains(QStringLiteral(FABULIST_VERSION)), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("No model is loaded yet")) ||
                 all.contains(QStringLiteral("Model:")),
             qPrintable(all));
    for (const char* word : {"LGPL", "SQLite", "public domain", "model card"})
        QVERIFY2(all.contains(QLatin1String(word)), word);
    QVERIFY(box->grab().save(artifact(QStringLiteral("about.png"))));
    box->close();
}

FABULIST_GUI_TEST_MAIN(DeskSmallTest)
#include "desk_small_test.moc"
