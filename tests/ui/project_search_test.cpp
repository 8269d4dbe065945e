// Project search (Edit > Search in Project, Ctrl+Shift+F) in the real MainWindow on real project
// files: ranking, the kind / chapter / generation-status filters, opening a result with the match
// selected (a generation in the History tab), Replace All with its preview, one snapshot per
// changed document, the editor's undo, a stale preview that replaces nothing, odd queries.
// Screenshots: project-search.png, project-search-dark.png, project-replace-preview.png.
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/history_view.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/project/project_replace.h"
#include "ui/project/project_search_panel.h"
#include "ui/project/replace_preview_dialog.h"
#include "ui/project/search_result_delegate.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QTabWidget>
#include <QTextCursor>
#include <QTreeWidget>

using namespace fabulist;
using namespace fabulist::ui;
using storage::GenerationStatus;
using storage::NodeKind;

namespace {

struct Seed {
    int64_t chapterOne = 0, chapterTwo = 0;
    int64_t sceneOne = 0, sceneTwo = 0, note = 0, character = 0;
    int64_t accepted = 0, rejected = 0;
};

int64_t addDocument(storage::Project& p, NodeKind kind, const char* title, const std::string& text,
                    std::optional<int64_t> parent = {}) {
    const int64_t id = p.binder().create(kind, title, parent);
    p.documents().setText(id, text);
    return id;
}

int64_t addGeneration(storage::Project& p, int64_t document, GenerationStatus status,
                      const std::string& output) {
    storage::Generation g;
    g.task = "continue";
    g.documentId = document;
    g.output = output;
    g.status = status;
    return p.generations().record(g);
}

} // namespace

class ProjectSearchTest : public QObject {
    Q_OBJECT
private slots:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }
    void cleanup() { m_dir.reset(); }
    void ctrlShiftFOpensTheSearchTab();
    void moreMatchesRankFirst();
    void filtersByKindChapterAndStatus();
    void openingAResultSelectsTheMatch();
    void openingAGenerationShowsItInHistory();
    void replaceAllPreviewsSnapshotsAndUndoes();
    void aStalePreviewReplacesNothing();
    void oddQueriesNeverFail();
    void screenshots();

private:
    QString path(const QString& name) const { return m_dir->filePath(name); }
    // A project file made through storage, then opened in a real window.
    std::unique_ptr<MainWindow> openSeeded(Seed& seed);
    static std::unique_ptr<MainWindow> newWindow();
    static std::vector<int64_t> hitIds(ProjectSearchPanel* panel);

    std::unique_ptr<QTemporaryDir> m_dir;
};

std::unique_ptr<MainWindow> ProjectSearchTest::newWindow() {
    auto w = std::make_unique<MainWindow>();
    w->resize(1200, 800);
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get())) qWarning("window not exposed");
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.get())) qWarning("window not active");
    return w;
}

std::unique_ptr<MainWindow> ProjectSearchTest::openSeeded(Seed& s) {
    const QString file = path(QStringLiteral("search.fabulist"));
    {
        auto p = storage::Project::create(file.toStdString(), "Harbour Lights");
        const int64_t manuscript = p->binder().create(NodeKind::Folder, "Manuscript");
        s.chapterOne = p->binder().create(NodeKind::Chapter, "Chapter One", manuscript);
        s.chapterTwo = p->binder().create(NodeKind::Chapter, "Chapter Two", manuscript);
        s.sceneOne = addDocument(*p, NodeKind::Scene, "Arrival",
                                 "The ferry came in at dusk.\nAn old lantern swung above the "
                                 "harbour wall while gulls argued over the nets.",
                                 s.chapterOne);
        s.sceneTwo = addDocument(*p, NodeKind::Scene, "Storm",
                                 "Rain on the harbour, rain on the roofs. The harbour master "
                                 "counted boats; the harbour emptied.",
                                 s.chapterTwo);
        const int64_t notes = p->binder().create(NodeKind::Folder, "Notes");
        s.note = addDocument(*p, NodeKind::Note, "Research",
                             "Harbourmasters kept a tide table and a lantern log.", notes);
        s.character = addDocument(*p, NodeKind::Character, "Mara",
                                  "Mara keeps the lantern at the harbour mouth.");
        s.accepted = addGeneration(*p, s.sceneOne, GenerationStatus::Accepted,
                                   "The lantern flickered once and held.");
        s.rejected = addGeneration(*p, s.sceneTwo, GenerationStatus::Rejected,
                                   "A lantern fell into the harbour.");
    }
    auto w = newWindow();
    if (!w->openProject(file)) qWarning("cannot open %s", qPrintable(file));
    return w;
}

