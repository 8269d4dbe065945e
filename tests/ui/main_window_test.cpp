// Drives the real MainWindow on a real project file: binder, typing and autosave, reopening,
// snapshots, trash, find/replace, word count, focus mode, bad files, first start.
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/find_bar.h"
#include "ui/editor/word_count_label.h"
#include "ui/generate/generate_panel.h"
#include "ui/main_window.h"
#include "ui/project/binder_model.h"
#include "ui/project/binder_view.h"
#include "ui/project/project_files.h"
#include "ui/project/snapshot_compare_view.h"
#include "ui/project/snapshots_panel.h"
#include "ui/project/trash_view.h"
#include "ui/settings.h"
#include "ui/theme.h"

#include <QDir>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextCursor>
#include <sqlite3.h>

using namespace fabulist;
using namespace fabulist::ui;
using storage::NodeKind;

class MainWindowTest : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void typedTextIsAutosavedAndReopens();
    void steadyTypingIsSavedWithinTheMaximumWait();
    void savesOnFocusLossAndDocumentSwitch();
    void dropInTheViewMovesNode();
    void snapshotRestoreAndCompare();
    void trashAndRestoreScene();
    void dragReordersAndMoves();
    void findReplaceAndUndo();
    void wordCountInStatusBar();
    void focusModeHidesEverythingButText();
    void followsSystemLightAndDark();
    void badProjectShowsErrorAndChangesNothing();
    void projectOpenElsewhereIsRefused();
    void readOnlyProjectOpensForReadingWithABanner();
    void newerSchemaIsRefused();
    void firstStartCreatesSampleThenReopensLast();
    void recentProjectsMenuOpensProject();
    void switchingProjectsShowsTheRightText();

private:
    QString path(const QString& name) const { return m_dir->filePath(name); }
    std::unique_ptr<MainWindow> newWindow();
    static QString editorText(MainWindow& w) { return w.editor()->toPlainText(); }
    static std::string storedText(MainWindow& w, int64_t id) {
        return w.project()->documents().text(id);
    }
    static void closeErrorDialogs(MainWindow& w);

    std::unique_ptr<QTemporaryDir> m_dir;
};

void MainWindowTest::init() {
    m_dir = std::make_unique<QTemporaryDir>();
}
void MainWindowTest::cleanup() {
    m_dir.reset();
}

std::unique_ptr<MainWindow> MainWindowTest::newWindow() {
    auto w = std::make_unique<MainWindow>();
    w->resize(1200, 800);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get())) qWarning("window not exposed");
    return w;
}

void MainWindowTest::closeErrorDialogs(MainWindow& w) {
    for (QMessageBox* box : w.findChildren<QMessageBox*>()) box->close();
}

void MainWindowTest::typedTextIsAutosavedAndReopens() {
    const QString file = path(QStringLiteral("novel.fabulist"));
    int64_t chapter = 0, scene = 0;
    const QString typed = QStringLiteral("It was a dark and stormy night.");
    {
        auto w = newWindow();
        QVERIFY(w->newProject(file));
        w->binderView()->setCurrentIndex({});
        chapter = w->binderView()->createNode(NodeKind::Chapter, QStringLiteral("One")).value();
        scene = w->binderView()->createNode(NodeKind::Scene, QStringLiteral("Storm")).value();
        // The scene went inside the selected chapter and is now open in the editor.
        QCOMPARE(w->project()->binder().node(scene).parentId, std::optional<int64_t>(chapter));
        QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(scene));
        QVERIFY(!w->editor()->isReadOnly());

        w->editor()->setFocus();
        QTest::keyClicks(w->editor(), typed);
        QCOMPARE(editorText(*w), typed);
        QVERIFY(w->documentSession()->hasUnsavedChanges());
        // Nobody saves explicitly: the autosave timer must write it (~1 s after typing stops).
        QTRY_VERIFY_WITH_TIMEOUT(!w->documentSession()->hasUnsavedChanges(), 5000);
        QCOMPARE(storedText(*w, scene), typed.toStdString());

        // More typing, then close straight away: closing must save what the timer has not.
        QTest::keyClicks(w->editor(), QStringLiteral(" The end."));
        QVERIFY(w->close());
    }
    auto w = newWindow();
    QVERIFY(w->openProject(file));
    // It opens where the writer left off.
    QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(scene));
    QCOMPARE(w->binderView()->currentNodeId(), std::optional<int64_t>(scene));
    QCOMPARE(editorText(*w), typed + QStringLiteral(" The end."));
    // Switching documents took an autosave revision of what was written.
    QVERIFY(!w->project()->revisions().list(scene).empty());
}

