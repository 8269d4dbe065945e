#pragma once
// Text shown inside a paragraph without being in the document: QTextLayout's preedit area, the
// place input methods show text not yet committed. It wraps and flows with the paragraph like
// real text (the rest of the paragraph follows it), while the document — toPlainText(), saving,
// undo, the word count — never sees it. The highlighter keeps its colours around it.
#include <QColor>
#include <QString>

class QTextDocument;

namespace fabulist::ui {

// Shows `text` at document position `position`, in `color`, replacing whatever was shown in
// that paragraph; line breaks in `text` break the line without starting a paragraph.
void showPreedit(QTextDocument* document, int position, const QString& text, const QColor& color);
// Removes it from the paragraph at `position`.
void clearPreedit(QTextDocument* document, int position);
// What is shown in the paragraph at `position` (line breaks as '\n'); empty when nothing is.
QString preeditText(const QTextDocument* document, int position);

} // namespace fabulist::ui