std::vector<int64_t> ProjectSearchTest::hitIds(ProjectSearchPanel* panel) {
    std::vector<int64_t> ids;
    for (const storage::SearchHit& hit : panel->hits()) ids.push_back(hit.id);
    return ids;
}

// The key is free, in the Edit menu, and puts the keyboard in the query of a visible Search tab,
// seeded with the editor's selection; typing searches after a short pause.
void ProjectSearchTest::ctrlShiftFOpensTheSearchTab() {
    Seed s;
    auto w = openSeeded(s);
    QMenu* edit = test::menuBarMenu(*w, QStringLiteral("&Edit"));
    QVERIFY(edit);
    QAction* action = nullptr;
    for (QAction* a : edit->actions())
        if (a->shortcut() == QKeySequence(QStringLiteral("Ctrl+Shift+F"))) action = a;
    QVERIFY(action);
    int holders = 0; // no other action on the same key
    for (QAction* a : w->findChildren<QAction*>())
        if (a->shortcuts().contains(QKeySequence(QStringLiteral("Ctrl+Shift+F")))) ++holders;
    QCOMPARE(holders, 1);

    w->editor()->setFocus();
    QTextCursor cursor = w->editor()->textCursor();
    cursor.setPosition(0);
    cursor.movePosition(QTextCursor::NextWord, QTextCursor::KeepAnchor); // "The "
    w->editor()->setTextCursor(cursor);
    QTest::keyClick(w->editor(), Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);
    ProjectSearchPanel* panel = w->projectSearchPanel();
    QVERIFY(panel->isVisible());
    QTRY_COMPARE(QApplication::focusWidget(), panel->queryField());
    QCOMPARE(panel->queryField()->text(), QStringLiteral("The "));

    QTest::keyClicks(panel->queryField(), QStringLiteral("gulls"));
    QTRY_COMPARE(hitIds(panel), (std::vector<int64_t>{s.sceneOne}));
    QCOMPARE(panel->resultList()->model()->rowCount(), 1);
    // Down goes to the results, the best one current.
    QTest::keyClick(panel->queryField(), Qt::Key_Down);
    QCOMPARE(QApplication::focusWidget(), panel->resultList());
    QCOMPARE(panel->resultList()->currentIndex().row(), 0);
}

// bm25: the scene that says "harbour" three times comes before the ones that say it once; the
// snippet marks the match and the row names the kind and chapter.
void ProjectSearchTest::moreMatchesRankFirst() {
    Seed s;
    auto w = openSeeded(s);
    ProjectSearchPanel* panel = w->projectSearchPanel();
    panel->setKindFilter(QStringLiteral("scene"));
    panel->setQuery(QStringLiteral("harbour"));
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.sceneTwo, s.sceneOne}));
    const QModelIndex first = panel->resultList()->model()->index(0, 0);
    QCOMPARE(first.data().toString(), QStringLiteral("Storm"));
    QCOMPARE(first.data(SearchResultDelegate::HeadingRole).toString(),
             QStringLiteral("Scene \u00B7 Chapter Two"));
    const SearchSnippet snippet(first.data(SearchResultDelegate::SnippetRole).toString());
    QCOMPARE(snippet.firstMatch(), QStringLiteral("harbour"));
    QVERIFY(snippet.html(panel->palette(), false).contains(QStringLiteral("font-weight:600")));
    for (size_t i = 1; i < panel->hits().size(); ++i)
        QVERIFY(panel->hits()[i - 1].rank <= panel->hits()[i].rank);
}

