// The Storyboard view on real project files: boards created, renamed and deleted through its
// buttons and dialogs; cards added with the button and by double-clicking the board, dragged
// with mouse events on the viewport (the position reaches the project on release, not before),
// edited through the card editor's widgets, deleted with the Delete key (one confirmation for
// several); everything read back through the repository after the project is closed and opened
// again. Also: an empty project, no project, the sample novel's cards, ink contrast on every
// card colour, and the "Storyboard" tab of the real MainWindow. Writes
// <build>/artifacts/storyboard.png.
#include "gui_test_support.h"
#include "storage/project.h"
#include "storage/sample_project.h"
#include "ui/editor/document_session.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/storyboard/card_editor_dialog.h"
#include "ui/storyboard/story_card_item.h"
#include "ui/storyboard/storyboard_view.h"

#include <QAction>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QGraphicsView>
#include <QInputDialog>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStyleFactory>
#include <QTabWidget>
#include <QToolButton>
#include <cmath>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

// The open (visible) dialog of that type and name under parent; closed ones may linger until
// their deferred delete.
template <typename T> T* openDialog(QWidget* parent, const QString& name) {
    for (T* d : parent->findChildren<T*>(name))
        if (d->isVisible()) return d;
    return nullptr;
}

int openDialogCount(QWidget* parent) {
    int n = 0;
    for (QDialog* d : parent->findChildren<QDialog*>())
        if (d->isVisible()) ++n;
    return n;
}

// WCAG 2 relative luminance and contrast ratio, written out here independently of the view.
double luminance(const QColor& c) {
    auto lin = [](double v) {
        return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
}
double contrast(const QColor& a, const QColor& b) {
    const double la = luminance(a), lb = luminance(b);
    return (qMax(la, lb) + 0.05) / (qMin(la, lb) + 0.05);
}

storage::Card onlyCard(storage::Project& project, int64_t board, const std::string& title) {
    for (const storage::Card& c : project.storyboard().cards(board))
        if (c.title == title) return c;
    return {};
}

} // namespace

class StoryboardViewTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void emptyProjectIsUsableAndNoProjectDisables();
    void boardsAndCardsThroughTheViewPersist();
    void sampleNovelShowsItsCards();
    void cardLinksToTheOpenDocument();
    void inkIsReadableOnEveryCardColour();
    void mainWindowHasAStoryboardTab();

private:
    QString path(const QString& name) const { return m_dir.filePath(name); }
    void show(StoryboardView& view);
    QTemporaryDir m_dir;
};

void StoryboardViewTest::initTestCase() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QVERIFY(m_dir.isValid());
}