// A writer who never pauses for the autosave delay still gets saves: at most the maximum wait
// (a setting, 5 s by default) after the first unsaved change.
void MainWindowTest::steadyTypingIsSavedWithinTheMaximumWait() {
    Settings().setAutosaveMaxWaitMs(1500);
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("steady.fabulist"))));
    QCOMPARE(w->documentSession()->autosaveMaxWait(), 1500);
    w->documentSession()->setAutosaveDelay(1000);
    w->binderView()->setCurrentIndex({});
    const int64_t scene = w->binderView()->createNode(NodeKind::Scene, QStringLiteral("S")).value();
    w->editor()->setFocus();
    int saves = 0;
    connect(w->documentSession(), &DocumentSession::saved, w.get(), [&] { ++saves; });
    // A key every 250 ms for 4 s: the 1 s quiet-time timer never fires.
    QElapsedTimer typing;
    typing.start();
    std::string storedWhileTyping;
    while (typing.elapsed() < 4000) {
        QTest::keyClicks(w->editor(), QStringLiteral("a"));
        QTest::qWait(250);
        storedWhileTyping = storedText(*w, scene);
    }
    Settings().setAutosaveMaxWaitMs(5000);
    QVERIFY2(saves >= 2, qPrintable(QString("%1 saves in 4 s of typing").arg(saves)));
    QVERIFY(storedWhileTyping.size() >= 6); // at most 1.5 s (6 keys) behind the editor
    QVERIFY(editorText(*w).size() - qsizetype(storedWhileTyping.size()) <= 8);
}

void MainWindowTest::savesOnFocusLossAndDocumentSwitch() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("focus-save.fabulist"))));
    w->documentSession()->setAutosaveDelay(60000); // the timer must not be what saves here
    w->binderView()->setCurrentIndex({});
    const int64_t a = w->binderView()->createNode(NodeKind::Scene, QStringLiteral("A")).value();
    w->binderView()->setCurrentIndex({});
    const int64_t b = w->binderView()->createNode(NodeKind::Scene, QStringLiteral("B")).value();
    w->binderView()->selectNode(a);
    w->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(w.get()));

    w->editor()->setFocus();
    QTest::keyClicks(w->editor(), QStringLiteral("Left by focus."));
    QVERIFY(w->documentSession()->hasUnsavedChanges());
    w->binderView()->setFocus(); // the editor loses focus: save now
    QVERIFY(!w->documentSession()->hasUnsavedChanges());
    QCOMPARE(storedText(*w, a), std::string("Left by focus."));

    QTest::keyClicks(w->editor(), QStringLiteral(" More."));
    w->binderView()->selectNode(b); // switching documents saves the one left
    QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(b));
    QCOMPARE(storedText(*w, a), std::string("Left by focus. More."));
    QVERIFY(!w->project()->revisions().list(a).empty()); // and snapshots it
    // Each document keeps its own undo history.
    QTest::keyClicks(w->editor(), QStringLiteral("B text"));
    w->binderView()->selectNode(a);
    w->editor()->undo();
    QCOMPARE(editorText(*w), QStringLiteral("Left by focus."));
}

