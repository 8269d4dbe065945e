// The writing tasks in the GUI (#17 items 1, 4 and 6) on the real MainWindow, the sample project
// and the real default model: Brainstorm gives separate ideas that go to the Storyboard one by
// one and all at once; Rewrite gives alternatives (none the passage itself) and Use swaps one in
// as one undo step; Describe of "Wrack Street" reads its story-bible entry; the context viewer
// shows exactly the ids the generation then sends; Continue in a project with a bible goes
// through a StoryTask; the History shows a generation's task and instruction; the new shortcuts
// are taken by nothing else. Writes artifacts/tasks-selector.png, tasks-brainstorm.png,
// tasks-rewrite.png and tasks-context-{light,dark}.png.
#include "generation_fixture.h"
#include "gui_test_support.h"
#include "storage/project.h"
#include "storage/sample_project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/spell_menu.h"
#include "ui/editor/spelling.h"
#include "ui/generate/candidate_cards.h"
#include "ui/generate/context_viewer.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/history_view.h"
#include "ui/main_window.h"
#include "ui/storyboard/storyboard_view.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTextCursor>
#include <QToolButton>
#include <QTreeWidget>
#include <set>

using namespace fabulist;
using namespace fabulist::ui;
using fabulist::test::kTimeoutMs;
using inference::prompting::WritingTask;

class WritingTasksTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void taskShortcutsAreTheirOwn();
    void editorMenuOffersTasksOnASelection();
    void brainstormGivesIdeasThatBecomeCards();
    void rewriteOffersAlternativesAndUseIsOneUndoStep();
    void describeReadsTheBibleEntry();
    void contextViewerShowsTheIdsGenerationSends();
    void continueReadsTheStoryBible();
    void historyShowsWhatAGenerationRead();
    void cleanupTestCase();

private:
    // Runs `task` (through its Generate menu action, or the panel for Continue) and waits for
    // the outcome.
    GenerationOutcome run(WritingTask task);
    int64_t nodeTitled(const QString& title) const;
    // Selects the first occurrence of `text` in the open document.
    void select(const QString& text);
    int boardCards() const;

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    GeneratePanel* m_panel = nullptr;
    int64_t m_scene = 0;
};

void WritingTasksTest::initTestCase() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QVERIFY2(QFileInfo::exists(QString::fromStdString(inference::defaultModelPath())),
             "the default model is missing: git checkout resources/models/");
    const QString path = m_dir.filePath(QStringLiteral("sample.fabulist"));
    storage::createSampleProject(path.toStdString());
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1360, 860);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->openProject(path));
    m_panel = m_window->generatePanel();
    QSignalSpy ready(m_panel, &GeneratePanel::modelReady);
    m_panel->loadDefaultModel();
    QVERIFY(ready.wait(kTimeoutMs) || !ready.isEmpty());
    m_panel->temperatureBox()->setValue(0.8);
    m_panel->seedLockButton()->setChecked(true);
    m_panel->seedBox()->setValue(4242);
    m_scene = nodeTitled(QStringLiteral("The shop on Wrack Street"));
    QVERIFY(m_scene > 0);
}

void WritingTasksTest::init() {
    m_window->documentSession()->open(m_scene);
    QCOMPARE(m_window->editor()->document(), m_window->documentSession()->currentDocument());
    m_panel->instructionBox()->clear();
    m_panel->setSelectedTask(WritingTask::Continue);
}

int64_t WritingTasksTest::nodeTitled(const QString& title) const {
    for (const storage::BinderNode& n : m_window->project()->binder().tree())
        if (QString::fromStdString(n.title) == title) return n.id;
    return 0;
}

void WritingTasksTest::select(const QString& text) {
    EditorView* editor = m_window->editor();
    const int at = int(editor->toPlainText().indexOf(text));
    QVERIFY2(at >= 0, qPrintable(text));
    QTextCursor cursor(editor->document());
    cursor.setPosition(at);
    cursor.setPosition(at + int(text.size()), QTextCursor::KeepAnchor);
    editor->setTextCursor(cursor);
}

int WritingTasksTest::boardCards() const {
    const auto board = m_window->storyboardView()->currentBoardId();
    return board ? int(m_window->project()->storyboard().cards(*board).size()) : 0;
}

