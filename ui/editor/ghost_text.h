#pragma once
// GhostText: the Generate panel's suggestion shown in the editor itself, dimmed after the caret
// as it streams (ghost_preedit.h draws it without touching the document: it is not saved, not
// in undo, not counted). Ctrl+Return starts one, and so does a pause in typing when the writer
// turns on Generate > Suggest While I Pause. While it is shown:
//   Tab         accepts all of it (one undo step; while it is still streaming: stop, then accept)
//   Ctrl+Right  accepts the next word with the space before it; the rest stays
//   Esc         dismisses it (while streaming, Esc stops it as always; it stays to be decided on)
//   Alt+]       the next of the request's candidates (also while they stream); after the
//               last, a Retry: new candidates, children of the shown one
//   Alt+[       the previous candidate or draft (switched before any of one is taken)
// Typing the characters it begins with consumes them; any other key, a click, moving the
// caret, switching documents or closing the project dismisses it. The panel records every
// decision: taken whole, accepted (edited when the writer changed it in the panel's preview);
// dismissed after some words were taken, edited, keeping the part that is in the document;
// dismissed untouched, rejected. Drafts switched away from are rejected.
#include "ui/generate/continuation_fit.h"

#include <QObject>
#include <QPointer>
#include <QTextBlock>
#include <optional>

class QAction;
class QKeyEvent;
class QTextDocument;

namespace fabulist::ui {

class EditorView;
class GeneratePanel;
class PauseTrigger;

class GhostText : public QObject {
    Q_OBJECT
public:
    GhostText(EditorView* editor, GeneratePanel* panel, QObject* parent = nullptr);

    bool isShown() const { return m_shown; }
    // The part of the suggestion not yet taken, as shown after the caret.
    QString text() const;
    // The document position it is shown at (the caret).
    int position() const { return m_position; }

    bool acceptAll();
    bool acceptWord();
    // The writer turned it down (recorded as rejected, or edited when words were taken).
    void dismiss();
    bool nextDraft();
    bool previousDraft();

    PauseTrigger* pauseTrigger() const { return m_pause; }
    QAction* acceptAction() const { return m_acceptAction; }
    QAction* acceptWordAction() const { return m_acceptWordAction; }
    QAction* dismissAction() const { return m_dismissAction; }
    QAction* nextDraftAction() const { return m_nextAction; }
    QAction* previousDraftAction() const { return m_previousAction; }
    // Generate > Suggest While I Pause (remembered in Settings).
    QAction* suggestOnPauseAction() const { return m_pauseAction; }

signals:
    void shownChanged(bool shown);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void onGenerationStarted();
    void onGenerationEnded();
    void follow(); // the panel's preview changed: show what is left of it
    void onSuggestPause();
    QString suggestion() const; // the whole suggestion as it will be inserted
    bool isGhostKey(const QKeyEvent* key) const;
    void handleGhostKey(const QKeyEvent* key);
    void typeThrough(QKeyEvent* key);
    void insert(const QString& text); // at the caret, one undo step, the ghost out of the way
    void draw();
    void erase();
    void hide(); // no longer shown; the panel's record is someone else's business
    void snapshot();
    bool documentChangedBehindUs() const;
    void updateActions();
    QColor color() const;

    EditorView* m_editor;
    GeneratePanel* m_panel;
    PauseTrigger* m_pause;
    bool m_shown = false;
    QPointer<QTextDocument> m_document;
    int m_position = -1;      // where it is drawn: the caret
    QTextBlock m_drawnBlock;  // the paragraph whose layout shows it now (invalid: none)
    QString m_taken;          // the part of the suggestion already in the document
    bool m_tookWords = false; // taken with Ctrl+Right (not only typed through)
    bool m_editing = false;   // our own change to the document or caret
    bool m_acceptWhenDone = false;
    std::optional<QString> m_keepWhenDone; // dismissed while streaming, with words taken
    FitOptions m_fit;         // fits the streamed text the way the panel fits the finished one
    int m_characterCount = 0; // the document as we last left it, to notice others' edits
    QString m_blockText;

    QAction* m_acceptAction;
    QAction* m_acceptWordAction;
    QAction* m_dismissAction;
    QAction* m_nextAction;
    QAction* m_previousAction;
    QAction* m_pauseAction;
};

} // namespace fabulist::ui
