// Spell check (issue #19, item 4) on the real MainWindow, a real project file, the real default
// model (for the ghost text) and the installed en_US Hunspell dictionary: a misspelled word gets
// the wavy underline and a correct one does not; binder names, Markdown syntax, words with
// digits and acronyms are never flagged; the context menu's suggestion replaces the word as one
// undo step; "Add to Project Dictionary" stops the flag and survives reopening the project;
// "Ignore"; Edit > Spell Check is remembered; the ghost text is never underlined.
// Writes artifacts/spellcheck-light.png and spellcheck-dark.png (context menu open).
#include "generation_fixture.h"
#include "gui_test_support.h"
#include "storage/project.h"
#include "storage/project_dictionary.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/ghost_text.h"
#include "ui/editor/spell_checker.h"
#include "ui/editor/spell_menu.h"
#include "ui/editor/spell_words.h"
#include "ui/editor/spelling.h"
#include "ui/generate/generate_panel.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/settings.h"

#include <QContextMenuEvent>
#include <QPainter>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextLayout>
#include <QToolButton>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

using fabulist::test::kTimeoutMs;

// The document ranges [start, end) that carry the spell check's underline, in the block's
// layout (where the highlighter puts its formats), preedit (ghost) positions included.
struct Underline {
    int start, end; // layout positions of the block starting at `block`
    int block;
};

QList<Underline> underlines(const QTextDocument* document) {
    QList<Underline> result;
    for (QTextBlock b = document->begin(); b.isValid(); b = b.next())
        for (const QTextLayout::FormatRange& r : b.layout()->formats())
            if (r.format.underlineStyle() == QTextCharFormat::SpellCheckUnderline)
                result.append({r.start, r.start + r.length, b.position()});
    return result;
}

// The words under the underline (no ghost shown).
QStringList underlinedWords(const QTextDocument* document) {
    QStringList words;
    for (const Underline& u : underlines(document))
        words << document->findBlock(u.block).text().mid(u.start, u.end - u.start);
    return words;
}

} // namespace

// Waits until the spell check has drawn exactly these words (in document order).
#define WAIT_UNDERLINED(...)                                                                       \
    QTRY_COMPARE_WITH_TIMEOUT(underlinedWords(document()), QStringList(__VA_ARGS__), 5000)

class SpellCheckTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void markdownAndNumbersAreNotWords();
    void misspelledWordIsUnderlinedCorrectOneIsNot();
    void binderNamesMarkdownDigitsAcronymsAreNotFlagged();
    void suggestionReplacesTheWordAsOneUndoStep();
    void addToProjectDictionarySurvivesReopening();
    void ignoreStopsTheFlag();
    void spellCheckToggleIsRemembered();
    void ghostTextIsNeverUnderlined();
    void screenshotsWithTheMenuOpen();
    void cleanupTestCase();

private:
    void typeScene(const QString& text);
    QMenu* menuOnWord(const QString& word, bool byKeyboard);
    QAction* menuAction(QMenu* menu, const QString& objectName, const QString& text = {});
    void screenshot(const QString& name);
    QTextDocument* document() const { return m_window->editor()->document(); }

    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<MainWindow> m_window;
    int64_t m_scene = 0;
};

void SpellCheckTest::initTestCase() {
    QVERIFY2(SpellChecker::installedLanguages().contains(QStringLiteral("en_US")),
             "the en_US Hunspell dictionary is missing: run installer/install-deps.sh");
    m_path = m_dir.filePath(QStringLiteral("spell.fabulist"));
    m_window = std::make_unique<MainWindow>();
    const QString error = test::openGenerationWindow(*m_window, m_path, m_scene);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_window->spelling()->setLanguage(QStringLiteral("en_US")); // a fixed dictionary
    m_window->generatePanel()->lengthBox()->setValue(16);
    m_window->generatePanel()->candidatesBox()->setValue(1);
    // A character the story knows: its name comes from the binder ("Mira" and "Tull" are in
    // en_US; "Tullwen" is not).
    m_window->binderView()->setCurrentIndex({});
    QVERIFY(m_window->binderView()->createNode(storage::NodeKind::Character,
                                               QStringLiteral("Mira Tullwen")));
}