void StoryboardViewTest::show(StoryboardView& view) {
    view.resize(900, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
}

void StoryboardViewTest::emptyProjectIsUsableAndNoProjectDisables() {
    auto project = storage::Project::create(path(QStringLiteral("empty.fabulist")).toStdString());
    StoryboardView view;
    show(view);
    QVERIFY(!view.isEnabled()); // no project yet
    view.setProject(project.get());
    QVERIFY(view.isEnabled());
    QCOMPARE(view.boardBox()->count(), 0);
    QCOMPARE(view.currentBoardId(), std::optional<int64_t>());
    QVERIFY(view.cardIds().isEmpty());
    QVERIFY(view.newBoardButton()->isEnabled());
    QVERIFY(!view.renameBoardButton()->isEnabled());
    QVERIFY(!view.deleteBoardButton()->isEnabled());
    QVERIFY(!view.addCardButton()->isEnabled());

    // Usable: New asks for a name and makes the board.
    QTest::mouseClick(view.newBoardButton(), Qt::LeftButton);
    auto* name = openDialog<QInputDialog>(&view, QStringLiteral("boardNameDialog"));
    QVERIFY(name);
    name->setTextValue(QStringLiteral("Act One"));
    name->accept();
    const std::vector<storage::Board> boards = project->storyboard().boards();
    QCOMPARE(boards.size(), size_t(1));
    QCOMPARE(boards[0].title, std::string("Act One"));
    QCOMPARE(view.currentBoardId(), std::optional<int64_t>(boards[0].id));
    QCOMPARE(view.boardBox()->currentText(), QStringLiteral("Act One"));
    QVERIFY(view.addCardButton()->isEnabled());
    QVERIFY(view.deleteBoardButton()->isEnabled());

    view.setProject(nullptr);
    QVERIFY(!view.isEnabled());
    QCOMPARE(view.boardBox()->count(), 0);
    QVERIFY(view.cardIds().isEmpty());
    QCOMPARE(view.currentBoardId(), std::optional<int64_t>());
}

void StoryboardViewTest::boardsAndCardsThroughTheViewPersist() {
    const QString file = path(QStringLiteral("board.fabulist"));
    auto project = storage::Project::create(file.toStdString());
    StoryboardView view;
    show(view);
    view.setProject(project.get());
    const auto board = view.createBoard(QStringLiteral("Plot"));
    QVERIFY(board);
    QCOMPARE(view.currentBoardId(), board);
    QWidget* viewport = view.graphicsView()->viewport();

    // 1. "Add card": a card, then its editor; the writer fills it in and presses OK.
    QTest::mouseClick(view.addCardButton(), Qt::LeftButton);
    CardEditorDialog* editor =
        openDialog<CardEditorDialog>(&view, QStringLiteral("cardEditorDialog"));
    QVERIFY(editor);
    QCOMPARE(project->storyboard().cards(*board).size(), size_t(1));
    editor->titleEdit()->selectAll();
    QTest::keyClicks(editor->titleEdit(), QStringLiteral("Storm"));
    QTest::keyClicks(editor->textEdit(), QStringLiteral("The boat leaves at night."));
    QTest::mouseClick(editor->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok),
                      Qt::LeftButton);
    QVERIFY(!editor->isVisible());
    storage::Card storm = onlyCard(*project, *board, "Storm");
    QVERIFY(storm.id != 0);
    QCOMPARE(storm.text, std::string("The boat leaves at night."));
    QCOMPARE(storm.color, uint32_t(0xF5E6A8)); // storage's default card colour, unchanged
    // Placed where the writer looks: inside the visible part of the board.
    QVERIFY(viewport->rect().contains(
        view.graphicsView()
            ->mapFromScene(QRectF(storm.x, storm.y, StoryCardItem::kWidth, StoryCardItem::kHeight))
            .boundingRect()));

    // 2. Double-click on empty board space: a card centred there (the editor is cancelled).
    const QPoint empty(520, 420);
    QVERIFY(view.graphicsView()->itemAt(empty) == nullptr);
    const QPointF emptyScene = view.graphicsView()->mapToScene(empty);
    QTest::mouseDClick(viewport, Qt::LeftButton, {}, empty);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, empty);
    editor = openDialog<CardEditorDialog>(&view, QStringLiteral("cardEditorDialog"));
    QVERIFY(editor);
    editor->reject();
    QCOMPARE(project->storyboard().cards(*board).size(), size_t(2));
    const storage::Card placed = onlyCard(*project, *board, "New card");
    QVERIFY(placed.id != 0);
    QVERIFY(std::abs(placed.x + StoryCardItem::kWidth / 2 - emptyScene.x()) <= 1.0);
    QVERIFY(std::abs(placed.y + StoryCardItem::kHeight / 2 - emptyScene.y()) <= 1.0);
    QCOMPARE(view.cardIds(), (QList<int64_t>{storm.id, placed.id}));

    // 3. Drag "Storm" by (130, 90): nothing is written while it moves, the new place on release.
    const QPoint grab = view.graphicsView()->mapFromScene(QPointF(storm.x + 40, storm.y + 30));
    QCOMPARE(view.graphicsView()->itemAt(grab), view.cardItem(storm.id));
    const QPoint delta(130, 90);
    QTest::mousePress(viewport, Qt::LeftButton, {}, grab);
    QTest::mouseMove(viewport, grab + delta / 2);
    QTest::mouseMove(viewport, grab + delta);
    const storage::Card midDrag = project->storyboard().card(storm.id);
    QCOMPARE(midDrag.x, storm.x);
    QCOMPARE(midDrag.y, storm.y);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, grab + delta);
    const storage::Card dragged = project->storyboard().card(storm.id);
    QVERIFY2(std::abs(dragged.x - (storm.x + delta.x())) <= 1.5 &&
                 std::abs(dragged.y - (storm.y + delta.y())) <= 1.5,
             qPrintable(QStringLiteral("(%1, %2) -> (%3, %4)")
                            .arg(storm.x)
                            .arg(storm.y)
                            .arg(dragged.x)
                            .arg(dragged.y)));
    QCOMPARE(project->storyboard().card(placed.id).x, placed.x); // the other card stayed
    QVERIFY(view.cardItem(storm.id)->zValue() > view.cardItem(placed.id)->zValue()); // on top

    // 4. Double-click the card: its editor; change all three fields through the widgets.
    const QPoint onStorm =
        view.graphicsView()->mapFromScene(QPointF(dragged.x + 90, dragged.y + 56));
    QTest::mouseDClick(viewport, Qt::LeftButton, {}, onStorm);
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, onStorm);
    editor = openDialog<CardEditorDialog>(&view, QStringLiteral("cardEditorDialog"));
    QVERIFY(editor);
    QCOMPARE(editor->titleEdit()->text(), QStringLiteral("Storm"));
    QCOMPARE(editor->textEdit()->toPlainText(), QStringLiteral("The boat leaves at night."));
    editor->titleEdit()->selectAll();
    QTest::keyClicks(editor->titleEdit(), QStringLiteral("Storm at sea"));
    editor->textEdit()->selectAll();
    QTest::keyClicks(editor->textEdit(), QStringLiteral("The boat leaves at dawn."));
    const int blue = editor->colorBox()->findText(QStringLiteral("Blue"));
    QVERIFY(blue >= 0);
    editor->colorBox()->setCurrentIndex(blue);
    editor->accept();
    const storage::Card edited = project->storyboard().card(storm.id);
    QCOMPARE(edited.title, std::string("Storm at sea"));
    QCOMPARE(edited.text, std::string("The boat leaves at dawn."));
    QCOMPARE(edited.color, uint32_t(0xBCD8F2));
    QCOMPARE(edited.x, dragged.x); // editing does not move it
    QCOMPARE(edited.y, dragged.y);
    QCOMPARE(view.cardItem(storm.id)->card().title, std::string("Storm at sea"));

    // 5. Delete key on the selected card: asks, names it, deletes on "Delete".
    view.scene()->clearSelection();
    view.cardItem(placed.id)->setSelected(true);
    view.graphicsView()->setFocus();
    QTest::keyClick(view.graphicsView(), Qt::Key_Delete);
    auto* confirm = openDialog<QMessageBox>(&view, QStringLiteral("confirmDeleteCards"));
    QVERIFY(confirm);
    QVERIFY2(confirm->text().contains(QStringLiteral("New card")), qPrintable(confirm->text()));
    confirm->button(QMessageBox::Cancel)->click(); // first no: nothing goes
    QCOMPARE(project->storyboard().cards(*board).size(), size_t(2));
    QTest::keyClick(view.graphicsView(), Qt::Key_Delete);
    confirm = openDialog<QMessageBox>(&view, QStringLiteral("confirmDeleteCards"));
    QVERIFY(confirm);
    confirm->button(QMessageBox::Yes)->click();
    QCOMPARE(project->storyboard().cards(*board).size(), size_t(1));
    QVERIFY(!view.cardItem(placed.id));

    // Several at once: one question for both.
    const auto a = view.addCard(QPointF(600, 80), QStringLiteral("Harbour"));
    const auto b = view.addCard(QPointF(800, 80), QStringLiteral("Lantern"));
    QVERIFY(a && b);
    view.cardItem(*a)->setSelected(true);
    view.cardItem(*b)->setSelected(true);
    QCOMPARE(view.selectedCardIds().size(), 2);
    QTest::keyClick(view.graphicsView(), Qt::Key_Delete);
    QCOMPARE(openDialogCount(&view), 1);
    confirm = openDialog<QMessageBox>(&view, QStringLiteral("confirmDeleteCards"));
    QVERIFY(confirm);
    QVERIFY2(confirm->text().contains(QStringLiteral("2 cards")), qPrintable(confirm->text()));
    confirm->button(QMessageBox::Yes)->click();
    QCOMPARE(project->storyboard().cards(*board).size(), size_t(1));

    // 6. Rename the board through its dialog.
    QTest::mouseClick(view.renameBoardButton(), Qt::LeftButton);
    auto* name = openDialog<QInputDialog>(&view, QStringLiteral("boardNameDialog"));
    QVERIFY(name);
    QCOMPARE(name->textValue(), QStringLiteral("Plot"));
    name->setTextValue(QStringLiteral("Plot lines"));
    name->accept();
    QCOMPARE(project->storyboard().board(*board).title, std::string("Plot lines"));
    QCOMPARE(view.boardBox()->currentText(), QStringLiteral("Plot lines"));

    // 7. A second board with two cards; Delete says how many go with it.
    const auto scratch = view.createBoard(QStringLiteral("Scratch"));
    QVERIFY(scratch);
    QCOMPARE(view.currentBoardId(), scratch);
    QVERIFY(view.cardIds().isEmpty()); // the new board's own (empty) scene
    QVERIFY(view.addCard(QPointF(40, 40), QStringLiteral("One")));
    QVERIFY(view.addCard(QPointF(260, 40), QStringLiteral("Two")));
    QTest::mouseClick(view.deleteBoardButton(), Qt::LeftButton);
    confirm = openDialog<QMessageBox>(&view, QStringLiteral("confirmDeleteBoard"));
    QVERIFY(confirm);
    QVERIFY2(confirm->text().contains(QStringLiteral("Scratch")) &&
                 confirm->text().contains(QStringLiteral("2 cards")),
             qPrintable(confirm->text()));
    confirm->button(QMessageBox::Cancel)->click();
    QCOMPARE(project->storyboard().boards().size(), size_t(2));
    QTest::mouseClick(view.deleteBoardButton(), Qt::LeftButton);
    confirm = openDialog<QMessageBox>(&view, QStringLiteral("confirmDeleteBoard"));
    QVERIFY(confirm);
    confirm->button(QMessageBox::Yes)->click();
    QCOMPARE(project->storyboard().boards().size(), size_t(1));
    QCOMPARE(project->storyboard().cards(*scratch).size(), size_t(0));
    QCOMPARE(view.currentBoardId(), board); // back on the remaining board
    QCOMPARE(view.cardIds(), (QList<int64_t>{storm.id}));

    // The board as the writer sees it.
    const QByteArray binary = qgetenv("FABULIST_BINARY_DIR");
    const QString artifacts =
        QDir(binary.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(binary))
            .filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(artifacts));
    QVERIFY(view.grab().save(QDir(artifacts).filePath(QStringLiteral("storyboard.png"))));

    // 8. Close, open again: everything is in the file.
    view.setProject(nullptr);
    project.reset();
    project = storage::Project::open(file.toStdString());
    const std::vector<storage::Board> boards = project->storyboard().boards();
    QCOMPARE(boards.size(), size_t(1));
    QCOMPARE(boards[0].id, *board);
    QCOMPARE(boards[0].title, std::string("Plot lines"));
    const std::vector<storage::Card> cards = project->storyboard().cards(*board);
    QCOMPARE(cards.size(), size_t(1));
    QCOMPARE(cards[0].id, storm.id);
    QCOMPARE(cards[0].title, std::string("Storm at sea"));
    QCOMPARE(cards[0].text, std::string("The boat leaves at dawn."));
    QCOMPARE(cards[0].color, uint32_t(0xBCD8F2));
    QCOMPARE(cards[0].x, dragged.x);
    QCOMPARE(cards[0].y, dragged.y);
    view.setProject(project.get());
    QCOMPARE(view.cardIds(), (QList<int64_t>{storm.id}));
    QCOMPARE(view.cardItem(storm.id)->pos(), QPointF(dragged.x, dragged.y));
}