GenerationOutcome WritingTasksTest::run(WritingTask task) {
    QSignalSpy finished(m_window->generationController(), &GenerationController::finished);
    QSignalSpy done(m_panel, &GeneratePanel::generationRecorded);
    if (QAction* a = m_panel->taskAction(task)) {
        a->trigger();
    } else {
        m_panel->setSelectedTask(task);
        m_panel->continueButton()->click();
    }
    if (!m_panel->isGenerating()) {
        qWarning("not started: %s", qPrintable(m_panel->statusText()));
        return {};
    }
    if (done.isEmpty()) done.wait(kTimeoutMs * 4);
    if (finished.isEmpty()) return {};
    return finished.first().first().value<GenerationOutcome>();
}

void WritingTasksTest::taskShortcutsAreTheirOwn() {
    std::map<QString, QStringList> byKey;
    for (QAction* a : m_window->findChildren<QAction*>())
        for (const QKeySequence& k : a->shortcuts()) byKey[k.toString()] << a->text();
    for (WritingTask task : inference::prompting::allTasks()) {
        QAction* a = m_panel->taskAction(task);
        if (task == WritingTask::Continue) {
            QVERIFY(!a);
            continue;
        }
        QVERIFY(a);
        QVERIFY(!a->shortcut().isEmpty());
        QCOMPARE(byKey[a->shortcut().toString()], QStringList{a->text()});
    }
    QAction* context = m_panel->contextAction();
    QCOMPARE(byKey[context->shortcut().toString()], QStringList{context->text()});
    // In the Generate menu, where the Keyboard Shortcuts list finds them.
    QMenu* generate = test::menuBarMenu(*m_window, QStringLiteral("&Generate"));
    QVERIFY(generate);
    QVERIFY(generate->actions().contains(m_panel->taskAction(WritingTask::Rewrite)));
    QVERIFY(generate->actions().contains(context));
    // The task selector has Continue and the five.
    QCOMPARE(m_panel->taskBox()->count(), 6);
    m_panel->setSelectedTask(WritingTask::Rewrite);
    QCOMPARE(m_panel->continueButton()->text(), QStringLiteral("Rewrite"));
    m_panel->instructionBox()->setText(QStringLiteral("more tension"));
    m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"))->setCurrentWidget(m_panel);
    QTest::qWait(100);
    QVERIFY(m_panel->grab().save(test::artifactPath(QStringLiteral("tasks-selector.png"))));
}

void WritingTasksTest::editorMenuOffersTasksOnASelection() {
    SpellMenu* spell = m_window->spelling()->menu();
    EditorView* editor = m_window->editor();
    QTextCursor caret(editor->document());
    caret.setPosition(3);
    editor->setTextCursor(caret);
    QMenu* menu = spell->popup(3, editor->mapToGlobal(QPoint(40, 40)));
    QVERIFY(!menu->actions().contains(m_panel->taskAction(WritingTask::Rewrite)));
    menu->close();
    select(QStringLiteral("Ansel knew all their errors by heart."));
    menu = spell->popup(editor->textCursor().position(), editor->mapToGlobal(QPoint(40, 40)));
    for (WritingTask task : {WritingTask::Describe, WritingTask::Rewrite, WritingTask::Expand,
                             WritingTask::Shorten, WritingTask::Brainstorm})
        QVERIFY(menu->actions().contains(m_panel->taskAction(task)));
    menu->close();
}

