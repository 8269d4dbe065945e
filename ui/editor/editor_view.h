#pragma once
// EditorView: the writing surface. A QPlainTextEdit that shows whichever QTextDocument it is given
// (documents belong to DocumentSession, not to the view), keeps the text in a centred column of a
// readable width, and tells its owner when it loses focus so the text can be saved.
#include "ui/theme.h"

#include <QPlainTextEdit>

namespace fabulist::ui {

class EditorView : public QPlainTextEdit {
    Q_OBJECT
public:
    explicit EditorView(QWidget* parent = nullptr);

    // Font and column width in average character widths; the column is centred in the view.
    void setTextFont(const QFont& font);
    void setLineWidthChars(int chars);
    int lineWidthChars() const { return m_lineWidthChars; }
    void setColorScheme(ColorScheme scheme);
    // The "select a scene" hint is for no document at all; an empty document is an empty page.
    void setHasDocument(bool hasDocument);
    // Re-wraps the text to the column (after the shown document or the font changed).
    void refreshLayout();

signals:
    void focusLost();

protected:
    void resizeEvent(QResizeEvent* event) override;
    void focusOutEvent(QFocusEvent* event) override;
    // A click in the margin beside the text column places the caret on that line.
    bool event(QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void updateMargins();

    int m_lineWidthChars = 72;
};

} // namespace fabulist::ui
