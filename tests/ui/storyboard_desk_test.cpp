// The Storyboard as a writing desk, on the real MainWindow: full size in the main area and in
// sync with the side tab (View > Storyboard in Main Area, Ctrl+Shift+3; a document opened from
// the binder or focus mode brings the editor back); a board opens framed on its cards however
// far from the origin they lie (Ctrl+3, the main area, another board, the project opened again);
// pinned ideas go to free places, never on top of other cards; long titles wrap to two lines
// and are whole in the tooltip; double-clicking a card's link square opens the linked scene.
// Writes <build>/artifacts/storyboard-main-area.png (and -dark), storyboard-side-tab.png and
// storyboard-long-title.png.
#include "gui_test_support.h"
#include "storage/generation_repository.h"
#include "storage/project.h"
#include "storage/sample_project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/generate_panel.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/storyboard/card_editor_dialog.h"
#include "ui/storyboard/story_card_item.h"
#include "ui/storyboard/storyboard_view.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QDir>
#include <QGraphicsView>
#include <QStyleFactory>
#include <QTabWidget>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

QString artifactsDir() {
    return fabulist::test::artifactsDir();
}

bool saveShot(QWidget* widget, const QString& name) {
    return widget->grab().save(QDir(artifactsDir()).filePath(name));
}

// The part of the board the writer sees.
QRectF visibleScene(const StoryboardView* view) {
    const QGraphicsView* g = view->graphicsView();
    return g->mapToScene(g->viewport()->rect()).boundingRect();
}

QRectF cardRect(const StoryboardView* view, int64_t cardId) {
    return view->cardItem(cardId)->sceneBoundingRect();
}

storage::Card makeCard(int64_t board, const std::string& title, double x, double y) {
    storage::Card card;
    card.boardId = board;
    card.title = title;
    card.x = x;
    card.y = y;
    return card;
}

QPalette darkPalette() {
    return Theme::paletteFor(ColorScheme::Dark); // the app's own dark palette
}

} // namespace

class StoryboardDeskTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void storyboardInTheMainAreaStaysInSync();
    void mainAreaScreenshots();
    void boardOpensOnItsFarAwayCards();
    void pinnedIdeasTakeFreePlaces();
    void longTitlesAndTheLinkSquare();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    bool showWindow(MainWindow& w);
    QTemporaryDir m_dir;
};

void StoryboardDeskTest::initTestCase() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QVERIFY(m_dir.isValid());
}

bool StoryboardDeskTest::showWindow(MainWindow& w) {
    w.resize(1360, 860);
    w.show();
    w.activateWindow();
    return QTest::qWaitForWindowActive(&w);
}