void StoryboardViewTest::sampleNovelShowsItsCards() {
    auto project =
        storage::createSampleProject(path(QStringLiteral("sample.fabulist")).toStdString());
    const std::vector<storage::Board> boards = project->storyboard().boards();
    QVERIFY(!boards.empty());
    StoryboardView view;
    show(view);
    view.setProject(project.get());
    QCOMPARE(view.boardBox()->count(), int(boards.size()));
    QCOMPARE(view.currentBoardId(), std::optional<int64_t>(boards[0].id));
    const std::vector<storage::Card> cards = project->storyboard().cards(boards[0].id);
    QCOMPARE(view.cardIds().size(), qsizetype(cards.size()));
    for (const storage::Card& c : cards) {
        StoryCardItem* item = view.cardItem(c.id);
        QVERIFY(item);
        QCOMPARE(item->pos(), QPointF(c.x, c.y));
        QCOMPARE(item->toolTip().contains(QStringLiteral("scene")), c.documentId.has_value());
    }
    const QByteArray binary = qgetenv("FABULIST_BINARY_DIR");
    const QString artifacts =
        QDir(binary.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(binary))
            .filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(artifacts));
    QVERIFY(view.grab().save(QDir(artifacts).filePath(QStringLiteral("storyboard-sample.png"))));
}