// The same drop as a mouse drag ends with, delivered to the tree view itself: the view turns
// the drop position into a parent and row. (A synthetic drop has no drag source, which
// InternalMove requires, so the view accepts drops from anywhere for this test.)
void MainWindowTest::dropInTheViewMovesNode() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("view-drop.fabulist"))));
    BinderView* view = w->binderView();
    BinderModel* model = w->binderModel();
    view->setCurrentIndex({});
    const int64_t chapter = view->createNode(NodeKind::Chapter, QStringLiteral("C")).value();
    const int64_t s1 = view->createNode(NodeKind::Scene, QStringLiteral("S1")).value();
    view->selectNode(s1);
    view->createNode(NodeKind::Scene, QStringLiteral("S2"));
    const int64_t s3 = view->createNode(NodeKind::Scene, QStringLiteral("S3")).value();
    view->setDragDropMode(QAbstractItemView::DragDrop);

    const QRect target = view->visualRect(model->indexOf(s1));
    const QPoint pos(target.center().x(), target.top() + 2); // upper edge: "above S1"
    std::unique_ptr<QMimeData> data(model->mimeData({model->indexOf(s3)}));
    QDragEnterEvent enter(pos, Qt::MoveAction, data.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &enter);
    QDragMoveEvent move(pos, Qt::MoveAction, data.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &move);
    QVERIFY(move.isAccepted());
    QDropEvent drop(pos, Qt::MoveAction, data.get(), Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &drop);

    QStringList titles;
    for (const auto& n : w->project()->binder().children(chapter))
        titles << QString::fromStdString(n.title);
    QCOMPARE(titles, (QStringList{"S3", "S1", "S2"}));
    QCOMPARE(model->indexOf(s3).row(), 0);
}

void MainWindowTest::snapshotRestoreAndCompare() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("snap.fabulist"))));
    w->binderView()->setCurrentIndex({});
    const int64_t scene = w->binderView()->createNode(NodeKind::Scene).value();
    QTest::keyClicks(w->editor(), QStringLiteral("First draft."));

    const std::optional<int64_t> v1 = w->snapshotsPanel()->takeSnapshot(QStringLiteral("v1"));
    QVERIFY(v1);
    QVERIFY(w->snapshotsPanel()->revisionIds().contains(*v1));
    QCOMPARE(w->project()->revisions().text(*v1), std::string("First draft."));

    QTest::keyClicks(w->editor(), QStringLiteral(" Second thoughts."));
    const QString edited = QStringLiteral("First draft. Second thoughts.");
    QCOMPARE(editorText(*w), edited);

    // Compare shows the snapshot beside the unsaved current text.
    w->snapshotsPanel()->selectRevision(*v1);
    SnapshotCompareView* view = w->snapshotsPanel()->compareSelected();
    QVERIFY(view);
    QCOMPARE(view->oldPane()->toPlainText(), QStringLiteral("First draft."));
    QCOMPARE(view->newPane()->toPlainText(), edited);
    QCOMPARE(view->removedCount(), 1);
    QCOMPARE(view->addedCount(), 1);
    view->close();

    w->snapshotsPanel()->selectRevision(*v1);
    QVERIFY(w->snapshotsPanel()->restoreSelected());
    QCOMPARE(editorText(*w), QStringLiteral("First draft."));
    QCOMPARE(storedText(*w, scene), std::string("First draft."));
    QVERIFY(!w->documentSession()->hasUnsavedChanges());
    // Nothing was lost: the edited text is kept as a snapshot taken before the restore...
    bool keptEdited = false;
    for (qint64 id : w->snapshotsPanel()->revisionIds())
        keptEdited |= w->project()->revisions().text(id) == edited.toStdString();
    QVERIFY(keptEdited);
    // ...and the restore is one undo step in the editor.
    w->editor()->undo();
    QCOMPARE(editorText(*w), edited);
}