void SpellCheckTest::init() {
    m_window->binderView()->selectNode(m_scene);
    m_window->activateWindow();
    m_window->editor()->setFocus();
}

void SpellCheckTest::cleanupTestCase() {
    m_window.reset();
}

void SpellCheckTest::typeScene(const QString& text) {
    EditorView* editor = m_window->editor();
    editor->selectAll();
    QTest::keyClick(editor, Qt::Key_Delete);
    // Typed, key by key, as a writer would (Return for a line break).
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (i > 0) QTest::keyClick(editor, Qt::Key_Return);
        QTest::keyClicks(editor, lines[i]);
    }
    QCOMPARE(editor->toPlainText(), text);
}

// Waits until the spell check has drawn exactly `expected` (in document order).
QMenu* SpellCheckTest::menuOnWord(const QString& word, bool byKeyboard) {
    EditorView* editor = m_window->editor();
    const int at = editor->toPlainText().indexOf(word);
    if (at < 0) return nullptr;
    QTextCursor cursor = editor->textCursor();
    cursor.setPosition(at + 1);
    if (byKeyboard) {
        editor->setTextCursor(cursor);
        QTest::keyClick(editor, Qt::Key_F10, Qt::ShiftModifier);
    } else {
        const QPoint pos = editor->cursorRect(cursor).center();
        QContextMenuEvent event(QContextMenuEvent::Mouse, pos,
                                editor->viewport()->mapToGlobal(pos));
        QApplication::sendEvent(editor->viewport(), &event);
    }
    QMenu* menu = m_window->spelling()->menu()->menu();
    if (menu && !QTest::qWaitForWindowExposed(menu)) return nullptr;
    return menu;
}

QAction* SpellCheckTest::menuAction(QMenu* menu, const QString& objectName, const QString& text) {
    for (QAction* a : menu->actions())
        if (a->objectName() == objectName && (text.isEmpty() || a->text() == text)) return a;
    return nullptr;
}

void SpellCheckTest::markdownAndNumbersAreNotWords() {
    const QString line = QStringLiteral(
        "See `sepll code` at https://exmple.org/qz or <mailto:x@y.z>, *soft* [link](http://a.b/cc) "
        "R2D2 NASA's 3rd don\u2019t well-known snake_case");
    QStringList words;
    for (const WordSpan& s : checkableWords(line)) words << line.mid(s.start, s.length);
    QCOMPARE(words, (QStringList{"See", "at", "or", "soft", "link", "don\u2019t", "well", "known",
                                 "snake", "case"}));
    QVERIFY(checkableWords(QStringLiteral("```cpp")).isEmpty());
}

void SpellCheckTest::misspelledWordIsUnderlinedCorrectOneIsNot() {
    typeScene(QStringLiteral("The keeper lit teh lamp and waited."));
    WAIT_UNDERLINED({QStringLiteral("teh")});
    // Fixing it by typing clears the line.
    QTextCursor cursor = m_window->editor()->textCursor();
    cursor.setPosition(m_window->editor()->toPlainText().indexOf(QStringLiteral("teh")) + 3);
    m_window->editor()->setTextCursor(cursor);
    QTest::keyClick(m_window->editor(), Qt::Key_Backspace);
    QTest::keyClick(m_window->editor(), Qt::Key_Backspace);
    QTest::keyClicks(m_window->editor(), QStringLiteral("he"));
    QCOMPARE(m_window->editor()->toPlainText(),
             QStringLiteral("The keeper lit the lamp and waited."));
    WAIT_UNDERLINED();
}

void SpellCheckTest::binderNamesMarkdownDigitsAcronymsAreNotFlagged() {
    typeScene(QStringLiteral(
        "# Tullwen's Light\n\nMira watched Tullwen and Mira's kettle. She read *quietly* about the "
        "NASA probe R2D2 in `cfg_vrbose` at https://exmple.org/qzx and wrote wrold."));
    WAIT_UNDERLINED({QStringLiteral("wrold")});
    // A name given later, in the binder, is a name from then on.
    typeScene(QStringLiteral("Quessaly came at dusk."));
    WAIT_UNDERLINED({QStringLiteral("Quessaly")});
    m_window->binderView()->setCurrentIndex({});
    QVERIFY(
        m_window->binderView()->createNode(storage::NodeKind::Place, QStringLiteral("Quessaly")));
    m_window->binderView()->selectNode(m_scene);
    WAIT_UNDERLINED();
}