void StoryboardViewTest::cardLinksToTheOpenDocument() {
    auto project = storage::Project::create(path(QStringLiteral("links.fabulist")).toStdString());
    const int64_t scene = project->binder().create(storage::NodeKind::Scene, "Harbour");
    StoryboardView view;
    show(view);
    view.setProject(project.get());
    QVERIFY(view.createBoard(QStringLiteral("Links")));
    const auto card = view.addCard(QPointF(30, 30), QStringLiteral("Arrival"));
    QVERIFY(card);
    QVERIFY(!view.linkCardToCurrentNode(*card)); // no document open
    QVERIFY(!project->storyboard().card(*card).documentId);
    view.setCurrentNode(scene);
    QVERIFY(view.linkCardToCurrentNode(*card));
    QCOMPARE(project->storyboard().card(*card).documentId, std::optional<int64_t>(scene));
    QVERIFY(view.cardItem(*card)->toolTip().contains(QStringLiteral("scene")));
    QCOMPARE(project->storyboard().card(*card).title, std::string("Arrival")); // the rest kept
    QVERIFY(view.unlinkCardFromNode(*card));
    QCOMPARE(project->storyboard().card(*card).documentId, std::optional<int64_t>());
    QVERIFY(view.cardItem(*card)->toolTip().isEmpty());
}

