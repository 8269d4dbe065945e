#include "ui/editor/find_bar.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTextCursor>
#include <QToolButton>

namespace fabulist::ui {

FindBar::FindBar(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("findBar"));
    m_find = new QLineEdit(this);
    m_find->setObjectName(QStringLiteral("findField"));
    m_find->setPlaceholderText(tr("Find"));
    m_find->setClearButtonEnabled(true);
    m_replace = new QLineEdit(this);
    m_replace->setObjectName(QStringLiteral("replaceField"));
    m_replace->setPlaceholderText(tr("Replace with"));
    m_caseSensitive = new QCheckBox(tr("Match case"), this);
    m_wholeWords = new QCheckBox(tr("Whole words"), this);
    m_status = new QLabel(this);
    m_status->setMinimumWidth(120);

    auto* next = new QPushButton(tr("Next"), this);
    auto* previous = new QPushButton(tr("Previous"), this);
    auto* replace = new QPushButton(tr("Replace"), this);
    auto* replaceAllButton = new QPushButton(tr("Replace All"), this);
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("\u2715"));
    close->setToolTip(tr("Close (Esc)"));
    close->setAutoRaise(true);

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(8, 4, 8, 4);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(4);
    grid->addWidget(m_find, 0, 0);
    grid->addWidget(previous, 0, 1);
    grid->addWidget(next, 0, 2);
    grid->addWidget(m_caseSensitive, 0, 3);
    grid->addWidget(m_wholeWords, 0, 4);
    grid->addWidget(m_status, 0, 5);
    grid->addWidget(close, 0, 6);

    // The replace row is a widget of its own so Find alone can hide it.
    m_replaceRow = new QWidget(this);
    auto* row = new QHBoxLayout(m_replaceRow);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_replace, 1);
    row->addWidget(replace);
    row->addWidget(replaceAllButton);
    grid->addWidget(m_replaceRow, 1, 0, 1, 3);
    grid->setColumnStretch(0, 1);

    connect(next, &QPushButton::clicked, this, &FindBar::findNext);
    connect(previous, &QPushButton::clicked, this, &FindBar::findPrevious);
    connect(replace, &QPushButton::clicked, this, &FindBar::replaceCurrent);
    connect(replaceAllButton, &QPushButton::clicked, this, &FindBar::replaceAll);
    connect(close, &QToolButton::clicked, this, &QWidget::hide);
    connect(m_find, &QLineEdit::returnPressed, this, &FindBar::findNext);
    connect(m_replace, &QLineEdit::returnPressed, this, &FindBar::replaceCurrent);
    connect(m_find, &QLineEdit::textChanged, this, [this] { m_status->clear(); });
}

void FindBar::showFind() {
    if (m_editor && m_editor->textCursor().hasSelection()) {
        const QString selected = m_editor->textCursor().selectedText();
        if (!selected.contains(QChar::ParagraphSeparator)) m_find->setText(selected);
    }
    m_replaceRow->hide();
    show();
    m_find->setFocus();
    m_find->selectAll();
}

void FindBar::showReplace() {
    showFind();
    m_replaceRow->show();
}

void FindBar::setFindText(const QString& text) {
    m_find->setText(text);
}
void FindBar::setReplaceText(const QString& text) {
    m_replace->setText(text);
}
void FindBar::setCaseSensitive(bool on) {
    m_caseSensitive->setChecked(on);
}
QString FindBar::findText() const {
    return m_find->text();
}

QString FindBar::statusText() const {
    return m_status->text();
}

QTextDocument::FindFlags FindBar::baseFlags() const {
    QTextDocument::FindFlags flags;
    if (m_caseSensitive->isChecked()) flags |= QTextDocument::FindCaseSensitively;
    if (m_wholeWords->isChecked()) flags |= QTextDocument::FindWholeWords;
    return flags;
}

bool FindBar::findNext() {
    return find(baseFlags());
}
bool FindBar::findPrevious() {
    return find(baseFlags() | QTextDocument::FindBackward);
}

// Searches from the cursor and wraps around once, like every editor the writer already knows.
bool FindBar::find(QTextDocument::FindFlags flags) {
    if (!m_editor || m_find->text().isEmpty()) return false;
    QTextDocument* doc = m_editor->document();
    QTextCursor found = doc->find(m_find->text(), m_editor->textCursor(), flags);
    bool wrapped = false;
    if (found.isNull()) {
        QTextCursor wrap(doc);
        if (flags & QTextDocument::FindBackward) wrap.movePosition(QTextCursor::End);
        found = doc->find(m_find->text(), wrap, flags);
        wrapped = !found.isNull();
    }
    if (found.isNull()) {
        showMessage(tr("Not found"));
        return false;
    }
    m_editor->setTextCursor(found);
    const MatchCount count = countMatches(found.selectionStart());
    QString message = count.total >= kMaxCounted ? tr("%1 of %2+").arg(count.index).arg(kMaxCounted)
                                                 : tr("%1 of %2").arg(count.index).arg(count.total);
    if (wrapped) message += tr(" \u00B7 wrapped around");
    showMessage(message);
    return true;
}

// Which match starts at `start` (1-based) and how many there are, up to kMaxCounted.
FindBar::MatchCount FindBar::countMatches(int start) const {
    QTextDocument* doc = m_editor->document();
    MatchCount count;
    QTextCursor match = doc->find(m_find->text(), 0, baseFlags());
    while (!match.isNull() && count.total < kMaxCounted) {
        ++count.total;
        if (match.selectionStart() == start) count.index = count.total;
        match = doc->find(m_find->text(), match, baseFlags());
    }
    return count;
}

bool FindBar::selectionMatches() const {
    const QTextCursor c = m_editor->textCursor();
    if (!c.hasSelection()) return false;
    const Qt::CaseSensitivity cs =
        m_caseSensitive->isChecked() ? Qt::CaseSensitive : Qt::CaseInsensitive;
    return c.selectedText().compare(m_find->text(), cs) == 0;
}

// Replaces the current match (if the selection is one) and moves on to the next.
bool FindBar::replaceCurrent() {
    if (!m_editor || m_find->text().isEmpty()) return false;
    bool replaced = false;
    if (selectionMatches()) {
        m_editor->textCursor().insertText(m_replace->text());
        replaced = true;
    }
    findNext();
    return replaced;
}

int FindBar::replaceAll() {
    if (!m_editor || m_find->text().isEmpty()) return 0;
    QTextDocument* doc = m_editor->document();
    const QTextDocument::FindFlags flags = baseFlags();
    QTextCursor edit(doc);
    edit.beginEditBlock(); // one undo step for the whole operation
    int count = 0;
    QTextCursor found = doc->find(m_find->text(), 0, flags);
    while (!found.isNull()) {
        found.insertText(m_replace->text());
        ++count;
        found = doc->find(m_find->text(), found, flags); // continues after the inserted text
    }
    edit.endEditBlock();
    showMessage(count == 1 ? tr("1 replacement") : tr("%1 replacements").arg(count));
    return count;
}

void FindBar::showMessage(const QString& text) {
    m_status->setText(text);
}

void FindBar::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Escape) {
        hide();
        if (m_editor) m_editor->setFocus();
        return;
    }
    QWidget::keyPressEvent(event);
}

} // namespace fabulist::ui
