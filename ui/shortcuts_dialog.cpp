#include "ui/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {

QString plain(QString text) {
    text.remove(QLatin1Char('&'));
    text.remove(QChar(0x2026));
    return text;
}

QString keysOf(const QAction* action) {
    QStringList keys;
    for (const QKeySequence& k : action->shortcuts()) keys << k.toString(QKeySequence::NativeText);
    return keys.join(QStringLiteral(", "));
}

// Adds the menu's actions with shortcuts (submenus too) under a group item; returns how many.
int addMenu(QTreeWidgetItem* group, const QMenu* menu, QSet<const QAction*>& seen) {
    int added = 0;
    for (QAction* action : menu->actions()) {
        if (action->menu()) {
            added += addMenu(group, action->menu(), seen);
            continue;
        }
        seen.insert(action);
        if (action->shortcuts().isEmpty()) continue;
        new QTreeWidgetItem(group, {plain(action->text()), keysOf(action)});
        ++added;
    }
    return added;
}

QTreeWidgetItem* addGroup(QTreeWidget* list, const QString& title) {
    auto* group = new QTreeWidgetItem(list, {title});
    QFont bold = group->font(0);
    bold.setBold(true);
    group->setFont(0, bold);
    return group;
}

} // namespace

ShortcutsDialog::ShortcutsDialog(QMainWindow* window) : QDialog(window) {
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard Shortcuts"));
    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("shortcutsList"));
    m_list->setHeaderLabels({tr("Action"), tr("Shortcut")});
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    QSet<const QAction*> seen;
    for (QAction* top : window->menuBar()->actions()) {
        if (!top->menu()) continue;
        QTreeWidgetItem* group = addGroup(m_list, plain(top->text()));
        if (addMenu(group, top->menu(), seen) == 0) delete group;
    }
    // Keys that work without a menu entry (Esc leaves focus mode, ...).
    QTreeWidgetItem* other = addGroup(m_list, tr("Other"));
    for (const QAction* action : window->findChildren<QAction*>()) {
        if (seen.contains(action) || action->shortcuts().isEmpty() || action->text().isEmpty())
            continue;
        seen.insert(action);
        new QTreeWidgetItem(other, {plain(action->text()), keysOf(action)});
    }
    if (other->childCount() == 0) delete other;
    m_list->expandAll();
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_list);
    layout->addWidget(buttons);
    resize(520, 640);
}

QList<QPair<QString, QString>> ShortcutsDialog::entries() const {
    QList<QPair<QString, QString>> out;
    for (int g = 0; g < m_list->topLevelItemCount(); ++g) {
        const QTreeWidgetItem* group = m_list->topLevelItem(g);
        for (int i = 0; i < group->childCount(); ++i)
            out.append({group->text(0) + QStringLiteral(" > ") + group->child(i)->text(0),
                        group->child(i)->text(1)});
    }
    return out;
}

} // namespace fabulist::ui