void WritingTasksTest::brainstormGivesIdeasThatBecomeCards() {
    QTextCursor end(m_window->editor()->document());
    end.movePosition(QTextCursor::End);
    m_window->editor()->setTextCursor(end);
    const GenerationOutcome outcome = run(WritingTask::Brainstorm);
    QVERIFY2(!outcome.candidates.empty(), qPrintable(m_panel->statusText()));
    QVERIFY(outcome.storyPrompt);
    QCOMPARE(m_panel->candidateCount(), 5);
    CandidateCards* cards = m_panel->candidateCards();
    QCOMPARE(cards->count(), 5);
    std::set<QString> ideas;
    for (int i = 0; i < cards->count(); ++i) {
        const QString idea = cards->text(i);
        QVERIFY2(!idea.trimmed().isEmpty(), qPrintable(QString::number(i)));
        QVERIFY2(!idea.contains(QLatin1Char('\n')), qPrintable(idea));
        QVERIFY2(!idea.startsWith(QLatin1String("- ")), qPrintable(idea));
        ideas.insert(idea);
    }
    QCOMPARE(int(ideas.size()), 5); // separate ideas, not one repeated
    QTest::qWait(100);              // the layout settles before the picture
    QVERIFY(m_panel->grab().save(test::artifactPath(QStringLiteral("tasks-brainstorm.png"))));
    const storage::Generation first =
        m_window->project()->generations().get(*outcome.candidates[0].generationId);
    QCOMPARE(QString::fromStdString(first.task), QStringLiteral("brainstorm"));

    // One click on an idea's "To Storyboard" makes it a card on the board shown.
    m_window->showStoryboard();
    const int before = boardCards();
    QToolButton* toBoard = cards->card(1)->actionButton();
    QVERIFY(toBoard && !toBoard->isHidden());
    toBoard->click();
    QCOMPARE(boardCards(), before + 1);
    const auto board = *m_window->storyboardView()->currentBoardId();
    const storage::Card card = m_window->project()->storyboard().cards(board).back();
    QCOMPARE(QString::fromStdString(card.text), cards->text(1));
    QCOMPARE(card.generationId, outcome.candidates[1].generationId);
    QVERIFY(!toBoard->isEnabled()); // once per idea
    QCOMPARE(m_window->project()->generations().get(*card.generationId).status,
             storage::GenerationStatus::Accepted);
    // "Brainstorm into cards": the other four at once.
    m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"))->setCurrentWidget(m_panel);
    QVERIFY(m_panel->allToCardsButton()->isVisible());
    m_panel->allToCardsButton()->click();
    QCOMPARE(boardCards(), before + 5);
    QVERIFY(!m_panel->allToCardsButton()->isEnabled());
    m_window->showStoryboard();
    QTest::qWait(100);
    QVERIFY(m_window->storyboardView()->grab().save(
        test::artifactPath(QStringLiteral("tasks-brainstorm-board.png"))));
    m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"))->setCurrentWidget(m_panel);
}

void WritingTasksTest::rewriteOffersAlternativesAndUseIsOneUndoStep() {
    const QString passage = QStringLiteral("Ansel knew all their errors by heart.");
    const QString original = m_window->editor()->toPlainText();
    select(passage);
    m_panel->instructionBox()->setText(QStringLiteral("more tension"));
    const GenerationOutcome outcome = run(WritingTask::Rewrite);
    QVERIFY2(!outcome.candidates.empty(), qPrintable(m_panel->statusText()));
    QCOMPARE(m_panel->candidateCount(), 3);
    for (int i = 0; i < 3; ++i) {
        const QString text = m_panel->candidateCards()->text(i);
        QVERIFY2(!text.trimmed().isEmpty(), qPrintable(QString::number(i)));
        QVERIFY2(text.trimmed() != passage, qPrintable(text));
    }
    // The selection is still there (the ghost text leaves a task alone).
    QCOMPARE(m_window->editor()->textCursor().selectedText(), passage);
    QTest::qWait(100);
    QVERIFY(m_panel->grab().save(test::artifactPath(QStringLiteral("tasks-rewrite.png"))));

    QVERIFY(m_panel->chooseCard(1));
    const QString chosen = m_panel->preview()->toPlainText();
    QCOMPARE(m_panel->acceptButton()->text(), QStringLiteral("Use"));
    m_panel->acceptButton()->click();
    QString expected = original;
    expected.replace(expected.indexOf(passage), passage.size(), chosen);
    QCOMPARE(m_window->editor()->toPlainText(), expected);
    const storage::Generation g =
        m_window->project()->generations().get(*outcome.candidates[1].generationId);
    QCOMPARE(g.status, storage::GenerationStatus::Accepted);
    QCOMPARE(QString::fromStdString(g.task), QStringLiteral("rewrite"));
    QCOMPARE(QString::fromStdString(g.instruction), QStringLiteral("more tension"));
    m_window->editor()->undo(); // ONE undo step brings the passage back
    QCOMPARE(m_window->editor()->toPlainText(), original);

    // The History shows what the generation was asked.
    HistoryView* history = m_window->historyView();
    history->reload();
    history->select(g.id);
    QString details;
    for (QLabel* label : history->findChildren<QLabel*>())
        if (label->text().startsWith(QStringLiteral("Rewrite"))) details = label->text();
    QVERIFY2(details.contains(QStringLiteral("\u201Cmore tension\u201D")), qPrintable(details));
}

