#include "ui/editor/spell_menu.h"

#include "ui/editor/editor_view.h"
#include "ui/editor/spell_checker.h"
#include "ui/editor/spell_words.h"

#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QMenu>
#include <QTextBlock>

namespace fabulist::ui {

SpellMenu::SpellMenu(EditorView* editor, SpellChecker* checker, QObject* parent)
    : QObject(parent), m_editor(editor), m_checker(checker) {
    // Mouse menus arrive at the viewport, keyboard ones (Menu key) at the editor itself.
    editor->installEventFilter(this);
    editor->viewport()->installEventFilter(this);
}

bool SpellMenu::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::KeyPress && watched == m_editor) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_F10 && key->modifiers() == Qt::ShiftModifier) {
            const QRect caret = m_editor->cursorRect();
            popup(m_editor->textCursor().position(),
                  m_editor->viewport()->mapToGlobal(caret.bottomLeft()));
            return true;
        }
    }
    if (event->type() != QEvent::ContextMenu) return false;
    auto* menuEvent = static_cast<QContextMenuEvent*>(event);
    if (menuEvent->reason() == QContextMenuEvent::Keyboard || watched == m_editor) {
        const QRect caret = m_editor->cursorRect();
        popup(m_editor->textCursor().position(),
              m_editor->viewport()->mapToGlobal(caret.bottomLeft()));
    } else {
        popup(m_editor->cursorForPosition(menuEvent->pos()).position(), menuEvent->globalPos());
    }
    return true;
}

QMenu* SpellMenu::popup(int position, const QPoint& globalPos) {
    if (m_menu) m_menu->close();
    QMenu* menu =
        m_editor->createStandardContextMenu(m_editor->viewport()->mapFromGlobal(globalPos));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->setObjectName(QStringLiteral("editorContextMenu"));
    const QTextCursor word = misspelledWordAt(position);
    if (!word.isNull()) addSpellActions(menu, word);
    emit aboutToPopup(menu);
    m_menu = menu;
    menu->popup(globalPos);
    return menu;
}

QTextCursor SpellMenu::misspelledWordAt(int position) const {
    if (!m_checker->isEnabled() || !m_checker->hasDictionary()) return {};
    const QTextBlock block = m_editor->document()->findBlock(position);
    if (!block.isValid()) return {};
    const QString text = block.text();
    const int inBlock = position - block.position();
    for (const WordSpan& span : checkableWords(text)) {
        // The caret just after a word is on it too.
        if (inBlock < span.start || inBlock > span.start + span.length) continue;
        if (m_checker->isCorrect(text.mid(span.start, span.length))) return {};
        QTextCursor cursor(m_editor->document());
        cursor.setPosition(block.position() + span.start);
        cursor.setPosition(block.position() + span.start + span.length, QTextCursor::KeepAnchor);
        return cursor;
    }
    return {};
}

void SpellMenu::addSpellActions(QMenu* menu, const QTextCursor& word) {
    QAction* first = menu->actions().value(0);
    const QString text = word.selectedText();
    const QStringList suggestions = m_checker->suggestions(text, 5);
    for (const QString& s : suggestions) {
        QAction* a = new QAction(s, menu);
        a->setObjectName(QStringLiteral("spellSuggestion"));
        connect(a, &QAction::triggered, this, [this, word, s] { replace(word, s); });
        menu->insertAction(first, a);
    }
    if (suggestions.isEmpty()) {
        QAction* none = new QAction(tr("(No Suggestions)"), menu);
        none->setEnabled(false);
        menu->insertAction(first, none);
    }
    menu->insertSeparator(first);
    QAction* add = new QAction(tr("&Add to Project Dictionary"), menu);
    add->setObjectName(QStringLiteral("spellAddWord"));
    add->setEnabled(m_canAddWords);
    connect(add, &QAction::triggered, this, [this, text] { emit addWordRequested(text); });
    menu->insertAction(first, add);
    QAction* ignore = new QAction(tr("&Ignore"), menu);
    ignore->setObjectName(QStringLiteral("spellIgnore"));
    ignore->setToolTip(tr("Accept \u201C%1\u201D until the project closes").arg(text));
    connect(ignore, &QAction::triggered, this, [this, text] { m_checker->ignore(text); });
    menu->insertAction(first, ignore);
    menu->insertSeparator(first);
    if (!suggestions.isEmpty()) menu->setActiveAction(menu->actions().first());
}

void SpellMenu::replace(QTextCursor word, const QString& with) {
    word.beginEditBlock(); // one undo step
    word.insertText(with);
    word.endEditBlock();
    m_editor->setTextCursor(word);
}

} // namespace fabulist::ui