void ProjectSearchTest::filtersByKindChapterAndStatus() {
    Seed s;
    auto w = openSeeded(s);
    ProjectSearchPanel* panel = w->projectSearchPanel();
    panel->setQuery(QStringLiteral("lantern"));
    auto sorted = [&] {
        std::vector<int64_t> ids = hitIds(panel);
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    auto sortedOf = [](std::vector<int64_t> ids) {
        std::sort(ids.begin(), ids.end());
        return ids;
    };
    // Everything: two scenes' worth of documents, the note, the character, both generations.
    QCOMPARE(panel->hits().size(), size_t{5});
    // Kind, chosen with the keyboard on the combo box.
    panel->kindFilter()->setFocus();
    const int noteIndex = panel->kindFilter()->findData(QStringLiteral("note"));
    while (panel->kindFilter()->currentIndex() < noteIndex)
        QTest::keyClick(panel->kindFilter(), Qt::Key_Down);
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.note}));
    QVERIFY(!panel->statusFilter()->isEnabled()); // a status belongs to generations
    panel->setKindFilter(QStringLiteral("character"));
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.character}));
    panel->setKindFilter(QStringLiteral("generation"));
    QCOMPARE(sorted(), sortedOf({s.accepted, s.rejected}));
    QCOMPARE(panel->resultList()
                 ->model()
                 ->index(0, 0)
                 .data(SearchResultDelegate::HeadingRole)
                 .toString()
                 .contains(QStringLiteral("generation (continue)")),
             true);
    // Status.
    QVERIFY(panel->statusFilter()->isEnabled());
    panel->setStatusFilter(QStringLiteral("accepted"));
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.accepted}));
    panel->setStatusFilter(QStringLiteral("rejected"));
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.rejected}));
    // Chapter: its scenes and the generations about them.
    panel->setStatusFilter(QString());
    panel->setKindFilter(QString());
    QCOMPARE(panel->chapterFilter()->count(), 3); // all, One, Two
    panel->setChapterFilter(s.chapterOne);
    QCOMPARE(sorted(), sortedOf({s.sceneOne, s.accepted}));
    panel->setChapterFilter(s.chapterTwo);
    panel->setQuery(QStringLiteral("harbour"));
    QCOMPARE(sorted(), sortedOf({s.sceneTwo, s.rejected}));
    panel->setChapterFilter(std::nullopt);
    QVERIFY(panel->hits().size() > 2);
}

// Enter on a result opens its document with exactly the matched word selected, whichever
// document was open.
void ProjectSearchTest::openingAResultSelectsTheMatch() {
    Seed s;
    auto w = openSeeded(s);
    ProjectSearchPanel* panel = w->projectSearchPanel();
    w->showProjectSearch();
    QTest::keyClicks(panel->queryField(), QStringLiteral("master"));
    QTest::keyClick(panel->queryField(), Qt::Key_Return); // search now, to the results
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.sceneTwo}));
    QCOMPARE(QApplication::focusWidget(), panel->resultList());
    QTest::keyClick(panel->resultList(), Qt::Key_Return);
    QCOMPARE(w->documentSession()->currentId().value(), s.sceneTwo);
    const QTextCursor cursor = w->editor()->textCursor();
    QCOMPARE(cursor.selectedText(), QStringLiteral("master"));
    QCOMPARE(cursor.selectionStart(), int(w->editor()->toPlainText().indexOf("master")));
    QCOMPARE(QApplication::focusWidget(), w->editor());

    // A prefix match in a later line of another document, by double-click.
    panel->setQuery(QStringLiteral("argu"));
    const QModelIndex row = panel->resultList()->model()->index(0, 0);
    const QRect rect = panel->resultList()->visualRect(row);
    QTest::mouseClick(panel->resultList()->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(panel->resultList()->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(w->documentSession()->currentId().value(), s.sceneOne);
    const QTextCursor second = w->editor()->textCursor();
    QCOMPARE(second.selectedText(), QStringLiteral("argued"));
    QCOMPARE(second.selectionStart(), int(w->editor()->toPlainText().indexOf("argued")));
}

void ProjectSearchTest::openingAGenerationShowsItInHistory() {
    Seed s;
    auto w = openSeeded(s);
    ProjectSearchPanel* panel = w->projectSearchPanel();
    panel->setKindFilter(QStringLiteral("generation"));
    panel->setQuery(QStringLiteral("fell"));
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.rejected}));
    QVERIFY(panel->openResult(0));
    QCOMPARE(w->documentSession()->currentId().value(), s.sceneTwo);
    auto* side = w->findChild<QTabWidget*>(QStringLiteral("sidePanels"));
    QCOMPARE(side->currentWidget(), static_cast<QWidget*>(w->historyView()));
    QCOMPARE(w->historyView()->selectedId().value(), s.rejected);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(w->historyView()->tree()));
}