void StoryboardDeskTest::storyboardInTheMainAreaStaysInSync() {
    MainWindow w;
    QVERIFY(showWindow(w));
    QVERIFY(w.newProject(path(QStringLiteral("sync.fabulist"))));
    StoryboardView* side = w.storyboardView();
    StoryboardView* main = w.mainStoryboardView();
    QVERIFY(main && main != side);
    QVERIFY(!w.isStoryboardInMainArea());
    QVERIFY(!main->isVisible());

    // The View menu has the toggle on Ctrl+Shift+3, apart from Ctrl+3.
    QMenu* viewMenu = test::menuBarMenu(w, QStringLiteral("&View"));
    QVERIFY(viewMenu);
    QAction* toggle = nullptr;
    for (QAction* a : viewMenu->actions())
        if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_3)) toggle = a;
    QVERIFY(toggle);
    QVERIFY(toggle->text().contains(QStringLiteral("Main Area")));

    const auto board = side->createBoard(QStringLiteral("Plot"));
    QVERIFY(board);
    QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier); // the side tab, as before
    QVERIFY(side->isVisible());
    QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(w.isStoryboardInMainArea());
    QVERIFY(toggle->isChecked());
    QVERIFY(main->isVisible());
    QVERIFY(!w.editor()->isVisible());
    QVERIFY(side->isVisible()); // the side tab stays, a quick view
    QVERIFY2(main->width() > 2 * side->width(),
             qPrintable(QStringLiteral("%1 vs %2").arg(main->width()).arg(side->width())));
    QCOMPARE(main->currentBoardId(), board);
    QCOMPARE(main->graphicsView(), QApplication::focusWidget());

    // A card added in one view appears in the other, edits and deletions too; boards as well.
    const auto inMain = main->addCard(QPointF(40, 40), QStringLiteral("From the big board"));
    QVERIFY(inMain);
    QVERIFY(side->cardIds().contains(*inMain));
    const auto inSide = side->addCard(QPointF(300, 40), QStringLiteral("From the side"));
    QVERIFY(inSide);
    QVERIFY(main->cardIds().contains(*inSide));
    storage::Card renamed = main->cardItem(*inSide)->card();
    renamed.title = "Renamed in the main area";
    QVERIFY(main->saveCard(renamed));
    QCOMPARE(side->cardItem(*inSide)->card().title, renamed.title);
    QVERIFY(side->removeCards({*inMain}));
    QCOMPARE(main->cardIds(), QList<int64_t>{*inSide});
    const auto second = main->createBoard(QStringLiteral("Subplot"));
    QVERIFY(second);
    QCOMPARE(side->boardBox()->count(), 2);
    QVERIFY(main->renameBoard(*second, QStringLiteral("Romance")));
    QCOMPARE(side->boardBox()->itemText(side->boardBox()->findData(qint64(*second))),
             QStringLiteral("Romance"));
    QCOMPARE(side->currentBoardId(), board); // the side tab keeps the board it showed

    // Opening a document from the binder brings the editor back.
    w.binderView()->setCurrentIndex({});
    const int64_t scene =
        w.binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Opening")).value();
    QCOMPARE(w.documentSession()->currentId(), std::optional<int64_t>(scene));
    QVERIFY(!w.isStoryboardInMainArea());
    QVERIFY(!toggle->isChecked());
    QVERIFY(w.editor()->isVisible());
    // Clicking the document already open does too.
    toggle->trigger();
    QVERIFY(w.isStoryboardInMainArea());
    const QRect row = w.binderView()->visualRect(w.binderView()->currentIndex());
    QVERIFY(row.isValid());
    QTest::mouseClick(w.binderView()->viewport(), Qt::LeftButton, {}, row.center());
    QVERIFY(!w.isStoryboardInMainArea());

    // Focus mode is the text alone; leaving it shows the editor.
    toggle->trigger();
    QVERIFY(w.isStoryboardInMainArea());
    QTest::keyClick(&w, Qt::Key_F11);
    QVERIFY(w.isFocusMode());
    QVERIFY(!w.isStoryboardInMainArea());
    QTest::keyClick(&w, Qt::Key_F11);
    QVERIFY(!w.isFocusMode());
    QVERIFY(w.editor()->isVisible());

    // Ctrl+Shift+3 twice: there and back.
    QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(w.isStoryboardInMainArea());
    QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier | Qt::ShiftModifier);
    QVERIFY(!w.isStoryboardInMainArea());
    QCOMPARE(w.editor(), QApplication::focusWidget());
    w.closeProject();
    QCOMPARE(main->project(), nullptr);
}

void StoryboardDeskTest::mainAreaScreenshots() {
    const QString sample = path(QStringLiteral("sample.fabulist"));
    QFile::remove(sample);
    storage::createSampleProject(sample.toStdString());
    const QPalette saved = QApplication::palette();
    for (const bool dark : {false, true}) {
        if (dark) QApplication::setPalette(darkPalette());
        MainWindow w;
        QVERIFY(showWindow(w));
        QVERIFY(w.openProject(sample));
        w.setStoryboardInMainArea(true);
        StoryboardView* main = w.mainStoryboardView();
        const QList<int64_t> cards = main->cardIds();
        QVERIFY(!cards.isEmpty());
        for (const int64_t id : cards)
            QVERIFY2(visibleScene(main).intersects(cardRect(main, id)),
                     qPrintable(QString::number(id)));
        QTest::qWait(50);
        QVERIFY(saveShot(&w, dark ? QStringLiteral("storyboard-main-area-dark.png")
                                  : QStringLiteral("storyboard-main-area.png")));
        w.closeProject();
    }
    QApplication::setPalette(saved);
}

