// Ghost text in the editor (issue #15, item 1) on the real MainWindow, a real project file and
// the real default model: Ctrl+Return shows the suggestion dimmed after the caret without it
// being in the document (not saved, not in undo, not counted); Tab, Ctrl+Right, Esc, typing
// through, Alt+] / Alt+[ drafts; document switches; the middle of a wrapped paragraph; focus
// mode; the pause trigger. Writes artifacts/ghost-text-{light,dark,mid-paragraph,focus}.png.
#include "generation_fixture.h"
#include "gui_test_support.h"
#include "inference/engine/default_model.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/ghost_preedit.h"
#include "ui/editor/ghost_text.h"
#include "ui/editor/pause_trigger.h"
#include "ui/editor/word_count_label.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/generation_overlay.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/settings.h"

#include <QAbstractTextDocumentLayout>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStyleFactory>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextLayout>
#include <QToolButton>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

using fabulist::test::kParagraph;
using fabulist::test::kTimeoutMs;

QString artifact(const QString& name) {
    return fabulist::test::artifactPath(name);
}

} // namespace

class GhostTextTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void ctrlReturnShowsTheSuggestionOutsideTheDocument();
    void tabAcceptsItAsOneUndoStep();
    void ctrlRightTakesOneWordAndEscKeepsIt();
    void escDismissesIt();
    void typingThroughConsumesAndADifferentKeyDismisses();
    void altBracketsCycleDrafts();
    void documentSwitchMidStreamDismisses();
    void midParagraphWithWrappedLines();
    void paragraphBreaksInTheGhostBreakLines();
    void darkAppearance();
    void focusMode();
    void pauseTriggerOnlyWhenTurnedOn();
    void cleanupTestCase();

private:
    storage::Generation recorded(QSignalSpy& spy, int count);
    storage::Generation suggest();
    // Seeds are drawn anew for every Continue: draws until the ghost has at least `words`
    // words (a short first sentence, cut at its end, may be a single word).
    storage::Generation suggestWords(int words); // Ctrl+Return in the editor, wait for the record
    storage::Generation get(int64_t id) const;
    void typeScene(const QString& text);
    QString documentText() const { return m_window->editor()->toPlainText(); }
    void key(Qt::Key key, Qt::KeyboardModifiers modifiers = Qt::NoModifier) {
        QTest::keyClick(m_window->editor(), key, modifiers);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    GeneratePanel* m_panel = nullptr;
    GhostText* m_ghost = nullptr;
    int64_t m_scene = 0;
};

void GhostTextTest::initTestCase() {
    m_window = std::make_unique<MainWindow>();
    const QString error = test::openGenerationWindow(
        *m_window, m_dir.filePath(QStringLiteral("ghost.fabulist")), m_scene);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_panel = m_window->generatePanel();
    m_ghost = m_window->ghostText();
    m_window->documentSession()->setAutosaveDelay(50);
    m_panel->lengthBox()->setValue(24);
    m_panel->temperatureBox()->setValue(0.8);
    m_panel->seedLockButton()->setChecked(false); // every draw a new seed
    // Drafts one at a time here (Alt+] past the last is a Retry); ui_candidates_test has three.
    m_panel->candidatesBox()->setValue(1);
}

void GhostTextTest::init() {
    if (m_ghost->isShown()) m_ghost->dismiss();
    QTRY_VERIFY_WITH_TIMEOUT(!m_panel->isGenerating(), kTimeoutMs);
    if (m_panel->currentGenerationId()) m_panel->discard();
    if (m_window->isFocusMode()) m_window->setFocusMode(false);
    m_window->binderView()->selectNode(m_scene);
    m_window->activateWindow();
    m_window->editor()->setFocus();
}

void GhostTextTest::cleanupTestCase() {
    m_window.reset();
}

storage::Generation GhostTextTest::get(int64_t id) const {
    return m_window->project()->generations().get(id);
}

storage::Generation GhostTextTest::recorded(QSignalSpy& spy, int count) {
    [&] { QTRY_COMPARE_WITH_TIMEOUT(spy.count(), count, kTimeoutMs); }();
    if (spy.count() != count) return {};
    return get(spy.at(count - 1).at(0).toLongLong());
}