void SpellCheckTest::suggestionReplacesTheWordAsOneUndoStep() {
    const QString text = QStringLiteral("The keeper lit teh lamp.");
    typeScene(text);
    WAIT_UNDERLINED({QStringLiteral("teh")});
    QMenu* menu = menuOnWord(QStringLiteral("teh"), true); // Shift+F10 at the caret
    QVERIFY(menu);
    int suggestions = 0;
    for (QAction* a : menu->actions()) suggestions += a->objectName() == "spellSuggestion";
    QVERIFY2(suggestions >= 1 && suggestions <= 5, qPrintable(QString::number(suggestions)));
    QVERIFY(menuAction(menu, QStringLiteral("spellAddWord")));
    QVERIFY(menuAction(menu, QStringLiteral("spellIgnore")));
    QAction* the = menuAction(menu, QStringLiteral("spellSuggestion"), QStringLiteral("the"));
    QVERIFY(the);
    the->trigger();
    menu->close();
    QCOMPARE(m_window->editor()->toPlainText(), QStringLiteral("The keeper lit the lamp."));
    WAIT_UNDERLINED();
    QTest::keySequence(m_window.get(), QKeySequence::Undo); // one step back
    QCOMPARE(m_window->editor()->toPlainText(), text);
    WAIT_UNDERLINED({QStringLiteral("teh")});
}

void SpellCheckTest::addToProjectDictionarySurvivesReopening() {
    typeScene(QStringLiteral("The gloamwick burned beside the wrold."));
    WAIT_UNDERLINED({QStringLiteral("gloamwick"), QStringLiteral("wrold")});
    QMenu* menu = menuOnWord(QStringLiteral("gloamwick"), false); // right click on it
    QVERIFY(menu);
    QAction* add = menuAction(menu, QStringLiteral("spellAddWord"));
    QVERIFY(add && add->isEnabled());
    add->trigger();
    menu->close();
    WAIT_UNDERLINED({QStringLiteral("wrold")});
    // In the project file, and so in every document of the project: also at a sentence start.
    const auto words = storage::ProjectDictionary(m_window->project()->database()).words();
    QCOMPARE(words, std::vector<std::string>{"gloamwick"});

    m_window->closeProject();
    QVERIFY(m_window->openProject(m_path));
    m_window->binderView()->selectNode(m_scene);
    m_window->editor()->setFocus();
    QCOMPARE(m_window->editor()->toPlainText(),
             QStringLiteral("The gloamwick burned beside the wrold."));
    WAIT_UNDERLINED({QStringLiteral("wrold")});
    typeScene(QStringLiteral("Gloamwick smoke. A gloamwik."));
    WAIT_UNDERLINED({QStringLiteral("gloamwik")});
}

void SpellCheckTest::ignoreStopsTheFlag() {
    typeScene(QStringLiteral("Frobnitz and wrold."));
    WAIT_UNDERLINED({QStringLiteral("Frobnitz"), QStringLiteral("wrold")});
    QMenu* menu = menuOnWord(QStringLiteral("Frobnitz"), true);
    QVERIFY(menu);
    menuAction(menu, QStringLiteral("spellIgnore"))->trigger();
    menu->close();
    WAIT_UNDERLINED({QStringLiteral("wrold")});
    // Not written to the project: it lasts until the project closes.
    const auto words = storage::ProjectDictionary(m_window->project()->database()).words();
    QVERIFY(std::find(words.begin(), words.end(), "Frobnitz") == words.end());
}