void StoryboardDeskTest::boardOpensOnItsFarAwayCards() {
    const QString file = path(QStringLiteral("far.fabulist"));
    int64_t near = 0, far = 0;
    QList<int64_t> farCards;
    {
        auto project = storage::Project::create(file.toStdString());
        project->binder().create(storage::NodeKind::Scene, "Harbour");
        far = project->storyboard().createBoard("Far away");
        farCards << project->storyboard().addCard(makeCard(far, "North", 2000, 1500))
                 << project->storyboard().addCard(makeCard(far, "East", 2220, 1500))
                 << project->storyboard().addCard(makeCard(far, "South", 2000, 1650));
        near = project->storyboard().createBoard("Farther still");
        project->storyboard().addCard(makeCard(near, "Lost", 3400, 2600));
    }
    auto cardsInSight = [](const StoryboardView* view) {
        for (const int64_t id : view->cardIds())
            if (!visibleScene(view).intersects(cardRect(view, id))) return false;
        return !view->cardIds().isEmpty();
    };
    // Twice: the first start of this project and the start after it.
    for (int start = 0; start < 2; ++start) {
        MainWindow w;
        QVERIFY(showWindow(w));
        QVERIFY(w.openProject(file));
        StoryboardView* side = w.storyboardView();
        auto* tabs = w.findChild<QTabWidget*>(QStringLiteral("sidePanels"));
        tabs->setCurrentIndex(0); // Snapshots: the Storyboard tab is hidden
        QVERIFY(!side->isVisible());
        QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier); // View > Storyboard
        QVERIFY(side->isVisible());
        QCOMPARE(side->currentBoardId(), std::optional<int64_t>(far));
        QCOMPARE(side->cardIds(), farCards);
        QVERIFY2(cardsInSight(side), qPrintable(QStringLiteral("visible %1,%2 %3x%4")
                                                    .arg(visibleScene(side).x())
                                                    .arg(visibleScene(side).y())
                                                    .arg(visibleScene(side).width())
                                                    .arg(visibleScene(side).height())));
        // Never enlarged, never smaller than half size.
        const qreal scale = side->graphicsView()->transform().m11();
        QVERIFY2(scale >= 0.5 && scale <= 1.0, qPrintable(QString::number(scale)));
        if (start == 0) QVERIFY(saveShot(tabs, QStringLiteral("storyboard-side-tab.png")));

        // Another board in the selector: framed on its card as well.
        side->boardBox()->setCurrentIndex(side->boardBox()->findData(qint64(near)));
        QVERIFY(cardsInSight(side));
        // The main area, shown for the first time: the three cards fit at full size.
        w.setStoryboardInMainArea(true);
        StoryboardView* main = w.mainStoryboardView();
        QCOMPARE(main->currentBoardId(), std::optional<int64_t>(near)); // the side tab's board
        QVERIFY(cardsInSight(main));
        main->boardBox()->setCurrentIndex(main->boardBox()->findData(qint64(far)));
        QVERIFY(cardsInSight(main));
        QCOMPARE(main->graphicsView()->transform().m11(), 1.0);
        w.closeProject();
    }
}

void StoryboardDeskTest::pinnedIdeasTakeFreePlaces() {
    MainWindow w;
    QVERIFY(showWindow(w));
    QVERIFY(w.newProject(path(QStringLiteral("pins.fabulist"))));
    StoryboardView* side = w.storyboardView();
    w.showStoryboard();
    QVERIFY(side->createBoard(QStringLiteral("Ideas")));
    // Cards where pins used to pile up, and one in the way of a grid.
    for (const QPointF at : {QPointF(24, 24), QPointF(48, 48), QPointF(230, 30), QPointF(40, 170)})
        QVERIFY(side->addCard(at, QStringLiteral("Existing")));
    auto noOverlap = [](const StoryboardView* view) {
        const QList<int64_t> ids = view->cardIds();
        for (qsizetype i = 0; i < ids.size(); ++i)
            for (qsizetype j = i + 1; j < ids.size(); ++j) {
                const QPointF a = view->cardItem(ids[i])->pos(), b = view->cardItem(ids[j])->pos();
                // The two first existing cards overlap each other on purpose.
                if (i == 0 && j == 1) continue;
                const QSizeF size(StoryCardItem::kWidth, StoryCardItem::kHeight);
                if (QRectF(a, size).intersects(QRectF(b, size))) return false;
            }
        return true;
    };
    // What the Generate panel asks for when the writer pins a generation.
    auto pin = [&w](const QString& text) {
        storage::Generation g;
        g.task = "brainstorm";
        g.output = text.toStdString();
        const int64_t id = w.project()->generations().record(g);
        w.generationController()->pin(text, id);
    };
    // Six pins onto the side tab: free places, the first one in sight.
    QList<int64_t> before = side->cardIds();
    for (int i = 0; i < 6; ++i) pin(QStringLiteral("Idea number %1 for the plot").arg(i));
    QCOMPARE(side->cardIds().size(), before.size() + 6);
    QVERIFY(noOverlap(side));
    const int64_t firstPin = side->cardIds().at(before.size());
    QVERIFY(visibleScene(side).contains(cardRect(side, firstPin).adjusted(2, 2, -2, -2)));

    // Six more onto the full-size board: all of them where the writer looks.
    w.setStoryboardInMainArea(true);
    StoryboardView* main = w.mainStoryboardView();
    before = main->cardIds();
    for (int i = 0; i < 6; ++i) pin(QStringLiteral("Big board idea %1").arg(i));
    const QList<int64_t> after = main->cardIds();
    QCOMPARE(after.size(), before.size() + 6);
    QVERIFY(noOverlap(main));
    for (qsizetype i = before.size(); i < after.size(); ++i)
        QVERIFY2(visibleScene(main).contains(cardRect(main, after[i]).adjusted(2, 2, -2, -2)),
                 qPrintable(QString::number(i)));
    QCOMPARE(side->cardIds(), after); // and the side tab has them too
    w.closeProject();
}

