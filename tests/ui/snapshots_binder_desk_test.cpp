// The Snapshots panel and the binder of the real MainWindow on real project files: the list
// follows storage after every change, Restore asks first and names its safety copy plainly, the
// snapshot-name box fits its name, a new scene starts in rename mode on an empty page, drops onto
// notes need Shift, and the binder, side tab and scroll position come back on reopen.
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/main_window.h"
#include "ui/project/binder_model.h"
#include "ui/project/binder_view.h"
#include "ui/project/snapshots_panel.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QScrollBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextCursor>
#include <QTreeWidget>

using namespace fabulist;
using namespace fabulist::ui;
using storage::NodeKind;

class SnapshotsBinderDeskTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void snapshotListFollowsStorage();
    void restoreAsksAndNamesItsSafetyCopyPlainly();
    void snapshotNameBoxFitsItsName();
    void newSceneStartsInRenameModeOnAnEmptyPage();
    void dropOntoANoteNeedsShift();
    void deskComesBackOnReopen();

private:
    QString path(const QString& name) const { return m_dir->filePath(name); }
    std::unique_ptr<MainWindow> newWindow();
    void save(QWidget* widget, const QString& name);
    static QList<qint64> storedIds(MainWindow& w, int64_t node);
    static QAction* menuAction(MainWindow& w, const QString& menu, const QString& text);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_artifacts;
};

void SnapshotsBinderDeskTest::initTestCase() {
    const QByteArray binary = qgetenv("FABULIST_BINARY_DIR");
    m_artifacts = QDir(binary.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(binary))
                      .filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(m_artifacts));
}

void SnapshotsBinderDeskTest::init() {
    m_dir = std::make_unique<QTemporaryDir>();
}

void SnapshotsBinderDeskTest::cleanup() {
    m_dir.reset();
}

std::unique_ptr<MainWindow> SnapshotsBinderDeskTest::newWindow() {
    auto w = std::make_unique<MainWindow>();
    w->resize(1200, 800);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get())) qWarning("window not exposed");
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.get())) qWarning("window not active");
    return w;
}

void SnapshotsBinderDeskTest::save(QWidget* widget, const QString& name) {
    QVERIFY(widget->grab().save(QDir(m_artifacts).filePath(name)));
}

QList<qint64> SnapshotsBinderDeskTest::storedIds(MainWindow& w, int64_t node) {
    QList<qint64> ids;
    for (const storage::Revision& r : w.project()->revisions().list(node)) ids << r.id;
    return ids;
}

QAction* SnapshotsBinderDeskTest::menuAction(MainWindow& w, const QString& menu,
                                             const QString& text) {
    QMenu* m = test::menuBarMenu(w, menu);
    if (!m) return nullptr;
    for (QAction* a : m->actions())
        if (a->text() == text) return a;
    return nullptr;
}

// After every change (take, restore, an autosave the session takes by itself) the list shows
// exactly the revisions storage holds, each once, and no row that is not a revision.
void SnapshotsBinderDeskTest::snapshotListFollowsStorage() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("list.fabulist"))));
    w->binderView()->setCurrentIndex({});
    const int64_t scene = w->binderView()->createNode(NodeKind::Scene, QStringLiteral("S")).value();
    SnapshotsPanel* panel = w->snapshotsPanel();
    auto* list = panel->findChild<QTreeWidget*>(QStringLiteral("snapshotList"));
    QVERIFY(list);
    auto matchesStorage = [&] {
        const QList<qint64> shown = panel->revisionIds();
        if (shown != storedIds(*w, scene)) return false;
        if (QSet<qint64>(shown.begin(), shown.end()).size() != shown.size()) return false;
        return list->topLevelItemCount() == shown.size();
    };
    QVERIFY(matchesStorage()); // empty: no stand-in row

    QTest::keyClicks(w->editor(), QStringLiteral("One."));
    const int64_t v1 = panel->takeSnapshot(QStringLiteral("v1")).value();
    QTest::keyClicks(w->editor(), QStringLiteral(" Two."));
    panel->takeSnapshot(QStringLiteral("v2"));
    QVERIFY(matchesStorage());
    QCOMPARE(panel->revisionIds().size(), 2);

    panel->selectRevision(v1);
    QVERIFY(panel->restoreSelected());
    QVERIFY(matchesStorage());
    QCOMPARE(panel->revisionIds().size(), 3);                        // plus the safety copy
    QCOMPARE(panel->selectedRevision(), std::optional<int64_t>(v1)); // selection survives

    // An autosave revision the session takes by itself while the writer types.
    DocumentSession* session = w->documentSession();
    session->setRevisionInterval(0);
    session->setAutosaveDelay(50);
    QTest::keyClicks(w->editor(), QStringLiteral(" Three."));
    QTRY_COMPARE_WITH_TIMEOUT(storedIds(*w, scene).size(), qsizetype(4), 5000);
    QVERIFY(matchesStorage());
    QCOMPARE(w->project()->revisions().revision(panel->revisionIds().first()).kind,
             storage::RevisionKind::Autosave);
}