storage::Generation GhostTextTest::suggest() {
    QSignalSpy spy(m_panel, &GeneratePanel::generationRecorded);
    key(Qt::Key_Return, Qt::ControlModifier);
    [&] { QVERIFY(m_ghost->isShown()); }();
    return recorded(spy, 1);
}

storage::Generation GhostTextTest::suggestWords(int words) {
    storage::Generation g;
    for (int attempt = 0; attempt < 10; ++attempt) {
        g = suggest();
        if (QTest::currentTestFailed()) return g;
        if (m_ghost->text().split(QLatin1Char(' '), Qt::SkipEmptyParts).size() >= words) return g;
        key(Qt::Key_Escape); // too short for this test: set aside, draw again
    }
    return g;
}

void GhostTextTest::typeScene(const QString& text) {
    EditorView* editor = m_window->editor();
    editor->selectAll();
    editor->textCursor().removeSelectedText();
    editor->insertPlainText(text);
    editor->moveCursor(QTextCursor::End);
}

// The ghost is the fitted generation, drawn after the caret; the document, its undo history,
// the project and the word count never see it.
void GhostTextTest::ctrlReturnShowsTheSuggestionOutsideTheDocument() {
    typeScene(kParagraph);
    QTextDocument* document = m_window->editor()->document();
    const int undoSteps = document->availableUndoSteps();
    const int words = m_window->wordCountLabel()->documentWords();
    const storage::Generation g = suggest();
    QVERIFY(!QTest::currentTestFailed());
    const QString shown = m_panel->preview()->toPlainText();
    QVERIFY(!shown.isEmpty());
    QCOMPARE(m_ghost->text(), shown); // the fitted text ("restless." + " The ...")
    QVERIFY2(shown.startsWith(QLatin1Char(' ')), qPrintable(shown));
    QCOMPARE(preeditText(document, m_ghost->position()), shown);
    QCOMPARE(m_ghost->position(), int(kParagraph.size()));
    QCOMPARE(documentText(), kParagraph);
    QCOMPARE(document->availableUndoSteps(), undoSteps);
    QCOMPARE(m_window->wordCountLabel()->documentWords(), words);
    QCOMPARE(g.status, storage::GenerationStatus::Pending);
    // Not saved: the autosave has run, and the project has the text without it.
    QTest::qWait(300);
    QVERIFY(m_window->documentSession()->save());
    QCOMPARE(QString::fromStdString(m_window->project()->documents().text(m_scene)), kParagraph);
    QVERIFY(m_ghost->isShown()); // saving does not disturb it
    QTest::qWait(50);
    QVERIFY(m_window->grab().save(artifact(QStringLiteral("ghost-text-light.png"))));
}

void GhostTextTest::tabAcceptsItAsOneUndoStep() {
    typeScene(kParagraph);
    const storage::Generation g = suggest();
    QVERIFY(!QTest::currentTestFailed());
    const QString shown = m_ghost->text();
    key(Qt::Key_Tab);
    QVERIFY(!m_ghost->isShown());
    QCOMPARE(documentText(), kParagraph + shown);
    // One undo step: a single undo below takes all of it out. (The stack's size is not compared:
    // on a loaded machine QTextDocument counted the earlier typing as more steps.)
    QCOMPARE(get(g.id).status, storage::GenerationStatus::Accepted);
    QVERIFY(!m_panel->currentGenerationId()); // the panel is done with it too
    QCOMPARE(m_window->editor()->textCursor().position(), int((kParagraph + shown).size()));
    m_window->editor()->undo();
    QCOMPARE(documentText(), kParagraph);
    // Without a ghost, Tab is a tab again.
    m_window->editor()->moveCursor(QTextCursor::End);
    key(Qt::Key_Tab);
    QCOMPARE(documentText(), kParagraph + QLatin1Char('\t'));
}

