#pragma once
// FindBar: the find/replace strip under the editor. It works on whatever QPlainTextEdit it is
// given; replacing all matches is one undo step.
#include <QTextDocument>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace fabulist::ui {

class FindBar : public QWidget {
    Q_OBJECT
public:
    explicit FindBar(QWidget* parent = nullptr);

    void setEditor(QPlainTextEdit* editor) { m_editor = editor; }
    // Shows the bar with the find field focused, seeded from the editor's selection.
    void showFind();
    void showReplace();

    void setFindText(const QString& text);
    void setReplaceText(const QString& text);
    void setCaseSensitive(bool on);
    QString findText() const;
    // "3 of 12", "Not found", "5 replacements", ...
    QString statusText() const;

    // Each returns whether a match was found/replaced; replaceAll returns the count.
    bool findNext();
    bool findPrevious();
    bool replaceCurrent();
    int replaceAll();

protected:
    void keyPressEvent(QKeyEvent* event) override;

private:
    struct MatchCount {
        int index = 0; // 1-based; 0 when past the counted ones
        int total = 0;
    };
    static constexpr int kMaxCounted = 10000; // a huge document is not counted to the end

    bool find(QTextDocument::FindFlags flags);
    MatchCount countMatches(int start) const;
    QTextDocument::FindFlags baseFlags() const;
    bool selectionMatches() const;
    void showMessage(const QString& text);

    QPlainTextEdit* m_editor = nullptr;
    QLineEdit* m_find;
    QLineEdit* m_replace;
    QCheckBox* m_caseSensitive;
    QCheckBox* m_wholeWords;
    QLabel* m_status;
    QWidget* m_replaceRow;
};

} // namespace fabulist::ui