void WritingTasksTest::describeReadsTheBibleEntry() {
    const int64_t wrackStreet = nodeTitled(QStringLiteral("Wrack Street"));
    QVERIFY(wrackStreet > 0);
    QTextCursor end(m_window->editor()->document());
    end.movePosition(QTextCursor::End);
    end.insertText(QStringLiteral(" Outside, the rain ran down Wrack Street."));
    // The words just typed are selected, as a writer selects a name.
    QTextCursor last(m_window->editor()->document());
    const QString text = m_window->editor()->toPlainText();
    const int at = int(text.lastIndexOf(QStringLiteral("Wrack Street")));
    last.setPosition(at);
    last.setPosition(at + 12, QTextCursor::KeepAnchor);
    m_window->editor()->setTextCursor(last);
    const GenerationOutcome outcome = run(WritingTask::Describe);
    QVERIFY2(outcome.storyPrompt, qPrintable(m_panel->statusText()));
    const auto& ids = outcome.storyPrompt->includedEntries;
    QVERIFY(std::find(ids.begin(), ids.end(), wrackStreet) != ids.end());
    QVERIFY(outcome.storyPrompt->text.find("halfway up, between a net loft") != std::string::npos);
    const storage::Generation g =
        m_window->project()->generations().get(*outcome.candidates[0].generationId);
    QCOMPARE(QString::fromStdString(g.task), QStringLiteral("describe"));
    QVERIFY(std::find(g.bibleEntries.begin(), g.bibleEntries.end(), wrackStreet) !=
            g.bibleEntries.end());
    // Insert puts the description at the cursor (after the selection), one undo step.
    const QString before = m_window->editor()->toPlainText();
    const QString description = m_panel->preview()->toPlainText();
    QVERIFY(!description.trimmed().isEmpty());
    QCOMPARE(m_panel->acceptButton()->text(), QStringLiteral("Insert"));
    QVERIFY(m_panel->accept());
    QCOMPARE(m_window->editor()->toPlainText(),
             before.left(at + 12) + QLatin1Char(' ') + description + before.mid(at + 12));
    m_window->editor()->undo();
    QCOMPARE(m_window->editor()->toPlainText(), before);
}

void WritingTasksTest::contextViewerShowsTheIdsGenerationSends() {
    QTextCursor end(m_window->editor()->document());
    end.movePosition(QTextCursor::End);
    end.insertText(QStringLiteral(" Mira waited at the top of Wrack Street."));
    const QString text = m_window->editor()->toPlainText();
    const int at = int(text.lastIndexOf(QStringLiteral("Wrack Street")));
    QTextCursor selection(m_window->editor()->document());
    selection.setPosition(at);
    selection.setPosition(at + 12, QTextCursor::KeepAnchor);
    m_window->editor()->setTextCursor(selection);
    m_panel->setSelectedTask(WritingTask::Describe);
    m_panel->instructionBox()->setText(QStringLiteral("at dawn"));

    // Opened from the Generate tab's button.
    m_panel->contextButton()->click();
    ContextViewer* viewer = m_panel->contextViewer();
    QVERIFY(viewer && viewer->isVisible());
    QSignalSpy shown(viewer, &ContextViewer::shown);
    QVERIFY(shown.wait(kTimeoutMs) || !shown.isEmpty());
    QVERIFY2(viewer->prompt(), qPrintable(viewer->messageLabel()->text()));
    const std::vector<int32_t> previewIds = viewer->prompt()->ids;
    QVERIFY(!previewIds.empty());
    // The entries list: Wrack Street and Mira Tull in, with their reasons; Mrs. Ruthven out.
    std::map<QString, QString> inOut;
    for (int i = 0; i < viewer->entriesList()->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = viewer->entriesList()->topLevelItem(i);
        inOut[item->text(0)] = item->text(1);
        QVERIFY(!item->text(3).isEmpty());
    }
    QCOMPARE(inOut[QStringLiteral("Wrack Street")], QStringLiteral("in"));
    QCOMPARE(inOut[QStringLiteral("Mrs. Ruthven")], QStringLiteral("out"));
    QVERIFY(viewer->totalLabel()->text().contains(QString::number(previewIds.size())));
    QVERIFY(viewer->textView()->toPlainText().contains(QStringLiteral("net loft")));
    QTest::qWait(100);
    QVERIFY(viewer->grab().save(test::artifactPath(QStringLiteral("tasks-context-light.png"))));
    m_window->setAppearance(Appearance::Dark);
    QTest::qWait(100);
    QVERIFY(viewer->grab().save(test::artifactPath(QStringLiteral("tasks-context-dark.png"))));
    m_window->setAppearance(Appearance::Light);
    viewer->close();

    // The same request, generated: the model reads exactly those ids.
    QSignalSpy finished(m_window->generationController(), &GenerationController::finished);
    QVERIFY(m_panel->runSelectedTask());
    QVERIFY(finished.wait(kTimeoutMs * 4) || !finished.isEmpty());
    const auto outcome = finished.first().first().value<GenerationOutcome>();
    QVERIFY(outcome.storyPrompt);
    QCOMPARE(outcome.storyPrompt->ids, previewIds);
    m_panel->discard();
}