void StoryboardViewTest::inkIsReadableOnEveryCardColour() {
    // WCAG AA asks 4.5:1 for body text; the card's colour is the background in both themes.
    for (const CardSwatch& s : cardSwatches()) {
        const QColor fill = QColor::fromRgb(s.rgb);
        const double ratio = contrast(StoryCardItem::inkFor(fill), fill);
        QVERIFY2(ratio >= 4.5, qPrintable(QStringLiteral("%1: %2").arg(s.name).arg(ratio)));
    }
    QCOMPARE(StoryCardItem::inkFor(QColor(Qt::white)).lightness() < 64, true);
    QCOMPARE(StoryCardItem::inkFor(QColor(Qt::black)), QColor(Qt::white));
}

void StoryboardViewTest::mainWindowHasAStoryboardTab() {
    MainWindow w;
    w.resize(1360, 860);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    StoryboardView* view = w.storyboardView();
    QVERIFY(view);
    QVERIFY(!view->isEnabled());
    auto* tabs = w.findChild<QTabWidget*>(QStringLiteral("sidePanels"));
    QVERIFY(tabs);
    QCOMPARE(tabs->tabText(tabs->indexOf(view)), QStringLiteral("Storyboard"));

    QVERIFY(w.newProject(path(QStringLiteral("window.fabulist"))));
    QCOMPARE(view->project(), w.project());
    QVERIFY(view->isEnabled());

    // View > Storyboard (Ctrl+3) brings the tab forward.
    QMenu* viewMenu = fabulist::test::menuBarMenu(w, QStringLiteral("&View"));
    QVERIFY(viewMenu);
    QAction* show = nullptr;
    for (QAction* a : viewMenu->actions())
        if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_3)) show = a;
    QVERIFY(show);
    tabs->setCurrentIndex(0);
    show->trigger();
    QCOMPARE(tabs->currentWidget(), view);

    const auto board = view->createBoard(QStringLiteral("Window board"));
    QVERIFY(board);
    QCOMPARE(w.project()->storyboard().boards().size(), size_t(1));
    // The document open in the editor is the one a card links to.
    w.binderView()->setCurrentIndex({});
    const int64_t scene =
        w.binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Opening")).value();
    QCOMPARE(w.documentSession()->currentId(), std::optional<int64_t>(scene));
    const auto card = view->addCard(QPointF(20, 20), QStringLiteral("Opening card"));
    QVERIFY(card);
    QVERIFY(view->linkCardToCurrentNode(*card));
    QCOMPARE(w.project()->storyboard().card(*card).documentId, std::optional<int64_t>(scene));
    // Delete in the window's storyboard asks about the card (no window action takes the key).
    view->scene()->clearSelection();
    view->cardItem(*card)->setSelected(true);
    view->graphicsView()->setFocus();
    QTest::keyClick(view->graphicsView(), Qt::Key_Delete);
    auto* confirm = openDialog<QMessageBox>(view, QStringLiteral("confirmDeleteCards"));
    QVERIFY(confirm);
    confirm->button(QMessageBox::Yes)->click();
    QVERIFY(w.project()->storyboard().cards(*board).empty());
    QVERIFY(w.project()->binder().node(scene).title == "Opening"); // the scene itself stays
    w.closeProject();
    QCOMPARE(view->project(), nullptr);
    QVERIFY(!view->isEnabled());
    QVERIFY(w.openProject(path(QStringLiteral("window.fabulist"))));
    QCOMPARE(view->currentBoardId(), board);
    w.closeProject();
}

FABULIST_GUI_TEST_MAIN(StoryboardViewTest)
#include "storyboard_view_test.moc"