// Replace All: the preview's counts and excerpts, a named snapshot of each changed document
// holding its old text, the new texts in storage and in the open editor, and Ctrl+Z in the
// open document bringing its text back in one step.
void ProjectSearchTest::replaceAllPreviewsSnapshotsAndUndoes() {
    Seed s;
    auto w = openSeeded(s);
    storage::Project& project = *w->project();
    w->binderView()->selectNode(s.sceneTwo); // the open document
    QCOMPARE(w->documentSession()->currentId().value(), s.sceneTwo);
    const QString oldTwo = w->editor()->toPlainText();
    const std::string oldOne = project.documents().text(s.sceneOne);
    const std::string oldNote = project.documents().text(s.note);
    const std::string oldCharacter = project.documents().text(s.character);

    ProjectSearchPanel* panel = w->projectSearchPanel();
    w->showProjectSearch();
    panel->setQuery(QStringLiteral("harbour"));
    panel->setReplaceText(QStringLiteral("port"));
    panel->setWholeWords(true); // "Harbourmasters" in the note stays
    ReplacePreviewDialog* dialog = panel->replaceAllInteractive();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    QTreeWidget* list = dialog->list();
    QCOMPARE(list->topLevelItemCount(), 3); // Arrival, Storm, Mara: binder order
    QCOMPARE(list->topLevelItem(0)->text(0), QStringLiteral("Arrival"));
    QCOMPARE(list->topLevelItem(0)->text(1), QStringLiteral("1"));
    QCOMPARE(list->topLevelItem(1)->text(0), QStringLiteral("Storm"));
    QCOMPARE(list->topLevelItem(1)->text(1), QStringLiteral("3"));
    QCOMPARE(list->topLevelItem(2)->text(0), QStringLiteral("Mara"));
    QCOMPARE(list->topLevelItem(2)->text(1), QStringLiteral("1"));
    QVERIFY(list->topLevelItem(1)->text(2).contains(QStringLiteral("Rain on the harbour, rain")));
    QVERIFY(list->topLevelItem(1)->text(3).contains(QStringLiteral("Rain on the port, rain")));
    QCOMPARE(dialog->plan().total(), 5);
    QVERIFY(dialog->grab().save(test::artifactPath(QStringLiteral("project-replace-preview.png"))));
    QTest::mouseClick(dialog->replaceButton(), Qt::LeftButton);
    QTRY_VERIFY(!dialog->isVisible());

    // One snapshot per changed document, with its old text; none elsewhere.
    const QString name = ProjectReplace::snapshotName(dialog->plan());
    auto snapshotsOf = [&](int64_t node) {
        std::vector<std::string> texts;
        for (const storage::Revision& r : project.revisions().list(node))
            if (r.kind == storage::RevisionKind::Named && r.name == name.toStdString())
                texts.push_back(project.revisions().text(r.id));
        return texts;
    };
    QCOMPARE(snapshotsOf(s.sceneOne), (std::vector<std::string>{oldOne}));
    QCOMPARE(snapshotsOf(s.sceneTwo), (std::vector<std::string>{oldTwo.toStdString()}));
    QCOMPARE(snapshotsOf(s.character), (std::vector<std::string>{oldCharacter}));
    QVERIFY(snapshotsOf(s.note).empty());
    // The texts, in storage and on screen; the note is untouched.
    QString expectedTwo = oldTwo;
    expectedTwo.replace(QStringLiteral("harbour"), QStringLiteral("port"));
    QCOMPARE(QString::fromStdString(project.documents().text(s.sceneTwo)), expectedTwo);
    QCOMPARE(w->editor()->toPlainText(), expectedTwo);
    QVERIFY(QString::fromStdString(project.documents().text(s.sceneOne)).contains("port wall"));
    QCOMPARE(project.documents().text(s.note), oldNote);
    QVERIFY(!w->documentSession()->hasUnsavedChanges());
    QCOMPARE(panel->summary()->text(), QStringLiteral("Replaced 5 in 3 document(s)."));

    // Ctrl+Z in the editor: the whole replacement in this document, in one step.
    w->editor()->setFocus();
    QTest::keyClick(w->editor(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(w->editor()->toPlainText(), oldTwo);
    QVERIFY(w->documentSession()->save());
    QCOMPARE(QString::fromStdString(project.documents().text(s.sceneTwo)), oldTwo);
}

// The project changed between the preview and the confirmation: the transaction takes nothing,
// not even the documents that came before the changed one.
void ProjectSearchTest::aStalePreviewReplacesNothing() {
    Seed s;
    auto w = openSeeded(s);
    storage::Project& project = *w->project();
    ReplaceOptions options;
    options.caseSensitive = true;
    ReplacePlan plan = ProjectReplace::plan(
        project, w->documentSession(), QStringLiteral("lantern"), QStringLiteral("lamp"), options);
    QCOMPARE(plan.changes.size(), 3); // Arrival, Research, Mara (generations are not replaced)
    const std::string oldOne = project.documents().text(s.sceneOne);
    project.documents().setText(s.character, "Mara lost the lantern."); // after the preview
    const QString error = ProjectReplace::apply(project, w->documentSession(), plan);
    QVERIFY2(error.contains(QStringLiteral("changed since the preview")), qPrintable(error));
    QCOMPARE(project.documents().text(s.sceneOne), oldOne);
    for (int64_t node : {s.sceneOne, s.note, s.character})
        for (const storage::Revision& r : project.revisions().list(node))
            QVERIFY(r.name != ProjectReplace::snapshotName(plan).toStdString());
    // Case matters when asked: "Harbourmasters" is not "harbour".
    options.caseSensitive = true;
    plan = ProjectReplace::plan(project, nullptr, QStringLiteral("Harbour"), {}, options);
    QCOMPARE(plan.changes.size(), 1);
    QCOMPARE(plan.changes.first().nodeId, s.note);
}

void ProjectSearchTest::oddQueriesNeverFail() {
    Seed s;
    auto w = openSeeded(s);
    ProjectSearchPanel* panel = w->projectSearchPanel();
    int errors = 0;
    connect(panel, &ProjectSearchPanel::errorOccurred, this, [&] { ++errors; });
    for (const char* odd : {"\"",
                            "\"harbour",
                            "harbour\"",
                            "AND",
                            "OR harbour",
                            "NEAR(harbour lantern)",
                            "*",
                            "-x",
                            "^harbour",
                            "col:harbour",
                            "(",
                            ")",
                            "harbour*",
                            "\"\"",
                            "'",
                            "lantern NOT gulls",
                            "{harbour}",
                            "harbour:",
                            "\u201Charbour\u201D",
                            "\\"}) {
        panel->setQuery(QString::fromUtf8(odd));
        panel->setKindFilter(QStringLiteral("generation"));
        panel->setKindFilter(QString());
    }
    QCOMPARE(errors, 0);
    QVERIFY(w->lastError().isEmpty());
    panel->setQuery(QStringLiteral("\"harbour wall\""));
    QCOMPARE(hitIds(panel), (std::vector<int64_t>{s.sceneOne}));
}

void ProjectSearchTest::screenshots() {
    Seed s;
    auto w = openSeeded(s);
    ProjectSearchPanel* panel = w->projectSearchPanel();
    w->showProjectSearch();
    QTest::keyClicks(panel->queryField(), QStringLiteral("harbour"));
    QTRY_VERIFY(!panel->hits().empty());
    panel->setReplaceText(QStringLiteral("port"));
    QVERIFY(w->grab().save(test::artifactPath(QStringLiteral("project-search.png"))));
    const QImage light = panel->grab().toImage();
    w->setAppearance(Appearance::Dark);
    QApplication::processEvents();
    QVERIFY(w->grab().save(test::artifactPath(QStringLiteral("project-search-dark.png"))));
    const QImage dark = panel->grab().toImage();
    // The panel follows the palette: its background is dark now.
    const QColor lightBg = light.pixelColor(light.width() - 4, light.height() / 2);
    const QColor darkBg = dark.pixelColor(dark.width() - 4, dark.height() / 2);
    QVERIFY2(darkBg.lightnessF() < lightBg.lightnessF(),
             qPrintable(QStringLiteral("%1 %2").arg(lightBg.name(), darkBg.name())));
    w->setAppearance(Appearance::Light);
}

FABULIST_GUI_TEST_MAIN(ProjectSearchTest)
#include "project_search_test.moc"