void WritingTasksTest::continueReadsTheStoryBible() {
    QTextCursor end(m_window->editor()->document());
    end.movePosition(QTextCursor::End);
    m_window->editor()->setTextCursor(end);
    m_panel->candidatesBox()->setValue(2);
    m_panel->lengthBox()->setValue(12);
    const GenerationOutcome outcome = run(WritingTask::Continue);
    QVERIFY2(!outcome.candidates.empty(), qPrintable(m_panel->statusText()));
    QCOMPARE(int(outcome.candidates.size()), 2); // the writer's candidates setting
    QVERIFY(outcome.storyPrompt);                // through a StoryTask: the bible is read
    const auto& ids = outcome.storyPrompt->includedEntries;
    QVERIFY(std::find(ids.begin(), ids.end(), nodeTitled(QStringLiteral("Ansel Morrow"))) !=
            ids.end());
    QCOMPARE(m_panel->acceptButton()->text(), QStringLiteral("Accept"));
    m_panel->discard();
}

// The History's "What It Read": a recorded Describe's exact prompt, coloured by its parts, and
// the story-bible entries it read by name.
void WritingTasksTest::historyShowsWhatAGenerationRead() {
    const int64_t wrackStreet = nodeTitled(QStringLiteral("Wrack Street"));
    select(QStringLiteral("Wrack Street"));
    const GenerationOutcome outcome = run(WritingTask::Describe);
    QVERIFY2(outcome.storyPrompt, qPrintable(m_panel->statusText()));
    const int64_t id = *outcome.candidates[0].generationId;
    HistoryView* history = m_window->historyView();
    history->reload();
    history->select(id);
    auto* viewer = qobject_cast<ContextViewer*>(history->showWhatSelectedRead());
    QVERIFY(viewer);
    QCOMPARE(viewer->textView()->toPlainText(), QString::fromStdString(outcome.storyPrompt->text));
    QVERIFY(!viewer->refreshButton()->isEnabled()); // history: nothing to rebuild
    bool streetRead = false;
    for (int i = 0; i < viewer->entriesList()->topLevelItemCount(); ++i)
        streetRead |= viewer->entriesList()->topLevelItem(i)->text(0) == QStringLiteral("Wrack Street");
    QVERIFY(streetRead);
    QVERIFY(std::find(outcome.storyPrompt->includedEntries.begin(),
                      outcome.storyPrompt->includedEntries.end(),
                      wrackStreet) != outcome.storyPrompt->includedEntries.end());
    bool bibleRow = false;
    for (int i = 0; i < viewer->partsList()->topLevelItemCount(); ++i)
        bibleRow |= viewer->partsList()->topLevelItem(i)->text(0).contains(QStringLiteral("Wrack Street"));
    QVERIFY(bibleRow);
    QVERIFY(viewer->totalLabel()->text().contains(QString::number(outcome.promptTokens)));
    QTest::qWait(50);
    viewer->grab().save(qEnvironmentVariable("FABULIST_BINARY_DIR", QStringLiteral(".")) +
                        QStringLiteral("/artifacts/history-what-it-read.png"));
    viewer->close();
    m_panel->discard();
}

void WritingTasksTest::cleanupTestCase() {
    m_window.reset();
}

FABULIST_GUI_TEST_MAIN(WritingTasksTest)
#include "writing_tasks_test.moc"
