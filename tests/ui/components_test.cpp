// Tests of the GUI parts that do not need a project: word counting, the built-in highlighter, the
// find/replace bar and the status-bar word count. Expected values are counted by hand.
#include "ui/editor/find_bar.h"
#include "ui/editor/markdown_highlighter.h"
#include "ui/editor/word_count_label.h"
#include "ui/editor/word_counter.h"
#include "ui/generate/continuation_fit.h"

#include <QPlainTextEdit>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextLayout>
#include <QtTest>

using namespace fabulist::ui;

class ComponentsTest : public QObject {
    Q_OBJECT
private slots:
    void wordCount_data();
    void wordCount();
    void highlighterMarksHeadingDialogueEmphasis();
    void findWrapsAround();
    void replaceAllIsOneUndoStep();
    void replaceCurrentOnlyReplacesMatch();
    void wordCountLabelFollowsSelection();
    void continuationFitsTheCursor_data();
    void continuationFitsTheCursor();
    void paragraphConventionOfTheDocument();
};

// The rule (storage's): words are runs of characters between whitespace (ASCII whitespace,
// U+00A0, and the separators QTextCursor uses for line breaks). Counted by hand.
void ComponentsTest::wordCount_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("words");
    QTest::newRow("empty") << QString() << 0;
    QTest::newRow("spaces") << QStringLiteral("   \n\t ") << 0;
    QTest::newRow("simple") << QStringLiteral("The cat sat.") << 3;
    QTest::newRow("apostrophe") << QStringLiteral("Don't stop; it's fine") << 4;
    QTest::newRow("curly apostrophe") << QStringLiteral("Don\u2019t") << 1;
    QTest::newRow("hyphen") << QStringLiteral("a well-known fact") << 3;
    QTest::newRow("spaced dash") << QStringLiteral("yes - no") << 3;
    QTest::newRow("em dash") << QStringLiteral("yes\u2014no") << 1;
    QTest::newRow("markdown") << QStringLiteral("# Chapter One\n\n*Rain* fell.") << 5;
    QTest::newRow("quotes") << QStringLiteral("\u201CHello,\u201D she said.") << 3;
    QTest::newRow("numbers") << QStringLiteral("In 1999 there were 3 of us") << 7;
    QTest::newRow("accents") << QStringLiteral("caf\u00E9 na\u00EFve") << 2;
    QTest::newRow("no-break space") << QStringLiteral("ten\u00A0pounds") << 2;
    QTest::newRow("selection paragraphs") << QStringLiteral("end.\u2029Start") << 2;
    QTest::newRow("line separator") << QStringLiteral("one\u2028two") << 2;
    QTest::newRow("crlf") << QStringLiteral("one\r\ntwo\r\n") << 2;
}

void ComponentsTest::wordCount() {
    QFETCH(QString, text);
    QFETCH(int, words);
    QCOMPARE(countWords(text), words);
}

// Returns the format the highlighter applied at a position of the given block.
static QTextCharFormat formatAt(const QTextDocument& doc, int blockNumber, int pos) {
    const QTextBlock block = doc.findBlockByNumber(blockNumber);
    for (const QTextLayout::FormatRange& r : block.layout()->formats())
        if (pos >= r.start && pos < r.start + r.length) return r.format;
    return {};
}