void MainWindowTest::trashAndRestoreScene() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("trash.fabulist"))));
    BinderView* binder = w->binderView();
    binder->setCurrentIndex({});
    const int64_t chapter = binder->createNode(NodeKind::Chapter).value();
    const int64_t a = binder->createNode(NodeKind::Scene, QStringLiteral("A")).value();
    binder->selectNode(chapter);
    const int64_t b = binder->createNode(NodeKind::Scene, QStringLiteral("B")).value();
    binder->selectNode(a);
    QTest::keyClicks(w->editor(), QStringLiteral("Scene A text"));
    const int rowOfA = w->binderModel()->indexOf(a).row();
    QCOMPARE(rowOfA, 0);
    QCOMPARE(w->binderModel()->indexOf(b).row(), 1);

    binder->selectNode(a);
    QVERIFY(binder->trashCurrent());
    QVERIFY(!w->binderModel()->indexOf(a).isValid());
    QVERIFY(w->project()->binder().node(a).trashed);
    QCOMPARE(w->trashView()->nodeIds(), QList<qint64>{a});
    QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(b)); // moved on to B
    QCOMPARE(storedText(*w, a), std::string("Scene A text"));               // saved on the way out

    QVERIFY(w->trashView()->restoreNode(a));
    QCOMPARE(w->trashView()->count(), 0);
    const QModelIndex back = w->binderModel()->indexOf(a);
    QVERIFY(back.isValid());
    QCOMPARE(back.row(), rowOfA);
    QCOMPARE(w->binderModel()->nodeId(back.parent()), std::optional<int64_t>(chapter));
    QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(a));
    QCOMPARE(editorText(*w), QStringLiteral("Scene A text"));
    QCOMPARE(w->leftTabs()->tabText(1), QStringLiteral("Trash"));

    // Empty Trash deletes for good; the editor lets go of the deleted document.
    binder->selectNode(b);
    QVERIFY(binder->trashCurrent());
    QCOMPARE(w->leftTabs()->tabText(1), QStringLiteral("Trash (1)"));
    QVERIFY(w->trashView()->emptyTrash(true));
    QCOMPARE(w->trashView()->count(), 0);
    QVERIFY(!w->project()->binder().find(b));
    QVERIFY(w->binderModel()->indexOf(a).isValid());
    QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(a));
}

void MainWindowTest::dragReordersAndMoves() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("drag.fabulist"))));
    BinderView* binder = w->binderView();
    BinderModel* model = w->binderModel();
    binder->setCurrentIndex({});
    const int64_t c1 = binder->createNode(NodeKind::Chapter, QStringLiteral("C1")).value();
    const int64_t s1 = binder->createNode(NodeKind::Scene, QStringLiteral("S1")).value();
    binder->selectNode(s1);
    const int64_t s2 = binder->createNode(NodeKind::Scene, QStringLiteral("S2")).value();
    const int64_t s3 = binder->createNode(NodeKind::Scene, QStringLiteral("S3")).value();
    binder->setCurrentIndex({});
    const int64_t c2 = binder->createNode(NodeKind::Chapter, QStringLiteral("C2")).value();

    auto titlesUnder = [&](int64_t parent) {
        QStringList t;
        for (const auto& n : w->project()->binder().children(parent))
            t << QString::fromStdString(n.title);
        return t;
    };
    QCOMPARE(titlesUnder(c1), (QStringList{"S1", "S2", "S3"}));

    // Drop S3 before S1, as a drag in the view delivers it.
    auto drop = [&](int64_t id, const QModelIndex& parent, int row) {
        std::unique_ptr<QMimeData> data(model->mimeData({model->indexOf(id)}));
        QVERIFY(model->canDropMimeData(data.get(), Qt::MoveAction, row, 0, parent));
        model->dropMimeData(data.get(), Qt::MoveAction, row, 0, parent);
    };
    drop(s3, model->indexOf(c1), 0);
    QCOMPARE(titlesUnder(c1), (QStringList{"S3", "S1", "S2"}));
    // Downwards within the same parent: S3 dropped before S2 (row 2) ends up between S1 and S2.
    drop(s3, model->indexOf(c1), 2);
    QCOMPARE(titlesUnder(c1), (QStringList{"S1", "S3", "S2"}));
    // With a trashed sibling in between, rows still mean what the view shows.
    binder->selectNode(s1);
    QVERIFY(binder->trashCurrent());
    drop(s2, model->indexOf(c1), 0); // visible: S3, S2 -> S2, S3
    QCOMPARE(titlesUnder(c1), (QStringList{"S2", "S3"}));
    QVERIFY(w->trashView()->restoreNode(s1));
    QCOMPARE(titlesUnder(c1).size(), 3);
    QVERIFY(titlesUnder(c1).indexOf("S2") < titlesUnder(c1).indexOf("S3"));

    // Onto another chapter (row -1: "on the item"): becomes its last child.
    drop(s2, model->indexOf(c2), -1);
    QCOMPARE(titlesUnder(c2), (QStringList{"S2"}));
    QVERIFY(!titlesUnder(c1).contains("S2"));

    // A chapter cannot be dropped into its own scene.
    std::unique_ptr<QMimeData> data(model->mimeData({model->indexOf(c2)}));
    QVERIFY(!model->canDropMimeData(data.get(), Qt::MoveAction, -1, 0, model->indexOf(s2)));

    // Rename in place goes to storage.
    QVERIFY(model->setData(model->indexOf(c2), QStringLiteral("Chapter Two")));
    QCOMPARE(w->project()->binder().node(c2).title, std::string("Chapter Two"));
}

