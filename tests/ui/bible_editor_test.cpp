// The story bible's editor (#17 item 3) in the real MainWindow on real project files: the Story
// Bible form under an open character or place (aliases, what the model should know, always in;
// saved a moment after typing, on leaving the node and on close, read back from the file),
// Memory and Author's Note (Project menu, Ctrl+Alt+M), project search over aliases, model notes
// and the story notes (opening the entry's form or the Story Context), and the sample project's
// bible. Screenshots: bible-form-light.png, bible-form-dark.png, story-context-light.png,
// story-context-dark.png.
#include "gui_test_support.h"
#include "storage/project.h"
#include "storage/sample_project.h"
#include "ui/editor/editor_view.h"
#include "ui/main_window.h"
#include "ui/settings.h"
#include "ui/project/bible_form.h"
#include "ui/project/binder_view.h"
#include "ui/project/project_search_panel.h"
#include "ui/project/story_context_dialog.h"

#include <QCheckBox>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QStyleFactory>

using namespace fabulist;
using namespace fabulist::ui;
using storage::StoryNoteKind;

namespace {

int64_t nodeTitled(storage::Project& project, const std::string& title) {
    for (const storage::BinderNode& node : project.binder().tree())
        if (node.title == title) return node.id;
    return 0;
}

std::vector<std::string> strings(std::initializer_list<const char*> list) {
    return {list.begin(), list.end()};
}

QAction* menuAction(const QMainWindow& window, const QString& menu, const QString& text) {
    if (QMenu* m = test::menuBarMenu(window, menu))
        for (QAction* a : m->actions())
            if (a->text() == text) return a;
    return nullptr;
}

} // namespace

class BibleEditorTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion"))); }
    void init();
    void cleanup();
    void sampleProjectHasABible();
    void formEditsWrackStreetAndReadsBack();
    void formSavesOnCloseWithoutAPause();
    void memoryAndAuthorsNoteSaved();
    void searchFindsAliasesNotesAndStoryNotes();
    void screenshots();

private:
    std::unique_ptr<MainWindow> openSample();
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_path;
};

void BibleEditorTest::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    m_path = m_dir->filePath(QStringLiteral("sample.fabulist"));
    storage::createSampleProject(m_path.toStdString());
}

void BibleEditorTest::cleanup() {
    m_dir.reset();
}

std::unique_ptr<MainWindow> BibleEditorTest::openSample() {
    auto w = std::make_unique<MainWindow>();
    w->resize(1360, 860);
    if (!w->openProject(m_path)) qWarning("cannot open %s", qPrintable(m_path));
    w->show();
    if (!QTest::qWaitForWindowExposed(w.get())) qWarning("window not exposed");
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.get())) qWarning("window not active");
    return w;
}

void BibleEditorTest::sampleProjectHasABible() {
    auto p = storage::Project::open(m_path.toStdString());
    const auto entry = [&](const char* title) { return p->bible().entry(nodeTitled(*p, title)); };
    QCOMPARE(entry("Mira Tull").aliases, strings({"Mira", "Miss Tull"}));
    QCOMPARE(entry("Wrack Street").aliases, strings({"the lane", "Wrack"}));
    QCOMPARE(entry("Ansel Morrow").aliases, strings({"Ansel", "Mr. Morrow", "the clock man"}));
    QVERIFY(entry("The sea wall").modelNote.find("easterly") != std::string::npos);
    QVERIFY(entry("Wrack Street").modelNote.empty()); // its own text is what the model reads
    QVERIFY(p->bible().storyNote(StoryNoteKind::Memory).find("Ansel Morrow") != std::string::npos);
    QVERIFY(p->bible().storyNote(StoryNoteKind::AuthorsNote).find("dry humour") !=
            std::string::npos);
    // Five entries, all with aliases; the binder has the nodes it had (no new ones).
    const auto entries = p->bible().entries();
    QCOMPARE(entries.size(), size_t{5});
    for (const storage::BibleEntry& e : entries) QVERIFY2(!e.aliases.empty(), e.name.c_str());
    QCOMPARE(p->binder().tree().size(), size_t{17});
}