void ComponentsTest::highlighterMarksHeadingDialogueEmphasis() {
    QTextDocument doc;
    doc.setPlainText(QStringLiteral("# Title\nShe said \"come\nhome\" and left.\nA *soft* word, "
                                    "snake_case_name.\n\nplain"));
    MarkdownHighlighter h(&doc, ColorScheme::Light);
    h.rehighlight();
    const EditorColors c = Theme::colorsFor(ColorScheme::Light);

    QCOMPARE(formatAt(doc, 0, 3).fontWeight(), int(QFont::Bold)); // heading text
    QCOMPARE(formatAt(doc, 0, 3).foreground().color(), c.heading);
    QCOMPARE(formatAt(doc, 0, 0).foreground().color(), c.markup);    // the '#'
    QCOMPARE(formatAt(doc, 1, 10).foreground().color(), c.dialogue); // inside "come
    QVERIFY(formatAt(doc, 1, 2).foreground().color() != c.dialogue); // "She"
    QCOMPARE(formatAt(doc, 2, 1).foreground().color(), c.dialogue);  // home" continues the quote
    QVERIFY(formatAt(doc, 2, 8).foreground().color() != c.dialogue); // "and" after it closes
    QVERIFY(formatAt(doc, 3, 4).fontItalic());                       // soft
    QVERIFY(!formatAt(doc, 3, 22).fontItalic());                     // snake_case_name stays plain
    QVERIFY(formatAt(doc, 5, 1).foreground().color() != c.dialogue);
}

void ComponentsTest::findWrapsAround() {
    QPlainTextEdit edit;
    edit.setPlainText(QStringLiteral("one two one two"));
    FindBar bar;
    bar.setEditor(&edit);
    bar.setFindText(QStringLiteral("two"));
    QTextCursor c = edit.textCursor();
    c.setPosition(9);
    edit.setTextCursor(c);
    QVERIFY(bar.findNext());
    QCOMPARE(edit.textCursor().selectionStart(), 12);
    QVERIFY(bar.findNext()); // wraps to the first
    QCOMPARE(edit.textCursor().selectionStart(), 4);
    QVERIFY(bar.findPrevious()); // wraps backwards to the last
    QCOMPARE(edit.textCursor().selectionStart(), 12);
    bar.setFindText(QStringLiteral("three"));
    QVERIFY(!bar.findNext());
}

void ComponentsTest::replaceAllIsOneUndoStep() {
    QPlainTextEdit edit;
    edit.setPlainText(QStringLiteral("Anna met anna. ANNA left."));
    FindBar bar;
    bar.setEditor(&edit);
    bar.setFindText(QStringLiteral("anna"));
    bar.setReplaceText(QStringLiteral("Annabel"));
    QCOMPARE(bar.replaceAll(), 3);
    QCOMPARE(edit.toPlainText(), QStringLiteral("Annabel met Annabel. Annabel left."));
    edit.undo();
    QCOMPARE(edit.toPlainText(), QStringLiteral("Anna met anna. ANNA left."));

    bar.setCaseSensitive(true);
    QCOMPARE(bar.replaceAll(), 1);
    QCOMPARE(edit.toPlainText(), QStringLiteral("Anna met Annabel. ANNA left."));
}

void ComponentsTest::replaceCurrentOnlyReplacesMatch() {
    QPlainTextEdit edit;
    edit.setPlainText(QStringLiteral("red blue red"));
    FindBar bar;
    bar.setEditor(&edit);
    bar.setFindText(QStringLiteral("red"));
    bar.setReplaceText(QStringLiteral("green"));
    QVERIFY(!bar.replaceCurrent()); // nothing selected yet: it only finds the first
    QCOMPARE(edit.textCursor().selectedText(), QStringLiteral("red"));
    QVERIFY(bar.replaceCurrent());
    QCOMPARE(edit.toPlainText(), QStringLiteral("green blue red"));
    QVERIFY(bar.replaceCurrent());
    QCOMPARE(edit.toPlainText(), QStringLiteral("green blue green"));
}

void ComponentsTest::wordCountLabelFollowsSelection() {
    QPlainTextEdit edit;
    WordCountLabel label;
    label.setEditor(&edit);
    edit.setPlainText(QStringLiteral("It was a dark and stormy night."));
    QCOMPARE(label.documentWords(), 7);
    QCOMPARE(label.selectionWords(), 0);
    QVERIFY(label.text().contains(QStringLiteral("7 words")));
    QTextCursor c = edit.textCursor();
    c.setPosition(0);
    c.setPosition(8, QTextCursor::KeepAnchor); // "It was a"
    edit.setTextCursor(c);
    QCOMPARE(label.selectionWords(), 3);
    QVERIFY(label.text().contains(QStringLiteral("3 of 7")));
}