// Restore asks once (window-modal, no nested loop) with the snapshot's date and size; its safety
// copy is named with the time, never by quoting the restored snapshot's own name.
void SnapshotsBinderDeskTest::restoreAsksAndNamesItsSafetyCopyPlainly() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("restore.fabulist"))));
    w->binderView()->setCurrentIndex({});
    const int64_t scene = w->binderView()->createNode(NodeKind::Scene, QStringLiteral("S")).value();
    SnapshotsPanel* panel = w->snapshotsPanel();
    QTest::keyClicks(w->editor(), QStringLiteral("Three small words."));
    const int64_t v1 = panel->takeSnapshot(QStringLiteral("First try")).value();
    QTest::keyClicks(w->editor(), QStringLiteral(" And more."));
    w->documentSession()->save();

    auto restoreVia = [&](int64_t revision) -> QMessageBox* {
        panel->selectRevision(revision);
        auto* restore = panel->findChild<QPushButton*>(QStringLiteral("restoreSnapshotButton"));
        if (!restore || !restore->isEnabled()) return nullptr;
        // The box answered before closed itself and is only deleted later.
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QTest::mouseClick(restore, Qt::LeftButton);
        const auto boxes = w->findChildren<QMessageBox*>(QStringLiteral("restoreConfirmation"));
        return boxes.size() == 1 ? boxes.front() : nullptr;
    };
    QMessageBox* box = restoreVia(v1);
    QVERIFY(box);
    QTRY_VERIFY(box->isVisible());
    QCOMPARE(box->windowModality(), Qt::WindowModal);
    // Its date and size, and nothing restored yet.
    const QDate today = QDate::currentDate();
    QVERIFY2(box->text().contains(QLocale().toString(today, QLocale::LongFormat)),
             qPrintable(box->text()));
    QVERIFY2(box->text().contains(QStringLiteral("First try")), qPrintable(box->text()));
    QVERIFY2(box->informativeText().contains(QStringLiteral("3 words")),
             qPrintable(box->informativeText()));
    QVERIFY2(box->informativeText().contains(QStringLiteral("18 characters")),
             qPrintable(box->informativeText()));
    QCOMPARE(w->project()->documents().text(scene), std::string("Three small words. And more."));
    save(box, QStringLiteral("restore-confirmation.png"));

    QTest::mouseClick(box->button(QMessageBox::Ok), Qt::LeftButton);
    QCOMPARE(w->project()->documents().text(scene), std::string("Three small words."));
    QCOMPARE(w->editor()->toPlainText(), QStringLiteral("Three small words."));
    const storage::Revision safety =
        w->project()->revisions().revision(panel->revisionIds().first());
    const QString expected = QStringLiteral("Before restore, ") +
                             QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd"));
    QVERIFY2(QString::fromStdString(safety.name).startsWith(expected), safety.name.c_str());
    QCOMPARE(w->project()->revisions().text(safety.id),
             std::string("Three small words. And more."));

    // Restoring the safety copy does not nest names; Cancel restores nothing.
    box = restoreVia(safety.id);
    QVERIFY(box);
    QTest::mouseClick(box->button(QMessageBox::Cancel), Qt::LeftButton);
    QCOMPARE(w->project()->documents().text(scene), std::string("Three small words."));
    box = restoreVia(safety.id);
    QVERIFY(box);
    box->button(QMessageBox::Ok)->click();
    QCOMPARE(w->project()->documents().text(scene), std::string("Three small words. And more."));
    for (const storage::Revision& r : w->project()->revisions().list(scene)) {
        QVERIFY2(r.name.find("First try") == std::string::npos || r.id == v1, r.name.c_str());
        QVERIFY2(r.name.find("Before restore, Before") == std::string::npos, r.name.c_str());
        QVERIFY2(r.name.find("restoring") == std::string::npos, r.name.c_str());
    }
}