void BibleEditorTest::formEditsWrackStreetAndReadsBack() {
    auto w = openSample();
    BibleForm* form = w->bibleForm();
    QVERIFY(form->isHidden()); // the start document is a scene
    const int64_t wrack = nodeTitled(*w->project(), "Wrack Street");
    const int64_t mira = nodeTitled(*w->project(), "Mira Tull");
    w->binderView()->selectNode(wrack);
    QVERIFY(form->isVisible());
    QCOMPARE(form->nodeId(), std::optional<int64_t>(wrack));
    QCOMPARE(form->aliasesField()->text(), QStringLiteral("the lane, Wrack"));
    QVERIFY(!form->alwaysInBox()->isChecked());

    // From the text, the keyboard goes to the form with Ctrl+Alt+B, the aliases selected.
    w->editor()->setFocus();
    QTest::keyClick(w->editor(), Qt::Key_B, Qt::ControlModifier | Qt::AltModifier);
    QCOMPARE(QApplication::focusWidget(), form->aliasesField());
    QTest::keyClicks(form->aliasesField(),
                     QStringLiteral("the lane, Gullwalk; Wrack Street Steps"));
    QTest::keyClick(form->aliasesField(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), form->noteField());
    // Leaving the aliases saved them at once.
    QCOMPARE(w->project()->bible().entry(wrack).aliases,
             strings({"the lane", "Gullwalk", "Wrack Street Steps"}));

    QTest::keyClick(form->noteField(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(form->noteField(), QStringLiteral("Cobbles, gulls and the smell of bread."));
    // A pause saves it (the editor's autosave delay), the keyboard still in the field.
    QCOMPARE(QApplication::focusWidget(), form->noteField());
    QTRY_COMPARE_WITH_TIMEOUT(w->project()->bible().entry(wrack).modelNote,
                              std::string("Cobbles, gulls and the smell of bread."), 5000);
    QVERIFY(!form->hasUnsavedChanges());

    QTest::keyClick(form->noteField(), Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), form->alwaysInBox());
    QTest::keyClick(form->alwaysInBox(), Qt::Key_Space);
    QVERIFY(form->alwaysInBox()->isChecked());
    QVERIFY(form->hasUnsavedChanges());
    // Leaving the node saves it before the next one shows.
    w->binderView()->selectNode(mira);
    QVERIFY(w->project()->bible().entry(wrack).alwaysIn);
    QCOMPARE(form->nodeId(), std::optional<int64_t>(mira));
    QCOMPARE(form->aliasesField()->text(), QStringLiteral("Mira, Miss Tull"));
    QVERIFY(!form->alwaysInBox()->isChecked());
    QVERIFY(form->noteField()->toPlainText().isEmpty());
    QVERIFY(form->noteField()->placeholderText().contains(QStringLiteral("own text")));

    // Back on Wrack Street the form shows what was saved; a scene hides it.
    w->binderView()->selectNode(wrack);
    QCOMPARE(form->aliasesField()->text(),
             QStringLiteral("the lane, Gullwalk, Wrack Street Steps"));
    QVERIFY(form->alwaysInBox()->isChecked());
    w->binderView()->selectNode(nodeTitled(*w->project(), "The harbour board"));
    QVERIFY(form->isHidden());
    QVERIFY(!form->nodeId());

    // Ctrl+Alt+B with no character or place open says what to do, and moves nothing.
    w->editor()->setFocus();
    QTest::keyClick(w->editor(), Qt::Key_B, Qt::ControlModifier | Qt::AltModifier);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(w->editor()));

    w->closeProject();
    auto p = storage::Project::open(m_path.toStdString());
    const storage::BibleEntry saved = p->bible().entry(wrack);
    QCOMPARE(saved.aliases, strings({"the lane", "Gullwalk", "Wrack Street Steps"}));
    QCOMPARE(saved.modelNote, std::string("Cobbles, gulls and the smell of bread."));
    QVERIFY(saved.alwaysIn);
    QCOMPARE(p->bible().entry(mira).aliases, strings({"Mira", "Miss Tull"})); // untouched
}

void BibleEditorTest::formSavesOnCloseWithoutAPause() {
    auto w = openSample();
    const int64_t ruthven = nodeTitled(*w->project(), "Mrs. Ruthven");
    w->binderView()->selectNode(ruthven);
    QVERIFY(w->bibleForm()->focusFields());
    QTest::keyClicks(w->bibleForm()->aliasesField(), QStringLiteral("the harbour mistress"));
    QTest::keyClick(w->bibleForm()->aliasesField(), Qt::Key_Tab);
    QTest::keyClicks(w->bibleForm()->noteField(), QStringLiteral("Ink on her cuffs."));
    QVERIFY(w->bibleForm()->hasUnsavedChanges());
    w.reset(); // the window closes at once: nothing typed is lost
    auto p = storage::Project::open(m_path.toStdString());
    QCOMPARE(p->bible().entry(ruthven).aliases, strings({"the harbour mistress"}));
    QCOMPARE(p->bible().entry(ruthven).modelNote, std::string("Ink on her cuffs."));
}