void MainWindowTest::findReplaceAndUndo() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("find.fabulist"))));
    w->binderView()->setCurrentIndex({});
    const int64_t scene = w->binderView()->createNode(NodeKind::Scene).value();
    QTest::keyClicks(w->editor(), QStringLiteral("Tom saw Tom. tom ran."));
    QTRY_VERIFY_WITH_TIMEOUT(!w->documentSession()->hasUnsavedChanges(), 5000);

    QTest::keySequence(w.get(), QKeySequence(Qt::CTRL | Qt::Key_H)); // Edit > Replace
    QVERIFY(w->findBar()->isVisible());
    w->findBar()->setFindText(QStringLiteral("Tom"));
    w->findBar()->setReplaceText(QStringLiteral("Ann"));
    w->findBar()->setCaseSensitive(true);
    QCOMPARE(w->findBar()->replaceAll(), 2);
    QCOMPARE(editorText(*w), QStringLiteral("Ann saw Ann. tom ran."));
    QTRY_COMPARE_WITH_TIMEOUT(storedText(*w, scene), std::string("Ann saw Ann. tom ran."), 5000);

    QTest::keySequence(w->editor(), QKeySequence::Undo);
    QCOMPARE(editorText(*w), QStringLiteral("Tom saw Tom. tom ran."));
    QTest::keySequence(w->editor(), QKeySequence::Redo);
    QCOMPARE(editorText(*w), QStringLiteral("Ann saw Ann. tom ran."));

    // Escape closes the bar and returns to the text.
    QTest::keyClick(w->findBar(), Qt::Key_Escape);
    QVERIFY(!w->findBar()->isVisible());
}

void MainWindowTest::wordCountInStatusBar() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("count.fabulist"))));
    w->binderView()->setCurrentIndex({});
    const int64_t scene = w->binderView()->createNode(NodeKind::Scene).value();
    QTest::keyClicks(w->editor(), QStringLiteral("One two three four five six"));
    QCOMPARE(w->wordCountLabel()->documentWords(), 6);
    // The status bar and the project (snapshot list, CLI) agree.
    w->documentSession()->save();
    QCOMPARE(w->project()->documents().wordCount(scene), int64_t(6));
    QVERIFY(w->wordCountLabel()->text().contains(QStringLiteral("6 words")));
    // Select the last two words with the keyboard.
    for (int i = 0; i < 2; ++i)
        QTest::keyClick(w->editor(), Qt::Key_Left, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(w->editor()->textCursor().selectedText(), QStringLiteral("five six"));
    QCOMPARE(w->wordCountLabel()->selectionWords(), 2);
    QVERIFY(w->wordCountLabel()->text().contains(QStringLiteral("2 of 6")));
    QVERIFY(w->wordCountLabel()->isVisible());
}