void StoryboardDeskTest::longTitlesAndTheLinkSquare() {
    const QString file = path(QStringLiteral("titles.fabulist"));
    const QString longTitle = QStringLiteral(
        "The night the lighthouse keeper forgot the lamp and the ships came in anyway");
    const QString twoLineTitle = QStringLiteral("The harbour master's daughter");
    int64_t harbour = 0, storm = 0, linked = 0, plain = 0, medium = 0;
    {
        auto project = storage::Project::create(file.toStdString());
        harbour = project->binder().create(storage::NodeKind::Scene, "Harbour");
        storm = project->binder().create(storage::NodeKind::Scene, "Storm");
        const int64_t board = project->storyboard().createBoard("Plot");
        storage::Card card = makeCard(board, longTitle.toStdString(), 40, 40);
        card.text = "Ships find the harbour by the town's lights.";
        card.documentId = storm;
        linked = project->storyboard().addCard(card);
        plain = project->storyboard().addCard(makeCard(board, "Short", 260, 40));
        medium =
            project->storyboard().addCard(makeCard(board, twoLineTitle.toStdString(), 480, 40));
    }
    MainWindow w;
    QVERIFY(showWindow(w));
    QVERIFY(w.openProject(file));
    QCOMPARE(w.documentSession()->currentId(), std::optional<int64_t>(harbour)); // the first scene
    w.setStoryboardInMainArea(true);
    StoryboardView* main = w.mainStoryboardView();
    QGraphicsView* g = main->graphicsView();

    // A title for two lines is drawn whole on two; a longer one is whole in the tooltip.
    const QFont bold = [&] {
        QFont f = g->viewport()->font();
        f.setBold(true);
        return f;
    }();
    const qreal width = StoryCardItem::kWidth - 20;
    const QStringList lines = StoryCardItem::titleLines(twoLineTitle, bold, width);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.join(QLatin1Char(' ')), twoLineTitle);
    QVERIFY(!main->cardItem(medium)->toolTip().contains(twoLineTitle));
    QCOMPARE(StoryCardItem::titleLines(longTitle, bold, width).size(), 2);
    QVERIFY(main->cardItem(linked)->toolTip().contains(longTitle));
    QVERIFY(main->cardItem(plain)->toolTip().isEmpty());
    QVERIFY(saveShot(g, QStringLiteral("storyboard-long-title.png")));

    // A double-click on the card itself edits it (not the scene)...
    StoryCardItem* item = main->cardItem(linked);
    QWidget* viewport = g->viewport();
    const QPoint body = g->mapFromScene(item->mapToScene(QPointF(40, 80)));
    QTest::mouseDClick(viewport, Qt::LeftButton, {}, body);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, body);
    CardEditorDialog* editor = nullptr;
    for (CardEditorDialog* d : main->findChildren<CardEditorDialog*>())
        if (d->isVisible()) editor = d;
    QVERIFY(editor);
    editor->reject();
    QVERIFY(w.isStoryboardInMainArea());
    QCOMPARE(w.documentSession()->currentId(), std::optional<int64_t>(harbour));

    // ...and one on its link square opens the linked scene in the editor.
    const QRectF square = item->documentMarkerRect();
    QVERIFY(!square.isEmpty());
    const QPoint marker = g->mapFromScene(item->mapToScene(square.center()));
    QCOMPARE(g->itemAt(marker), item);
    QTest::mouseDClick(viewport, Qt::LeftButton, {}, marker);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, marker);
    QCOMPARE(w.documentSession()->currentId(), std::optional<int64_t>(storm));
    QCOMPARE(w.binderView()->currentNodeId(), std::optional<int64_t>(storm));
    QVERIFY(!w.isStoryboardInMainArea());
    QVERIFY(w.editor()->isVisible());

    // The keyboard: Tab selects the cards in reading order, Return edits the selected one.
    w.setStoryboardInMainArea(true);
    g->setFocus();
    main->scene()->clearSelection();
    QTest::keyClick(g, Qt::Key_Tab);
    QCOMPARE(main->selectedCardIds(), QList<int64_t>{linked});
    QTest::keyClick(g, Qt::Key_Tab);
    QCOMPARE(main->selectedCardIds(), QList<int64_t>{plain});
    QTest::keyClick(g, Qt::Key_Return);
    editor = nullptr;
    for (CardEditorDialog* d : main->findChildren<CardEditorDialog*>())
        if (d->isVisible()) editor = d;
    QVERIFY(editor);
    QCOMPARE(editor->card().id, plain);
    editor->reject();
    w.closeProject();
}

FABULIST_GUI_TEST_MAIN(StoryboardDeskTest)
#include "storyboard_desk_test.moc"