void BibleEditorTest::memoryAndAuthorsNoteSaved() {
    auto w = openSample();
    QAction* action = menuAction(*w, QStringLiteral("&Project"),
                                 QStringLiteral("&Memory and Author\u2019s Note\u2026"));
    QVERIFY(action);
    QCOMPARE(action->shortcut(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_M));
    w->editor()->setFocus();
    QTest::keyClick(w->editor(), Qt::Key_M, Qt::ControlModifier | Qt::AltModifier);
    auto* dialog = w->findChild<StoryContextDialog*>();
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    QPlainTextEdit* memory = dialog->field(StoryNoteKind::Memory);
    QPlainTextEdit* note = dialog->field(StoryNoteKind::AuthorsNote);
    QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(memory));
    QVERIFY(memory->toPlainText().startsWith(QStringLiteral("The Salt Clock:")));

    QTest::keyClick(memory, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(memory, QStringLiteral("A harbour town. Third person, past tense."));
    QTRY_COMPARE_WITH_TIMEOUT(w->project()->bible().storyNote(StoryNoteKind::Memory),
                              std::string("A harbour town. Third person, past tense."), 5000);
    QTest::keyClick(memory, Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(note));
    QTest::keyClick(note, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(note, QStringLiteral("Short sentences. Rising tension."));
    QTest::keyClick(note, Qt::Key_Escape); // closes, saving first
    QTRY_VERIFY(!w->findChild<StoryContextDialog*>());
    QCOMPARE(w->project()->bible().storyNote(StoryNoteKind::AuthorsNote),
             std::string("Short sentences. Rising tension."));

    // The menu entry opens it again with what was saved.
    action->trigger();
    dialog = w->findChild<StoryContextDialog*>();
    QVERIFY(dialog);
    QCOMPARE(dialog->field(StoryNoteKind::AuthorsNote)->toPlainText(),
             QStringLiteral("Short sentences. Rising tension."));
    // How prompts read the bible: settings of this computer, kept as they change.
    auto* scan = dialog->findChild<QSpinBox*>(QStringLiteral("bibleScanWords"));
    auto* budget = dialog->findChild<QSpinBox*>(QStringLiteral("bibleBudgetTokens"));
    auto* depth = dialog->findChild<QSpinBox*>(QStringLiteral("authorsNoteDepth"));
    QVERIFY(scan && budget && depth);
    QCOMPARE(scan->value(), Settings().bibleScanWords());
    scan->setValue(120);
    budget->setValue(250);
    depth->setValue(2);
    QCOMPARE(Settings().bibleScanWords(), 120);
    QCOMPARE(Settings().bibleBudgetTokens(), 250);
    QCOMPARE(Settings().authorsNoteDepth(), 2);
    scan->setValue(300);
    budget->setValue(400);
    depth->setValue(3);
    QTest::keyClicks(dialog->field(StoryNoteKind::Memory), QStringLiteral(" Winter."));
    w->closeProject(); // the open dialog saves and goes with the project
    QVERIFY(!w->findChild<StoryContextDialog*>());
    QVERIFY(!action->isEnabled());
    auto p = storage::Project::open(m_path.toStdString());
    QCOMPARE(p->bible().storyNote(StoryNoteKind::Memory),
             std::string("A harbour town. Third person, past tense. Winter."));
    QCOMPARE(p->bible().storyNote(StoryNoteKind::AuthorsNote),
             std::string("Short sentences. Rising tension."));
}

void BibleEditorTest::searchFindsAliasesNotesAndStoryNotes() {
    auto w = openSample();
    ProjectSearchPanel* panel = w->projectSearchPanel();
    const int64_t mira = nodeTitled(*w->project(), "Mira Tull");
    const int64_t wall = nodeTitled(*w->project(), "The sea wall");

    // An alias no document holds: one hit, the entry; Enter opens the node with its form.
    QTest::keyClick(w->editor(), Qt::Key_F, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(QApplication::focusWidget(), static_cast<QWidget*>(panel->queryField()));
    QTest::keyClicks(panel->queryField(), QStringLiteral("Miss Tull"));
    QTest::keyClick(panel->queryField(), Qt::Key_Return);
    QCOMPARE(panel->hits().size(), size_t{1});
    QCOMPARE(panel->hits()[0].source, storage::SearchSource::BibleEntry);
    QCOMPARE(panel->hits()[0].id, mira);
    QTest::keyClick(panel->resultList(), Qt::Key_Return);
    QCOMPARE(w->bibleForm()->nodeId(), std::optional<int64_t>(mira));
    QVERIFY(w->bibleForm()->isVisible());
    QCOMPARE(QApplication::focusWidget(), w->bibleForm()->aliasesField());
    QCOMPARE(w->bibleForm()->aliasesField()->selectedText(), QStringLiteral("Miss"));

    // Words of a model note: the entry, the match selected in the note.
    panel->setQuery(QStringLiteral("spray easterly"));
    QCOMPARE(panel->hits().size(), size_t{1});
    QCOMPARE(panel->hits()[0].source, storage::SearchSource::BibleEntry);
    QCOMPARE(panel->hits()[0].kind, std::optional(storage::NodeKind::Place));
    QVERIFY(panel->openResult(0));
    QCOMPARE(w->bibleForm()->nodeId(), std::optional<int64_t>(wall));
    QCOMPARE(QApplication::focusWidget(), w->bibleForm()->noteField());
    QCOMPARE(w->bibleForm()->noteField()->textCursor().selectedText(), QStringLiteral("easterly"));

    // The Author's Note: the Story Context opens on it, the match selected.
    panel->setQuery(QStringLiteral("dry humour"));
    QCOMPARE(panel->hits().size(), size_t{1});
    QCOMPARE(panel->hits()[0].source, storage::SearchSource::StoryNote);
    QCOMPARE(panel->hits()[0].noteKind, std::optional(StoryNoteKind::AuthorsNote));
    QVERIFY(panel->openResult(0));
    auto* dialog = w->findChild<StoryContextDialog*>();
    QVERIFY(dialog && dialog->isVisible());
    QPlainTextEdit* note = dialog->field(StoryNoteKind::AuthorsNote);
    QTRY_COMPARE(QApplication::focusWidget(), static_cast<QWidget*>(note));
    QCOMPARE(note->textCursor().selectedText(), QStringLiteral("dry"));
    dialog->close();

    // A kind filter keeps the bible entries of that kind and leaves the story notes out.
    panel->setQuery(QStringLiteral("the"));
    panel->setKindFilter(QStringLiteral("place"));
    for (const storage::SearchHit& hit : panel->hits()) {
        QVERIFY(hit.source != storage::SearchSource::StoryNote);
        QCOMPARE(hit.kind, std::optional(storage::NodeKind::Place));
    }
    panel->setKindFilter(QString());
    panel->setQuery(QStringLiteral("Third person"));
    QCOMPARE(panel->hits().size(), size_t{1});
    QCOMPARE(panel->hits()[0].noteKind, std::optional(StoryNoteKind::Memory));
    panel->setKindFilter(QStringLiteral("character"));
    QVERIFY(panel->hits().empty());
}

void BibleEditorTest::screenshots() {
    auto w = openSample();
    w->binderView()->expandAll();
    w->binderView()->selectNode(nodeTitled(*w->project(), "Wrack Street"));
    QVERIFY(w->bibleForm()->focusFields());
    for (const auto& [appearance, name] : {std::pair{Appearance::Light, QStringLiteral("light")},
                                           std::pair{Appearance::Dark, QStringLiteral("dark")}}) {
        w->setAppearance(appearance);
        QApplication::processEvents();
        QVERIFY(w->grab().save(test::artifactPath("bible-form-" + name + ".png")));
        StoryContextDialog* dialog = w->showStoryContext(StoryNoteKind::Memory);
        QVERIFY(dialog);
        QApplication::processEvents();
        QVERIFY(dialog->grab().save(test::artifactPath("story-context-" + name + ".png")));
        dialog->close();
        QTRY_VERIFY(!w->findChild<StoryContextDialog*>());
    }
    w->setAppearance(Appearance::Light);
}

FABULIST_GUI_TEST_MAIN(BibleEditorTest)
#include "bible_editor_test.moc"