void SpellCheckTest::spellCheckToggleIsRemembered() {
    typeScene(QStringLiteral("A wrold of salt."));
    WAIT_UNDERLINED({QStringLiteral("wrold")});
    QMenu* edit = test::menuBarMenu(*m_window, QStringLiteral("&Edit"));
    QVERIFY(edit);
    QAction* toggle = nullptr;
    for (QAction* a : edit->actions())
        if (a->text() == QStringLiteral("Spell &Check")) toggle = a;
    QVERIFY(toggle && toggle->isChecked());
    QCOMPARE(toggle->shortcut(), QKeySequence(Qt::Key_F7));
    QTest::keyClick(m_window->editor(), Qt::Key_F7); // the window-level shortcut
    QVERIFY(!toggle->isChecked());
    WAIT_UNDERLINED();
    QVERIFY(!Settings().spellCheck());
    {
        MainWindow second; // a new window reads the setting
        QVERIFY(!second.spelling()->toggleAction()->isChecked());
    }
    toggle->trigger();
    QVERIFY(Settings().spellCheck());
    WAIT_UNDERLINED({QStringLiteral("wrold")});
}

// The ghost text is drawn in the paragraph's preedit area, right after the word being typed.
void SpellCheckTest::ghostTextIsNeverUnderlined() {
    typeScene(QStringLiteral("The wrold was quiet. He lit teh"));
    WAIT_UNDERLINED({QStringLiteral("wrold"), QStringLiteral("teh")});
    QSignalSpy recorded(m_window->generatePanel(), &GeneratePanel::generationRecorded);
    QTest::keyClick(m_window->editor(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(m_window->ghostText()->isShown());
    QVERIFY(recorded.wait(kTimeoutMs) || !recorded.isEmpty());
    const QTextBlock block = document()->lastBlock();
    const int ghostAt = block.layout()->preeditAreaPosition();
    const int ghostLength = int(block.layout()->preeditAreaText().size());
    QVERIFY(ghostLength > 0);
    // Let every pending check and redraw run, then rehighlight as a rule change would.
    QTest::qWait(2 * m_window->spelling()->checker()->checkDelay() + 50);
    m_window->spelling()->setLanguage(QStringLiteral("en_US"));
    QTest::qWait(2 * m_window->spelling()->checker()->checkDelay() + 50);
    for (const Underline& u : underlines(document())) {
        if (u.block != block.position()) continue;
        QVERIFY2(u.end <= ghostAt || u.start >= ghostAt + ghostLength,
                 qPrintable(QStringLiteral("underline %1-%2 over the ghost at %3+%4")
                                .arg(u.start)
                                .arg(u.end)
                                .arg(ghostAt)
                                .arg(ghostLength)));
    }
    QCOMPARE(underlinedWords(document()), QStringList{QStringLiteral("wrold")});
    // Dismissed, the word at the caret is flagged again.
    QTest::keyClick(m_window->editor(), Qt::Key_Escape);
    QVERIFY(!m_window->ghostText()->isShown());
    WAIT_UNDERLINED({QStringLiteral("wrold"), QStringLiteral("teh")});
}

void SpellCheckTest::screenshot(const QString& name) {
    typeScene(QStringLiteral("# The Lamp\n\nMira Tullwen lit teh lamp at dusk, and the harbor "
                             "kettle *whistled* over the wrold of salt and wind."));
    WAIT_UNDERLINED({QStringLiteral("teh"), QStringLiteral("wrold")});
    QMenu* menu = menuOnWord(QStringLiteral("teh"), true);
    QVERIFY(menu);
    // The menu is its own window: draw it into the window's picture where it is on screen.
    QImage image = m_window->grab().toImage();
    QPainter painter(&image);
    painter.drawPixmap(m_window->mapFromGlobal(menu->pos()), menu->grab());
    painter.end();
    QVERIFY(image.save(test::artifactPath(name)));
    menu->close();
}

void SpellCheckTest::screenshotsWithTheMenuOpen() {
    m_window->setAppearance(Appearance::Light);
    screenshot(QStringLiteral("spellcheck-light.png"));
    m_window->setAppearance(Appearance::Dark);
    screenshot(QStringLiteral("spellcheck-dark.png"));
    m_window->setAppearance(Appearance::Light);
}

FABULIST_GUI_TEST_MAIN(SpellCheckTest)
#include "spell_check_test.moc"