void MainWindowTest::focusModeHidesEverythingButText() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("focus.fabulist"))));
    QTest::keyClick(w.get(), Qt::Key_F11);
    QVERIFY(w->isFocusMode());
    QVERIFY(w->isFullScreen());
    QVERIFY(!w->menuBar()->isVisible());
    QVERIFY(!w->statusBar()->isVisible());
    QVERIFY(!w->leftTabs()->isVisible());
    QVERIFY(!w->snapshotsPanel()->isVisible());
    QVERIFY(w->editor()->isVisible());
    QTest::keyClick(w.get(), Qt::Key_F11);
    QVERIFY(!w->isFocusMode());
    QVERIFY(w->menuBar()->isVisible());
    QVERIFY(w->leftTabs()->isVisible());
    QVERIFY(w->statusBar()->isVisible());
    // View > Show Binder (Ctrl+Shift+1) hides the binder, and focus mode does not bring it back.
    QTest::keySequence(w.get(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_1));
    QVERIFY(!w->leftTabs()->isVisible());
    QTest::keyClick(w.get(), Qt::Key_F11);
    QTest::keyClick(w.get(), Qt::Key_Escape); // Esc also leaves focus mode
    QVERIFY(!w->isFocusMode());
    QVERIFY(!w->leftTabs()->isVisible());
    QVERIFY(w->snapshotsPanel()->isVisible());
    QTest::keySequence(w.get(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_1));
    QVERIFY(w->leftTabs()->isVisible());

    // Larger text applies at once and is remembered for the next window.
    const int size = Settings().editorFontPointSize();
    QTest::keySequence(w.get(), QKeySequence::ZoomIn);
    QCOMPARE(Settings().editorFontPointSize(), size + 1);
    QCOMPARE(w->editor()->font().pointSize(), size + 1);
    QTest::keySequence(w.get(), QKeySequence::ZoomOut);
    QCOMPARE(Settings().editorFontPointSize(), size);
}

// The system switching to dark (here: a dark application palette, which is what Qt 6.4 and
// platforms without a colour-scheme hint report) turns the editor dark while it is open.
void MainWindowTest::followsSystemLightAndDark() {
    const QPalette light = QApplication::palette();
    QVERIFY(light.color(QPalette::Window).lightness() >= 128);
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("theme.fabulist"))));
    const QColor lightPage = Theme::colorsFor(ColorScheme::Light).background;
    const QColor darkPage = Theme::colorsFor(ColorScheme::Dark).background;
    QCOMPARE(w->editor()->palette().color(QPalette::Base), lightPage);

    QPalette dark = light;
    dark.setColor(QPalette::Window, QColor(0x25, 0x26, 0x28));
    dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    dark.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x21));
    dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    QApplication::setPalette(dark);
    QTRY_COMPARE(w->editor()->palette().color(QPalette::Base), darkPage);
    QCOMPARE(w->editor()->palette().color(QPalette::Text),
             Theme::colorsFor(ColorScheme::Dark).text);

    QApplication::setPalette(light);
    QTRY_COMPARE(w->editor()->palette().color(QPalette::Base), lightPage);
}

void MainWindowTest::badProjectShowsErrorAndChangesNothing() {
    auto w = newWindow();
    const QString good = path(QStringLiteral("good.fabulist"));
    QVERIFY(w->newProject(good));
    const QString bad = path(QStringLiteral("bad.fabulist"));
    QByteArray garbage("SQLite format 3");
    garbage.append(char(0));
    garbage.append(QByteArray(4096, '\x5a'));
    {
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(garbage);
    }
    QVERIFY(!w->openProject(bad));
    QVERIFY(w->lastError().contains(QStringLiteral("bad.fabulist")));
    QVERIFY(!w->findChildren<QMessageBox*>().isEmpty());            // shown to the writer
    QCOMPARE(w->projectPath(), QFileInfo(good).absoluteFilePath()); // still on the good one
    QFile f(bad);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), garbage); // byte-identical
    closeErrorDialogs(*w);
}

