#pragma once
// WordCountLabel: the status-bar read-out "1,234 words" / "56 of 1,234 words selected" for the
// editor it watches.
#include <QLabel>

class QPlainTextEdit;

namespace fabulist::ui {

class WordCountLabel : public QLabel {
    Q_OBJECT
public:
    explicit WordCountLabel(QWidget* parent = nullptr);
    void setEditor(QPlainTextEdit* editor);

    int documentWords() const { return m_documentWords; }
    int selectionWords() const { return m_selectionWords; }

public slots:
    void refresh();

signals:
    // After each recount of the whole document (goal progress follows it without a count of
    // its own).
    void documentWordsCounted(int words);

private:
    void recountDocument();
    void recountSelection();
    void updateText();

    QPlainTextEdit* m_editor = nullptr;
    int m_documentWords = 0;
    int m_selectionWords = 0;
};

} // namespace fabulist::ui