// Document > Take Snapshot… opens a window-modal name box as wide as its suggested name.
void SnapshotsBinderDeskTest::snapshotNameBoxFitsItsName() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("take.fabulist"))));
    w->binderView()->setCurrentIndex({});
    const int64_t scene = w->binderView()->createNode(NodeKind::Scene, QStringLiteral("S")).value();
    QTest::keyClicks(w->editor(), QStringLiteral("Text."));
    QAction* take =
        menuAction(*w, QStringLiteral("&Document"), QStringLiteral("Take &Snapshot\u2026"));
    QVERIFY(take);
    take->trigger();
    auto* dialog = w->findChild<QInputDialog*>(QStringLiteral("takeSnapshotDialog"));
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QCOMPARE(dialog->windowModality(), Qt::WindowModal);
    auto* edit = dialog->findChild<QLineEdit*>();
    QVERIFY(edit);
    QVERIFY(edit->text().startsWith(QStringLiteral("Snapshot ")));
    const QFontMetrics fm = edit->fontMetrics();
    const int margin = 2 * fm.averageCharWidth();
    QVERIFY2(edit->width() >= fm.horizontalAdvance(edit->text()) + margin,
             qPrintable(QStringLiteral("%1 < %2 + %3")
                            .arg(edit->width())
                            .arg(fm.horizontalAdvance(edit->text()))
                            .arg(margin)));
    save(dialog, QStringLiteral("take-snapshot-dialog.png"));

    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("Before the fire"));
    QTest::keyClick(edit, Qt::Key_Return);
    const std::vector<storage::Revision> revisions = w->project()->revisions().list(scene);
    QCOMPARE(revisions.size(), size_t(1));
    QCOMPARE(revisions.front().name, std::string("Before the fire"));
    QCOMPARE(w->snapshotsPanel()->revisionIds(), QList<qint64>{revisions.front().id});
}

// Binder > New Scene: the scene opens on an empty page, its title is in rename mode, Return
// ends the rename and the keyboard goes on writing into the scene.
void SnapshotsBinderDeskTest::newSceneStartsInRenameModeOnAnEmptyPage() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("new-scene.fabulist"))));
    BinderView* binder = w->binderView();
    binder->setCurrentIndex({});
    const int64_t chapter = binder->createNode(NodeKind::Chapter, QStringLiteral("One")).value();
    binder->selectNode(chapter);
    binder->setFocus();
    QAction* newScene = menuAction(*w, QStringLiteral("&Binder"), QStringLiteral("New Scene"));
    QVERIFY(newScene);
    newScene->trigger();

    const std::optional<int64_t> scene = binder->currentNodeId();
    QVERIFY(scene && *scene != chapter);
    QCOMPARE(w->project()->binder().node(*scene).parentId, std::optional<int64_t>(chapter));
    QVERIFY(binder->isRenaming()); // state() == EditingState
    QCOMPARE(w->documentSession()->currentId(), scene);
    // An empty page to write on, not the "select a scene" hint.
    QVERIFY(!w->editor()->isReadOnly());
    QVERIFY(w->editor()->isEnabled());
    QVERIFY(w->editor()->focusPolicy() != Qt::NoFocus);
    QVERIFY(w->editor()->placeholderText().isEmpty());
    save(w.get(), QStringLiteral("binder-rename-new-scene.png"));

    auto* nameEdit = qobject_cast<QLineEdit*>(QApplication::focusWidget());
    QVERIFY(nameEdit);
    QCOMPARE(nameEdit->text(), QStringLiteral("New Scene"));
    nameEdit->selectAll();
    QTest::keyClicks(nameEdit, QStringLiteral("Arrival"));
    QTest::keyClick(nameEdit, Qt::Key_Return);
    QTRY_VERIFY(!binder->isRenaming()); // the delegate closes its editor queued
    QCOMPARE(w->project()->binder().node(*scene).title, std::string("Arrival"));
    QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(w->editor()));
    save(w->editor(), QStringLiteral("empty-new-scene.png"));

    QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("She came at dusk."));
    QVERIFY(w->documentSession()->save());
    QCOMPARE(w->project()->documents().text(*scene), std::string("She came at dusk."));

    // With no document at all the hint is back.
    binder->setCurrentIndex({});
    QVERIFY(!w->editor()->placeholderText().isEmpty());
}