// A project the writer may not write to opens for reading: a banner says so and why, the text
// is there, typing changes nothing, and the file is left as it was.
void MainWindowTest::readOnlyProjectOpensForReadingWithABanner() {
    const QString file = path(QStringLiteral("shelved.fabulist"));
    int64_t scene = 0;
    {
        auto project = storage::Project::create(file.toStdString(), "Shelved");
        scene = project->binder().create(NodeKind::Scene, "Only scene");
        project->documents().setText(scene, "Words that must stay as they are.");
    }
    QVERIFY(QFile::setPermissions(file, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
    QFile before(file);
    QVERIFY(before.open(QIODevice::ReadOnly));
    const QByteArray bytes = before.readAll();
    before.close();
    {
        auto w = newWindow();
        QVERIFY(w->openProject(file));
        QVERIFY(w->findChildren<QMessageBox*>().isEmpty()); // not an error: a mode
        QVERIFY(w->project()->isReadOnly());
        QVERIFY(w->readOnlyBanner()->isVisible());
        QVERIFY(w->readOnlyBanner()->text().contains(QStringLiteral("Read-only")));
        QVERIFY(w->readOnlyBanner()->text().contains(QStringLiteral("chmod")));
        QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(scene));
        QCOMPARE(editorText(*w), QStringLiteral("Words that must stay as they are."));
        QVERIFY(w->editor()->isReadOnly());
        w->editor()->setFocus();
        QTest::keyClicks(w->editor(), QStringLiteral("typed"));
        QCOMPARE(editorText(*w), QStringLiteral("Words that must stay as they are."));
        QVERIFY(!w->generatePanel()->isEnabled());
        auto* take =
            w->snapshotsPanel()->findChild<QPushButton*>(QStringLiteral("takeSnapshotButton"));
        QVERIFY(take);
        QVERIFY(!take->isEnabled());
        const QString artifacts =
            QDir(qEnvironmentVariable("FABULIST_BINARY_DIR", QDir::currentPath()))
                .filePath(QStringLiteral("artifacts"));
        QVERIFY(QDir().mkpath(artifacts));
        QVERIFY(w->grab().save(QDir(artifacts).filePath(QStringLiteral("read-only-project.png"))));
        QVERIFY(w->close());
        QVERIFY(w->findChildren<QMessageBox*>().isEmpty());
    }
    QFile after(file);
    QVERIFY(after.open(QIODevice::ReadOnly));
    QVERIFY(after.readAll() == bytes);
    QVERIFY(QFile::setPermissions(file, QFile::ReadOwner | QFile::WriteOwner));
}

void MainWindowTest::projectOpenElsewhereIsRefused() {
    const QString file = path(QStringLiteral("shared.fabulist"));
    auto first = newWindow();
    QVERIFY(first->newProject(file));
    auto second = newWindow();
    QVERIFY(!second->openProject(file));
    QVERIFY(second->lastError().contains(QStringLiteral("shared.fabulist")));
    QVERIFY(!second->project());
    closeErrorDialogs(*second);
    // Once the first window lets go, the second can open it.
    first->closeProject();
    QVERIFY(second->openProject(file));
}

void MainWindowTest::newerSchemaIsRefused() {
    const QString file = path(QStringLiteral("future.fabulist"));
    {
        auto w = newWindow();
        QVERIFY(w->newProject(file));
        w->closeProject();
    }
    // What a future Fabulist would leave behind: a schema version far above ours.
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(file.toUtf8().constData(), &db), SQLITE_OK);
    QCOMPARE(sqlite3_exec(db, "PRAGMA user_version = 9999", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray before = f.readAll();
    f.close();

    auto w = newWindow();
    QVERIFY(!w->openProject(file));
    QVERIFY(!w->project());
    QVERIFY(w->lastError().contains(QStringLiteral("future.fabulist")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), before);
    closeErrorDialogs(*w);
}

void MainWindowTest::firstStartCreatesSampleThenReopensLast() {
    const QString sample = sampleProjectPath();
    QVERIFY(sample.startsWith(test::sandbox().path())); // never the user's real data folder
    QFile::remove(sample);
    {
        Settings settings;
        settings.setLastProject(QString());
    }
    QString error;
    const QString first = startupProjectPath(QString(), Settings(), &error);
    QVERIFY2(!first.isEmpty(), qPrintable(error));
    QCOMPARE(first, sample);
    QVERIFY(QFile::exists(sample));
    {
        auto w = newWindow();
        QVERIFY(w->openProject(first));
        QVERIFY(w->binderModel()->rowCount() > 0); // the sample has a binder
        // A first look opens the first scene rather than a blank page.
        const std::optional<int64_t> open = w->documentSession()->currentId();
        QVERIFY(open);
        QCOMPARE(w->project()->binder().node(*open).kind, NodeKind::Scene);
        QVERIFY(!editorText(*w).isEmpty());
        QVERIFY(w->close());
    }
    // Later starts: the last project, not the sample.
    const QString other = path(QStringLiteral("mine.fabulist"));
    {
        auto w = newWindow();
        QVERIFY(w->newProject(other));
        QVERIFY(w->close());
    }
    QCOMPARE(startupProjectPath(QString(), Settings(), &error),
             QFileInfo(other).absoluteFilePath());
    QVERIFY(Settings().recentProjects().contains(QFileInfo(other).absoluteFilePath()));
    QVERIFY(Settings().recentProjects().contains(sample));
    // The command line wins.
    QCOMPARE(startupProjectPath(sample, Settings(), &error), sample);
}

void MainWindowTest::recentProjectsMenuOpensProject() {
    const QString one = QFileInfo(path(QStringLiteral("one.fabulist"))).absoluteFilePath();
    const QString two = QFileInfo(path(QStringLiteral("two.fabulist"))).absoluteFilePath();
    auto w = newWindow();
    QVERIFY(w->newProject(one));
    QVERIFY(w->newProject(two));
    QCOMPARE(Settings().recentProjects().mid(0, 2), (QStringList{two, one})); // newest first

    QMenu* recent = nullptr;
    for (QMenu* m : w->menuBar()->findChildren<QMenu*>())
        if (m->title().remove(u'&') == QStringLiteral("Open Recent")) recent = m;
    QVERIFY(recent);
    emit recent->aboutToShow(); // what opening the menu does
    QAction* entry = nullptr;
    for (QAction* a : recent->actions())
        if (a->toolTip() == one) entry = a;
    QVERIFY(entry);
    QVERIFY(entry->isEnabled());
    entry->trigger();
    QCOMPARE(w->projectPath(), one);
    QCOMPARE(Settings().recentProjects().first(), one);
    QCOMPARE(Settings().lastProject(), one);
}

// Node ids restart in every project: the binder must not mistake project B's node 3 for the
// node 3 it had selected in project A.
void MainWindowTest::switchingProjectsShowsTheRightText() {
    const QString a = path(QStringLiteral("a.fabulist"));
    const QString b = path(QStringLiteral("b.fabulist"));
    auto w = newWindow();
    QVERIFY(w->newProject(a));
    w->binderView()->setCurrentIndex({});
    const int64_t inA = w->binderView()->createNode(NodeKind::Scene).value();
    QTest::keyClicks(w->editor(), QStringLiteral("text of A"));
    QVERIFY(w->newProject(b));
    QVERIFY(!w->documentSession()->currentId()); // nothing open in the new project yet
    QCOMPARE(editorText(*w), QString());
    QVERIFY(w->editor()->isReadOnly());
    w->binderView()->setCurrentIndex({});
    const int64_t inB = w->binderView()->createNode(NodeKind::Scene).value();
    QCOMPARE(inB, inA); // the case this test is about
    QCOMPARE(w->documentSession()->currentId(), std::optional<int64_t>(inB));
    QCOMPARE(editorText(*w), QString());
    QTest::keyClicks(w->editor(), QStringLiteral("text of B"));

    QVERIFY(w->openProject(a));
    w->binderView()->selectNode(inA);
    QCOMPARE(editorText(*w), QStringLiteral("text of A"));
    QVERIFY(w->openProject(b));
    w->binderView()->selectNode(inB);
    QCOMPARE(editorText(*w), QStringLiteral("text of B"));
}

FABULIST_GUI_TEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
