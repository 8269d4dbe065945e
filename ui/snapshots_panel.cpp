#include "ui/snapshots_panel.h"

#include "storage/project.h"
#include "ui/document_session.h"
#include "ui/snapshot_compare_view.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTextDocument>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;

QString whenText(int64_t ms) {
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms).toLocalTime();
    const QLocale locale;
    if (t.date() == QDate::currentDate()) return locale.toString(t.time(), QLocale::ShortFormat);
    return locale.toString(t, QLocale::ShortFormat);
}

QString revisionTitle(const storage::Revision& r) {
    return r.kind == storage::RevisionKind::Named ? QString::fromStdString(r.name)
                                                  : SnapshotsPanel::tr("Autosave");
}
} // namespace

SnapshotsPanel::SnapshotsPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("snapshotsPanel"));
    m_title = new QLabel(this);
    m_title->setWordWrap(true);
    m_title->setContentsMargins(6, 6, 6, 2);
    m_list = new QTreeWidget(this);
    m_list->setColumnCount(3);
    m_list->setHeaderLabels({tr("Snapshot"), tr("When"), tr("Words")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);

    m_take = new QPushButton(tr("Take Snapshot\u2026"), this);
    m_take->setObjectName(QStringLiteral("takeSnapshotButton"));
    m_restore = new QPushButton(tr("Restore"), this);
    m_restore->setToolTip(tr("Make the selected snapshot the current text (the current text is "
                             "kept as a snapshot first)"));
    m_compare = new QPushButton(tr("Compare"), this);
    m_compare->setToolTip(tr("Show the selected snapshot beside the current text"));

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(6, 4, 6, 6);
    buttons->addWidget(m_take);
    buttons->addStretch(1);
    buttons->addWidget(m_compare);
    buttons->addWidget(m_restore);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_title);
    layout->addWidget(m_list, 1);
    layout->addLayout(buttons);

    connect(m_take, &QPushButton::clicked, this, &SnapshotsPanel::takeSnapshotInteractive);
    connect(m_restore, &QPushButton::clicked, this, &SnapshotsPanel::restoreSelected);
    connect(m_compare, &QPushButton::clicked, this, &SnapshotsPanel::compareSelected);
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &SnapshotsPanel::updateButtons);
    setNode(std::nullopt);
}

void SnapshotsPanel::setContext(storage::Project* project, DocumentSession* session) {
    m_project = project;
    m_session = session;
    if (session)
        connect(session, &DocumentSession::revisionsChanged, this, [this](int64_t nodeId) {
            if (m_nodeId == nodeId) refresh();
        });
    setNode(std::nullopt);
}

void SnapshotsPanel::setNode(std::optional<int64_t> nodeId) {
    m_nodeId = nodeId;
    refresh();
}

void SnapshotsPanel::refresh() {
    m_list->clear();
    m_title->setText(tr("No document selected"));
    if (m_project && m_nodeId) {
        try {
            m_title->setText(
                tr("Snapshots of <b>%1</b>")
                    .arg(QString::fromStdString(m_project->binder().node(*m_nodeId).title)
                             .toHtmlEscaped()));
            const QLocale locale;
            for (const storage::Revision& r : m_project->revisions().list(*m_nodeId)) {
                auto* item = new QTreeWidgetItem(
                    {revisionTitle(r), whenText(r.createdAtMs), locale.toString(r.wordCount)});
                item->setData(0, kIdRole, QVariant::fromValue<qint64>(r.id));
                item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
                if (r.kind == storage::RevisionKind::Autosave)
                    item->setForeground(0, palette().color(QPalette::PlaceholderText));
                m_list->addTopLevelItem(item);
            }
        } catch (const std::exception& e) {
            emit errorOccurred(QString::fromUtf8(e.what()));
        }
    }
    // An empty list explains itself instead of showing a blank area.
    if (m_list->topLevelItemCount() == 0) {
        m_list->setHeaderHidden(true);
        auto* hint = new QTreeWidgetItem(
            {m_nodeId ? tr("No snapshots yet. Take one before a big change;\nautosaves appear "
                           "here as you write.")
                      : QString()});
        hint->setFlags(Qt::NoItemFlags);
        hint->setForeground(0, palette().color(QPalette::PlaceholderText));
        m_list->addTopLevelItem(hint);
        m_list->setFirstColumnSpanned(0, {}, true);
    } else {
        m_list->setHeaderHidden(false);
    }
    updateButtons();
}

QList<qint64> SnapshotsPanel::revisionIds() const {
    QList<qint64> ids;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        const QVariant id = m_list->topLevelItem(i)->data(0, kIdRole);
        if (id.isValid()) ids << id.toLongLong();
    }
    return ids;
}

void SnapshotsPanel::selectRevision(int64_t revisionId) {
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_list->topLevelItem(i);
        if (item->data(0, kIdRole).toLongLong() == revisionId) m_list->setCurrentItem(item);
    }
}

std::optional<int64_t> SnapshotsPanel::selectedRevision() const {
    const QTreeWidgetItem* item = m_list->currentItem();
    if (!item || !item->data(0, kIdRole).isValid()) return std::nullopt;
    return item->data(0, kIdRole).toLongLong();
}

std::optional<int64_t> SnapshotsPanel::takeSnapshot(const QString& name) {
    if (!m_session || !m_nodeId) return std::nullopt;
    const std::optional<int64_t> id = m_session->takeSnapshot(name);
    if (id) {
        refresh();
        selectRevision(*id);
    }
    return id;
}

void SnapshotsPanel::takeSnapshotInteractive() {
    if (!m_session || !m_nodeId) return;
    const QString suggested =
        tr("Snapshot %1")
            .arg(QLocale().toString(QDateTime::currentDateTime(), QLocale::ShortFormat));
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Take Snapshot"), tr("Snapshot name:"),
                                               QLineEdit::Normal, suggested, &ok);
    if (ok && !name.trimmed().isEmpty()) takeSnapshot(name.trimmed());
}

bool SnapshotsPanel::restoreSelected() {
    const std::optional<int64_t> id = selectedRevision();
    if (!m_session || !id) return false;
    const bool ok = m_session->restoreRevision(*id);
    refresh();
    return ok;
}

SnapshotCompareView* SnapshotsPanel::compareSelected() {
    const std::optional<int64_t> id = selectedRevision();
    if (!m_project || !m_session || !id) return nullptr;
    QString oldText, oldTitle;
    try {
        const storage::Revision r = m_project->revisions().revision(*id);
        oldText = QString::fromStdString(m_project->revisions().text(*id));
        oldTitle =
            revisionTitle(r) + QStringLiteral(" (") + whenText(r.createdAtMs) + QStringLiteral(")");
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return nullptr;
    }
    // The current text is what the editor shows, saved or not.
    const QTextDocument* doc = m_session->currentDocument();
    const QString current = doc ? doc->toPlainText() : QString();
    auto* view = new SnapshotCompareView(oldTitle, oldText, tr("Current text"), current, this);
    view->setAttribute(Qt::WA_DeleteOnClose);
    view->show();
    return view;
}

void SnapshotsPanel::updateButtons() {
    const bool hasDoc = m_session && m_nodeId;
    const bool hasSelection = hasDoc && selectedRevision().has_value();
    // A read-only project's snapshots can be compared, not taken or restored.
    const bool writable = m_project && !m_project->isReadOnly();
    m_take->setEnabled(hasDoc && writable);
    m_restore->setEnabled(hasSelection && writable);
    m_compare->setEnabled(hasSelection);
}

} // namespace fabulist::ui
