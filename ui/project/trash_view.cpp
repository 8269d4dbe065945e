#include "ui/project/trash_view.h"

#include "storage/binder_repository.h"
#include "ui/project/binder_model.h"
#include "ui/project/node_icons.h"

#include <QHBoxLayout>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;
}

TrashView::TrashView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("trashView"));
    m_list = new QListWidget(this);
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->setIconSize(QSize(16, 16));
    m_restore = new QPushButton(tr("Restore"), this);
    m_restore->setToolTip(tr("Put the selected item back where it was"));
    m_empty = new QPushButton(tr("Empty Trash\u2026"), this);

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(6, 4, 6, 6);
    buttons->addWidget(m_restore);
    buttons->addStretch(1);
    buttons->addWidget(m_empty);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);

    connect(m_restore, &QPushButton::clicked, this, &TrashView::restoreSelected);
    connect(m_empty, &QPushButton::clicked, this, [this] { emptyTrash(false); });
    connect(m_list, &QListWidget::itemSelectionChanged, this, &TrashView::updateButtons);
    connect(m_list, &QListWidget::itemDoubleClicked, this, &TrashView::restoreSelected);
    updateButtons();
}

void TrashView::setBinder(storage::BinderRepository* binder) {
    m_binder = binder;
    refresh();
}

void TrashView::refresh() {
    m_list->clear();
    if (m_binder) {
        try {
            for (const storage::BinderNode& n : m_binder->trashed()) {
                auto* item = new QListWidgetItem(nodeIcon(n.kind), QString::fromStdString(n.title));
                item->setData(kIdRole, QVariant::fromValue<qint64>(n.id));
                item->setToolTip(kindLabel(n.kind));
                m_list->addItem(item);
            }
        } catch (const std::exception& e) {
            emit errorOccurred(QString::fromUtf8(e.what()));
        }
    }
    updateButtons();
    emit countChanged(m_list->count());
}

int TrashView::count() const {
    return m_list->count();
}

QList<qint64> TrashView::nodeIds() const {
    QList<qint64> ids;
    for (int i = 0; i < m_list->count(); ++i) ids << m_list->item(i)->data(kIdRole).toLongLong();
    return ids;
}

void TrashView::selectNode(int64_t id) {
    for (int i = 0; i < m_list->count(); ++i)
        if (m_list->item(i)->data(kIdRole).toLongLong() == id) m_list->setCurrentRow(i);
}

bool TrashView::restoreSelected() {
    QListWidgetItem* item = m_list->currentItem();
    return item && restoreNode(item->data(kIdRole).toLongLong());
}

bool TrashView::restoreNode(int64_t id) {
    if (!m_binder) return false;
    try {
        m_binder->restore(id);
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    refresh();
    emit restored(id);
    return true;
}

bool TrashView::emptyTrash(bool confirmed) {
    if (!m_binder || m_list->count() == 0) return false;
    if (!confirmed &&
        QMessageBox::question(this, tr("Empty Trash"),
                              tr("Delete the %n item(s) in the trash for good? Their text and "
                                 "snapshots are deleted too. This cannot be undone.",
                                 nullptr, m_list->count())) != QMessageBox::Yes)
        return false;
    try {
        m_binder->emptyTrash();
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    refresh();
    emit emptied();
    return true;
}

void TrashView::updateButtons() {
    m_restore->setEnabled(m_list->currentItem() != nullptr);
    m_empty->setEnabled(m_list->count() > 0);
}

} // namespace fabulist::ui