using fabulist::ui::ParagraphBreak;

void ComponentsTest::continuationFitsTheCursor_data() {
    QTest::addColumn<QString>("raw");
    QTest::addColumn<QString>("before"); // empty: the start of the document
    QTest::addColumn<bool>("blankLines");
    QTest::addColumn<bool>("endAtSentence");
    QTest::addColumn<QString>("fitted");
    QTest::newRow("newline after a word becomes a space")
        << "\nThe sea was calm."
        << "." << true << false << " The sea was calm.";
    QTest::newRow("several spaces after a word become one") << "   and then"
                                                            << "d" << true << false << " and then";
    QTest::newRow("no space after a newline") << "\n\n  She left."
                                              << "\n"
                                              << true << false << "She left.";
    QTest::newRow("no space after a space") << " She left."
                                            << " " << true << false << "She left.";
    QTest::newRow("no space at the start of the document")
        << "\nOnce upon a time"
        << "" << true << false << "Once upon a time";
    QTest::newRow("a word the model continues stays joined")
        << "house stood"
        << "t" << true << false << "house stood";
    QTest::newRow("no space before a comma") << " , said she."
                                             << "d" << true << false << ", said she.";
    QTest::newRow("dialogue lines get blank lines")
        << " \"Go.\"\n\"No.\"\n\n\n\"Why?\""
        << "." << true << false << " \"Go.\"\n\n\"No.\"\n\n\"Why?\"";
    QTest::newRow("single-newline documents keep single newlines")
        << " \"Go.\"\n\n\"No.\""
        << "." << false << false << " \"Go.\"\n\"No.\"";
    QTest::newRow("ends at the last sentence") << " He ran. She stayed. And then the"
                                               << "." << true << true << " He ran. She stayed.";
    QTest::newRow("closing quote stays with its sentence") << " \"Stop!\" she cried, and"
                                                           << "." << true << true << " \"Stop!\"";
    QTest::newRow("a decimal point is not an end")
        << " It cost 3.5 crowns and"
        << "." << true << true << " It cost 3.5 crowns and";
    QTest::newRow("ellipsis ends a sentence") << " Wait\u2026 the door"
                                              << "." << true << true << " Wait\u2026";
    QTest::newRow("trailing whitespace goes") << " The end.\n\n"
                                              << "." << true << false << " The end.";
}

void ComponentsTest::continuationFitsTheCursor() {
    QFETCH(QString, raw);
    QFETCH(QString, before);
    QFETCH(bool, blankLines);
    QFETCH(bool, endAtSentence);
    QFETCH(QString, fitted);
    fabulist::ui::FitOptions options;
    options.before = before.isEmpty() ? QChar() : before.at(0);
    options.paragraphs = blankLines ? ParagraphBreak::BlankLine : ParagraphBreak::SingleNewline;
    options.endAtSentence = endAtSentence;
    QCOMPARE(fabulist::ui::fitContinuation(raw, options), fitted);
}

void ComponentsTest::paragraphConventionOfTheDocument() {
    using fabulist::ui::paragraphConvention;
    QCOMPARE(paragraphConvention(QString()), ParagraphBreak::BlankLine);
    QCOMPARE(paragraphConvention(QStringLiteral("One line only.")), ParagraphBreak::BlankLine);
    QCOMPARE(paragraphConvention(QStringLiteral("A.\n\nB.\n\nC.\nD.")), ParagraphBreak::BlankLine);
    QCOMPARE(paragraphConvention(QStringLiteral("A.\nB.\nC.\n\nD.")),
             ParagraphBreak::SingleNewline);
}

QTEST_MAIN(ComponentsTest)
#include "components_test.moc"
