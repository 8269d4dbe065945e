#include "ui/editor/editor_view.h"

#include <QCoreApplication>
#include <QFocusEvent>
#include <QFontMetricsF>
#include <QMouseEvent>
#include <QResizeEvent>
#include <QScrollBar>

namespace fabulist::ui {

namespace {
constexpr int kMinSideMargin = 24; // breathing room even when the window is narrow
constexpr int kTopMargin = 32;
} // namespace

EditorView::EditorView(QWidget* parent) : QPlainTextEdit(parent) {
    setFrameShape(QFrame::NoFrame);
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setTabChangesFocus(false);
    setCenterOnScroll(false);
    setHasDocument(false);
    setColorScheme(Theme::systemScheme());
    updateMargins();
}

void EditorView::setTextFont(const QFont& font) {
    setFont(font);
    updateMargins();
}

void EditorView::setLineWidthChars(int chars) {
    m_lineWidthChars = chars;
    updateMargins();
}

void EditorView::setHasDocument(bool hasDocument) {
    setPlaceholderText(hasDocument
                           ? QString()
                           : tr("Select a scene in the binder, or create one, and start writing."));
}

void EditorView::setColorScheme(ColorScheme scheme) {
    const EditorColors c = Theme::colorsFor(scheme);
    QPalette p = palette();
    p.setColor(QPalette::Base, c.background);
    p.setColor(QPalette::Text, c.text);
    // The margins around the text column are the scroll area itself: paint them like the page
    // so the whole centre of the window is one calm surface.
    p.setColor(QPalette::Window, c.background);
    setPalette(p);
    setAutoFillBackground(true);
}

void EditorView::resizeEvent(QResizeEvent* event) {
    QPlainTextEdit::resizeEvent(event);
    updateMargins();
}

bool EditorView::event(QEvent* event) {
    if (event->type() == QEvent::MouseButtonPress) {
        auto* mouse = static_cast<QMouseEvent*>(event);
        const QRect page = viewport()->geometry();
        const QPoint at = mouse->position().toPoint();
        if (mouse->button() == Qt::LeftButton && !page.contains(at) && at.y() >= page.top()) {
            // The nearest point of the column: its left edge, right edge, or the line's end.
            const QPoint inside(qBound(0, at.x() - page.left(), page.width() - 1),
                                qBound(0, at.y() - page.top(), page.height() - 1));
            setTextCursor(cursorForPosition(inside));
            setFocus(Qt::MouseFocusReason);
            return true;
        }
    }
    return QPlainTextEdit::event(event);
}

void EditorView::focusOutEvent(QFocusEvent* event) {
    QPlainTextEdit::focusOutEvent(event);
    // Popups (completion, context menu) take focus briefly; only a real departure counts.
    if (event->reason() != Qt::PopupFocusReason) emit focusLost();
}

// The column is centred with equal viewport margins rather than a fixed document width, so the
// scroll bar stays at the window edge and clicking in the margin still places the cursor.
void EditorView::updateMargins() {
    const qreal charWidth = QFontMetricsF(font()).averageCharWidth();
    const int column = int(charWidth * m_lineWidthChars) + 2 * int(document()->documentMargin());
    const int scrollBar = verticalScrollBar()->isVisible() ? verticalScrollBar()->width() : 0;
    const int available = width() - scrollBar;
    const int side = qMax(kMinSideMargin, (available - column) / 2);
    setViewportMargins(side, kTopMargin, side, 0);
}

void EditorView::showEvent(QShowEvent* event) {
    QPlainTextEdit::showEvent(event);
    refreshLayout();
}

// QPlainTextEdit re-wraps its text when its viewport gets a resize event, and Qt holds those back
// while the widget is hidden (a project opened before the window is shown), which left lines
// wrapped to an old width. A resize event with no old size makes it re-wrap to the column now.
void EditorView::refreshLayout() {
    updateMargins();
    QResizeEvent resize(viewport()->size(), QSize());
    QCoreApplication::sendEvent(viewport(), &resize);
}

} // namespace fabulist::ui
