#include "ui/project/replace_preview_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fabulist::ui {

ReplacePreviewDialog::ReplacePreviewDialog(const ReplacePlan& plan, QWidget* parent)
    : QDialog(parent), m_plan(plan) {
    setObjectName(QStringLiteral("replacePreviewDialog"));
    setWindowTitle(tr("Replace All in Project"));
    const int documents = int(plan.changes.size());
    auto* summary = new QLabel(this);
    summary->setWordWrap(true);
    summary->setText(
        documents == 0
            ? tr("\u201C%1\u201D is not in any document in scope.").arg(plan.find.toHtmlEscaped())
            : tr("Replace <b>%1</b> occurrence(s) of \u201C%2\u201D with \u201C%3\u201D in %4 "
                 "document(s). A snapshot of each document is taken first.")
                  .arg(plan.total())
                  .arg(plan.find.toHtmlEscaped(), plan.replacement.toHtmlEscaped())
                  .arg(documents));

    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("replacePreviewList"));
    m_list->setHeaderLabels({tr("Document"), tr("Replacements"), tr("Before"), tr("After")});
    m_list->setRootIsDecorated(false);
    m_list->setAlternatingRowColors(true);
    m_list->setWordWrap(true);
    for (const ReplaceChange& change : plan.changes) {
        auto* item =
            new QTreeWidgetItem(m_list, {change.title, QString::number(change.matches.size()),
                                         change.before, change.after});
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(2, change.before);
        item->setToolTip(3, change.after);
    }
    m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(3, QHeaderView::Stretch);
    if (m_list->topLevelItemCount() > 0) m_list->setCurrentItem(m_list->topLevelItem(0));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_replace =
        buttons->addButton(tr("&Replace %1").arg(plan.total()), QDialogButtonBox::AcceptRole);
    m_replace->setObjectName(QStringLiteral("confirmReplaceButton"));
    m_replace->setEnabled(documents > 0);
    m_replace->setDefault(documents > 0);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary);
    layout->addWidget(m_list, 1);
    layout->addWidget(buttons);
    resize(760, 420);
}

} // namespace fabulist::ui