// Ctrl+Right takes the next word with its space; dismissing then keeps that word as the
// writer's edit of the generation.
void GhostTextTest::ctrlRightTakesOneWordAndEscKeepsIt() {
    typeScene(kParagraph);
    const storage::Generation g = suggestWords(2);
    QVERIFY(!QTest::currentTestFailed());
    const QString shown = m_ghost->text();
    const QString word = shown.section(QLatin1Char(' '), 0, 1); // " The"
    QVERIFY2(word.size() > 1 && word.size() < shown.size(), qPrintable(shown));
    key(Qt::Key_Right, Qt::ControlModifier);
    QCOMPARE(documentText(), kParagraph + word);
    QVERIFY(m_ghost->isShown());
    QCOMPARE(m_ghost->text(), shown.mid(word.size()));
    QCOMPARE(m_window->editor()->textCursor().position(), int((kParagraph + word).size()));
    key(Qt::Key_Escape);
    QVERIFY(!m_ghost->isShown());
    QCOMPARE(documentText(), kParagraph + word);
    const storage::Generation after = get(g.id);
    QCOMPARE(after.status, storage::GenerationStatus::Edited);
    QCOMPARE(QString::fromStdString(after.editedOutput), word);
}

void GhostTextTest::escDismissesIt() {
    typeScene(kParagraph);
    const storage::Generation g = suggest();
    QVERIFY(!QTest::currentTestFailed());
    key(Qt::Key_Escape);
    QVERIFY(!m_ghost->isShown());
    QCOMPARE(documentText(), kParagraph);
    QVERIFY(preeditText(m_window->editor()->document(), int(kParagraph.size())).isEmpty());
    QCOMPARE(get(g.id).status, storage::GenerationStatus::Rejected);
}

void GhostTextTest::typingThroughConsumesAndADifferentKeyDismisses() {
    typeScene(kParagraph);
    const storage::Generation g = suggestWords(2);
    QVERIFY(!QTest::currentTestFailed());
    const QString shown = m_ghost->text();
    QVERIFY(shown.size() > 4);
    QTest::keyClicks(m_window->editor(), shown.left(3));
    QVERIFY(m_ghost->isShown());
    QCOMPARE(m_ghost->text(), shown.mid(3));
    QCOMPARE(documentText(), kParagraph + shown.left(3));
    QCOMPARE(preeditText(m_window->editor()->document(), m_ghost->position()), shown.mid(3));
    const QChar other = shown.at(3) == QLatin1Char('x') ? QLatin1Char('q') : QLatin1Char('x');
    QTest::keyClicks(m_window->editor(), QString(other));
    QVERIFY(!m_ghost->isShown());
    QCOMPARE(documentText(), kParagraph + shown.left(3) + other);
    QCOMPARE(get(g.id).status, storage::GenerationStatus::Rejected);
}

// Alt+] draws another (a Retry: new seed, child of the first); Alt+[ goes back; the one taken
// is accepted, the other rejected.
void GhostTextTest::altBracketsCycleDrafts() {
    typeScene(kParagraph);
    const storage::Generation first = suggest();
    QVERIFY(!QTest::currentTestFailed());
    const QString firstText = m_ghost->text();
    QSignalSpy spy(m_panel, &GeneratePanel::generationRecorded);
    key(Qt::Key_BracketRight, Qt::AltModifier);
    QVERIFY(m_ghost->isShown());
    const storage::Generation second = recorded(spy, 1);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(second.seed != first.seed);
    QCOMPARE(second.parentId, std::optional<int64_t>(first.id));
    const QString secondText = m_ghost->text();
    QCOMPARE(secondText, m_panel->preview()->toPlainText());
    QVERIFY2(secondText != firstText, qPrintable(secondText));
    QCOMPARE(get(first.id).status, storage::GenerationStatus::Rejected);
    QCOMPARE(documentText(), kParagraph);

    key(Qt::Key_BracketLeft, Qt::AltModifier);
    QCOMPARE(m_ghost->text(), firstText);
    QCOMPARE(m_panel->preview()->toPlainText(), firstText);
    QCOMPARE(get(first.id).status, storage::GenerationStatus::Pending);
    QCOMPARE(get(second.id).status, storage::GenerationStatus::Rejected);
    key(Qt::Key_BracketRight, Qt::AltModifier); // the second again, not a third draw
    QCOMPARE(m_ghost->text(), secondText);
    QCOMPARE(spy.count(), 1);
    key(Qt::Key_BracketLeft, Qt::AltModifier);
    key(Qt::Key_Tab);
    QCOMPARE(documentText(), kParagraph + firstText);
    QCOMPARE(get(first.id).status, storage::GenerationStatus::Accepted);
    QCOMPARE(get(second.id).status, storage::GenerationStatus::Rejected);
}