// Dropping onto the middle of a note is refused (with a hint) unless Shift is held; folders and
// chapters take children as before.
void SnapshotsBinderDeskTest::dropOntoANoteNeedsShift() {
    auto w = newWindow();
    QVERIFY(w->newProject(path(QStringLiteral("drop-note.fabulist"))));
    BinderView* view = w->binderView();
    BinderModel* model = w->binderModel();
    view->setCurrentIndex({});
    const int64_t target = view->createNode(NodeKind::Note, QStringLiteral("Target")).value();
    view->setCurrentIndex({});
    const int64_t moving = view->createNode(NodeKind::Note, QStringLiteral("Moving")).value();
    view->setCurrentIndex({});
    const int64_t chapter = view->createNode(NodeKind::Chapter, QStringLiteral("C")).value();
    const std::optional<int64_t> topLevel = w->project()->binder().node(moving).parentId;
    // A synthetic drop has no drag source, which InternalMove requires.
    view->setDragDropMode(QAbstractItemView::DragDrop);

    auto drag = [&](int64_t onto, Qt::KeyboardModifiers modifiers) {
        const QPoint pos = view->visualRect(model->indexOf(onto)).center();
        std::unique_ptr<QMimeData> data(model->mimeData({model->indexOf(moving)}));
        QDragEnterEvent enter(pos, Qt::MoveAction, data.get(), Qt::LeftButton, modifiers);
        QApplication::sendEvent(view->viewport(), &enter);
        QDragMoveEvent move(pos, Qt::MoveAction, data.get(), Qt::LeftButton, modifiers);
        QApplication::sendEvent(view->viewport(), &move);
        QDropEvent drop(pos, Qt::MoveAction, data.get(), Qt::LeftButton, modifiers);
        QApplication::sendEvent(view->viewport(), &drop);
        return move.isAccepted();
    };
    w->statusBar()->clearMessage();
    QVERIFY(!drag(target, Qt::NoModifier));
    QCOMPARE(w->project()->binder().node(moving).parentId, topLevel);
    QVERIFY2(w->statusBar()->currentMessage().contains(QStringLiteral("hold Shift")),
             qPrintable(w->statusBar()->currentMessage()));
    QVERIFY(w->statusBar()->currentMessage().startsWith(QStringLiteral("Notes don't")));

    QVERIFY(drag(target, Qt::ShiftModifier));
    QCOMPARE(w->project()->binder().node(moving).parentId, std::optional<int64_t>(target));

    // A chapter takes it without any key.
    QVERIFY(drag(chapter, Qt::NoModifier));
    QCOMPARE(w->project()->binder().node(moving).parentId, std::optional<int64_t>(chapter));
}

// Expanded chapters, the side panel's tab and the editor's scroll position come back after
// closing and reopening the project, and in a new window.
void SnapshotsBinderDeskTest::deskComesBackOnReopen() {
    const QString file = path(QStringLiteral("desk.fabulist"));
    QList<qint64> expanded;
    int tab = 0, scroll = 0;
    auto w = newWindow();
    QVERIFY(w->newProject(file));
    BinderView* binder = w->binderView();
    QList<int64_t> chapters;
    int64_t longScene = 0;
    for (int i = 0; i < 3; ++i) {
        binder->setCurrentIndex({});
        chapters << binder->createNode(NodeKind::Chapter, QStringLiteral("C%1").arg(i)).value();
        longScene = binder->createNode(NodeKind::Scene, QStringLiteral("S%1").arg(i)).value();
    }
    QStringList lines;
    for (int i = 0; i < 300; ++i) lines << QStringLiteral("Line %1 of a long scene.").arg(i);
    binder->selectNode(longScene);
    QTextCursor(w->editor()->document()).insertText(lines.join(QLatin1Char('\n')));
    binder->setExpanded(w->binderModel()->indexOf(chapters[0]), true);
    binder->setExpanded(w->binderModel()->indexOf(chapters[1]), false);
    binder->setExpanded(w->binderModel()->indexOf(chapters[2]), true);
    auto* side = w->findChild<QTabWidget*>(QStringLiteral("sidePanels"));
    QVERIFY(side && side->count() >= 3);
    side->setCurrentIndex(2);
    w->editor()->verticalScrollBar()->setValue(120);
    expanded = binder->expandedNodeIds();
    tab = side->currentIndex();
    scroll = w->editor()->verticalScrollBar()->value();
    QVERIFY(scroll > 0);
    QVERIFY(expanded.contains(chapters[0]) && !expanded.contains(chapters[1]));

    auto checkDesk = [&](MainWindow& window) {
        QCOMPARE(window.documentSession()->currentId(), std::optional<int64_t>(longScene));
        QList<qint64> now = window.binderView()->expandedNodeIds();
        std::sort(now.begin(), now.end());
        QList<qint64> want = expanded;
        std::sort(want.begin(), want.end());
        QCOMPARE(now, want);
        QCOMPARE(window.findChild<QTabWidget*>(QStringLiteral("sidePanels"))->currentIndex(), tab);
        QCOMPARE(window.editor()->verticalScrollBar()->value(), scroll);
    };
    w->closeProject();
    side->setCurrentIndex(0);
    QVERIFY(w->openProject(file));
    checkDesk(*w);
    if (QTest::currentTestFailed()) return;

    w.reset();
    auto again = newWindow();
    QVERIFY(again->openProject(file));
    checkDesk(*again);
}

FABULIST_GUI_TEST_MAIN(SnapshotsBinderDeskTest)
#include "snapshots_binder_desk_test.moc"
