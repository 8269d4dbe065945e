#pragma once
// SpellMenu: the editor's context menu, with the spell check's part on top when it opens on a
// misspelled word: up to five suggestions (each replaces the word as one undo step), "Add to
// Project Dictionary", "Ignore", then the editor's usual actions. It opens with the right mouse
// button (on the word clicked), the Menu key or Shift+F10 (on the word at the caret).
#include <QMenu>
#include <QObject>
#include <QPointer>
#include <QTextCursor>

class QAction;

namespace fabulist::ui {

class EditorView;
class SpellChecker;

class SpellMenu : public QObject {
    Q_OBJECT
public:
    SpellMenu(EditorView* editor, SpellChecker* checker, QObject* parent = nullptr);

    // Opens the menu for the word at document position `position`, at `globalPos` (not modal:
    // it deletes itself when closed). Returns it.
    QMenu* popup(int position, const QPoint& globalPos);
    // The menu shown now, if any.
    QMenu* menu() const { return m_menu; }
    // Whether "Add to Project Dictionary" can be used (a project open for writing).
    void setCanAddWords(bool can) { m_canAddWords = can; }

signals:
    void addWordRequested(const QString& word);
    // The menu is about to open: others add their actions (the writing tasks on a selection).
    void aboutToPopup(QMenu* menu);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // The misspelled word around `position` (selected in the cursor), or a null cursor.
    QTextCursor misspelledWordAt(int position) const;
    void addSpellActions(QMenu* menu, const QTextCursor& word);
    void replace(QTextCursor word, const QString& with);

    EditorView* m_editor;
    SpellChecker* m_checker;
    QPointer<QMenu> m_menu;
    bool m_canAddWords = false;
};

} // namespace fabulist::ui