void GhostTextTest::documentSwitchMidStreamDismisses() {
    typeScene(kParagraph);
    QTextDocument* document = m_window->editor()->document();
    m_panel->lengthBox()->setValue(300);
    QSignalSpy spy(m_panel, &GeneratePanel::generationRecorded);
    // The switch happens as the first text arrives, inside the token's delivery: the default
    // model writes 300 tokens in about 0.1 s, so waiting for the ghost first can find it done.
    bool switched = false, wasGenerating = false, wasStreaming = false;
    const QMetaObject::Connection onToken =
        connect(m_window->generationController(), &GenerationController::tokenArrived, this, [&] {
            if (switched || m_ghost->text().isEmpty()) return;
            switched = true;
            wasGenerating = m_panel->isGenerating();
            wasStreaming = !preeditText(document, int(kParagraph.size())).isEmpty();
            m_window->binderView()->setCurrentIndex({});
            m_window->binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Harbour"));
        });
    key(Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(switched, kTimeoutMs);
    disconnect(onToken);
    QVERIFY(wasGenerating);
    QVERIFY(wasStreaming); // it was streaming into the page
    QVERIFY(m_window->editor()->document() != document);
    QVERIFY(!m_ghost->isShown());
    QVERIFY(preeditText(document, int(kParagraph.size())).isEmpty());
    const storage::Generation g = recorded(spy, 1);
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(g.stopReason, storage::GenerationStop::Stopped);
    QCOMPARE(get(g.id).status, storage::GenerationStatus::Rejected);
    QVERIFY(!m_panel->currentGenerationId());
    QCOMPARE(document->toPlainText(), kParagraph);
    m_panel->lengthBox()->setValue(24);
}

// In the middle of a paragraph that wraps: the rest of the paragraph flows after the ghost,
// and Tab puts it exactly there.
void GhostTextTest::midParagraphWithWrappedLines() {
    const QString text = kParagraph + QStringLiteral(" ") + kParagraph + QStringLiteral(" ") +
                         kParagraph + QStringLiteral("\n\nIn the morning the boats went out.");
    typeScene(text);
    const int at = int(kParagraph.size()); // after the first "restless.", mid-paragraph
    QTextCursor cursor = m_window->editor()->textCursor();
    cursor.setPosition(at);
    m_window->editor()->setTextCursor(cursor);
    const QTextBlock block = m_window->editor()->document()->findBlock(at);
    const int linesBefore = block.layout()->lineCount();
    QVERIFY(linesBefore >= 2); // it wraps
    // Longer than a line (the column is about 72 characters), so the paragraph must re-wrap.
    m_panel->lengthBox()->setValue(60);
    suggestWords(16);
    QVERIFY(!QTest::currentTestFailed());
    const QString shown = m_ghost->text();
    QVERIFY2(shown.size() > 80, qPrintable(shown));
    QCOMPARE(m_ghost->position(), at);
    QCOMPARE(documentText(), text);
    // The editor lays the block out again lazily (when it next paints): wait for that.
    QTRY_VERIFY_WITH_TIMEOUT(block.layout()->lineCount() > linesBefore, kTimeoutMs);
    // The ghost's first character sits where the caret is; the paragraph's rest after it.
    const QTextLine first = block.layout()->lineForTextPosition(at);
    QVERIFY(first.isValid());
    QTest::qWait(50);
    QVERIFY(m_window->grab().save(artifact(QStringLiteral("ghost-text-mid-paragraph.png"))));
    key(Qt::Key_Tab);
    QCOMPARE(documentText(), text.left(at) + shown + text.mid(at));
    QCOMPARE(block.layout()->preeditAreaText(), QString());
    m_panel->lengthBox()->setValue(24);
}

// A suggestion with a paragraph break shows it as line breaks inside the one paragraph of the
// layout; the document keeps one block and its text.
void GhostTextTest::paragraphBreaksInTheGhostBreakLines() {
    typeScene(QStringLiteral("Short line."));
    QTextDocument* document = m_window->editor()->document();
    const QTextBlock block = document->firstBlock();
    const int lines = block.layout()->lineCount();
    const QColor dim = m_window->editor()->palette().color(QPalette::PlaceholderText);
    showPreedit(document, 11, QStringLiteral(" Then\n\nNext."), dim);
    QCOMPARE(preeditText(document, 11), QStringLiteral(" Then\n\nNext."));
    document->documentLayout()->blockBoundingRect(block); // lays the paragraph out now
    QCOMPARE(block.layout()->lineCount(), lines + 2);
    QCOMPARE(document->blockCount(), 1);
    QCOMPARE(document->toPlainText(), QStringLiteral("Short line."));
    clearPreedit(document, 11);
    QVERIFY(preeditText(document, 11).isEmpty());
    document->documentLayout()->blockBoundingRect(block);
    QCOMPARE(block.layout()->lineCount(), lines);
}

void GhostTextTest::darkAppearance() {
    m_window->setAppearance(Appearance::Dark);
    typeScene(kParagraph);
    suggest();
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(!m_ghost->text().isEmpty());
    QTest::qWait(50);
    QVERIFY(m_window->grab().save(artifact(QStringLiteral("ghost-text-dark.png"))));
    key(Qt::Key_Escape);
    QVERIFY(!m_ghost->isShown());
    m_window->setAppearance(Appearance::Light);
}

// Focus mode: the ghost is on the page and the overlay only names the keys; Esc dismisses the
// ghost first and leaves focus mode only after.
void GhostTextTest::focusMode() {
    typeScene(kParagraph);
    m_window->setFocusMode(true);
    suggest();
    QVERIFY(!QTest::currentTestFailed());
    GenerationOverlay* overlay = m_window->generationOverlay();
    QVERIFY(overlay->isVisible());
    QVERIFY(overlay->text().isEmpty());
    QVERIFY(!m_ghost->text().isEmpty());
    QVERIFY(!overlay->geometry().intersects(
        m_window->editor()->cursorRect().translated(m_window->editor()->viewport()->pos())));
    QTest::qWait(50);
    QVERIFY(m_window->grab().save(artifact(QStringLiteral("ghost-text-focus.png"))));
    key(Qt::Key_Escape);
    QVERIFY(!m_ghost->isShown());
    QVERIFY(m_window->isFocusMode());
    QVERIFY(!overlay->isVisible());
    QTest::keyClick(m_window->editor(), Qt::Key_Escape);
    QVERIFY(!m_window->isFocusMode());
}

void GhostTextTest::pauseTriggerOnlyWhenTurnedOn() {
    typeScene(kParagraph);
    QVERIFY(!Settings().suggestOnPause()); // off by default
    QVERIFY(!m_ghost->suggestOnPauseAction()->isChecked());
    QMenu* menu = test::menuBarMenu(*m_window, QStringLiteral("&Generate"));
    QVERIFY(menu && menu->actions().contains(m_ghost->suggestOnPauseAction()));
    m_ghost->pauseTrigger()->setInterval(150);
    QTRY_VERIFY(m_window->editor()->hasFocus());
    QTest::keyClicks(m_window->editor(), QStringLiteral(" The"));
    QTest::qWait(600);
    QVERIFY(!m_ghost->isShown());
    QVERIFY(!m_panel->isGenerating());

    m_ghost->suggestOnPauseAction()->trigger();
    QVERIFY(Settings().suggestOnPause());
    QSignalSpy spy(m_panel, &GeneratePanel::generationRecorded);
    QTest::keyClicks(m_window->editor(), QStringLiteral(" keeper"));
    QVERIFY(!m_ghost->isShown()); // not while typing
    QTRY_VERIFY_WITH_TIMEOUT(m_ghost->isShown(), 5000);
    const storage::Generation g = recorded(spy, 1);
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(QString::fromStdString(g.prompt).right(10), QStringLiteral("The keeper"));
    key(Qt::Key_Escape);
    QCOMPARE(get(g.id).status, storage::GenerationStatus::Rejected);
    m_ghost->suggestOnPauseAction()->trigger();
    QVERIFY(!Settings().suggestOnPause());
}

FABULIST_GUI_TEST_MAIN(GhostTextTest)
#include "ghost_text_test.moc"
