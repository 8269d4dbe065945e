#include "ui/project/snapshots_panel.h"

#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/project/snapshot_compare_view.h"

#include <QDateTime>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QTextDocument>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kNameMinChars = 40; // the name box is never narrower than this many characters

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
    m_list->setObjectName(QStringLiteral("snapshotList"));
    m_list->setColumnCount(3);
    m_list->setHeaderLabels({tr("Snapshot"), tr("When"), tr("Words")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    // A label, not a fake row: the list holds exactly the revisions storage holds.
    m_emptyHint = new QLabel(this);
    m_emptyHint->setObjectName(QStringLiteral("snapshotsEmptyHint"));
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_emptyHint->setContentsMargins(6, 6, 6, 6);
    m_emptyHint->setForegroundRole(QPalette::PlaceholderText);

    m_take = new QPushButton(tr("Take Snapshot\u2026"), this);
    m_take->setObjectName(QStringLiteral("takeSnapshotButton"));
    m_restore = new QPushButton(tr("Restore"), this);
    m_restore->setObjectName(QStringLiteral("restoreSnapshotButton"));
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
    layout->addWidget(m_emptyHint, 1);
    layout->addLayout(buttons);

    connect(m_take, &QPushButton::clicked, this, &SnapshotsPanel::takeSnapshotInteractive);
    connect(m_restore, &QPushButton::clicked, this, &SnapshotsPanel::askRestoreSelected);
    connect(m_compare, &QPushButton::clicked, this, &SnapshotsPanel::compareSelected);
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &SnapshotsPanel::updateButtons);
    setNode(std::nullopt);
}

void SnapshotsPanel::setContext(storage::Project* project, DocumentSession* session) {
    m_project = project;
    m_session = session;
    disconnect(m_revisionsConnection); // one refresh per change, whatever session came before
    if (session)
        m_revisionsConnection =
            connect(session, &DocumentSession::revisionsChanged, this, [this](int64_t nodeId) {
                if (m_nodeId == nodeId) refresh();
            });
    setNode(std::nullopt);
}

void SnapshotsPanel::setNode(std::optional<int64_t> nodeId) {
    m_nodeId = nodeId;
    refresh();
}

void SnapshotsPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_project) refresh();
}

// Rebuilt from storage every time (restore, take, autosave): the list never guesses.
void SnapshotsPanel::refresh() {
    const std::optional<int64_t> selected = selectedRevision();
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
    const bool empty = m_list->topLevelItemCount() == 0;
    m_emptyHint->setText(m_nodeId ? tr("No snapshots yet. Take one before a big change; "
                                       "autosaves appear here as you write.")
                                  : QString());
    m_list->setVisible(!empty);
    m_emptyHint->setVisible(empty);
    if (selected) selectRevision(*selected);
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

QInputDialog* SnapshotsPanel::takeSnapshotInteractive() {
    if (!m_session || !m_nodeId) return nullptr;
    const QString suggested =
        tr("Snapshot %1")
            .arg(QLocale().toString(QDateTime::currentDateTime(), QLocale::ShortFormat));
    auto* dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("takeSnapshotDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Take Snapshot"));
    dialog->setLabelText(tr("Snapshot name:"));
    dialog->setInputMode(QInputDialog::TextInput);
    dialog->setTextValue(suggested);
    // Wide enough for its own suggestion, with room for the cursor and the frame.
    if (auto* edit = dialog->findChild<QLineEdit*>()) {
        const QFontMetrics fm = edit->fontMetrics();
        const int room = 4 * fm.averageCharWidth();
        edit->setMinimumWidth(
            qMax(fm.horizontalAdvance(suggested), kNameMinChars * fm.averageCharWidth()) + room);
    }
    const int64_t nodeId = *m_nodeId;
    connect(dialog, &QInputDialog::textValueSelected, this, [this, nodeId](const QString& name) {
        // The writer may have moved on while the dialog was open: snapshot what it was for.
        if (m_nodeId == nodeId && !name.trimmed().isEmpty()) takeSnapshot(name.trimmed());
    });
    dialog->open(); // window-modal, no nested event loop
    return dialog;
}

bool SnapshotsPanel::restoreSelected() {
    const std::optional<int64_t> id = selectedRevision();
    return id && restoreRevision(*id);
}

bool SnapshotsPanel::restoreRevision(int64_t revisionId) {
    if (!m_session) return false;
    const bool ok = m_session->restoreRevision(revisionId);
    refresh();
    return ok;
}

QMessageBox* SnapshotsPanel::askRestoreSelected() {
    const std::optional<int64_t> id = selectedRevision();
    if (!m_project || !m_session || !id) return nullptr;
    storage::Revision r;
    qsizetype characters = 0;
    try {
        r = m_project->revisions().revision(*id);
        characters = QString::fromStdString(m_project->revisions().text(*id)).size();
    } catch (const std::exception& e) {
        emit errorOccurred(QString::fromUtf8(e.what()));
        return nullptr;
    }
    const QLocale locale;
    const QDateTime when = QDateTime::fromMSecsSinceEpoch(r.createdAtMs).toLocalTime();
    const QString date = locale.toString(when.date(), QLocale::LongFormat) + QStringLiteral(", ") +
                         locale.toString(when.time(), QLocale::ShortFormat);
    auto* box = new QMessageBox(QMessageBox::Question, tr("Restore Snapshot"),
                                tr("Restore \u201C%1\u201D from %2?").arg(revisionTitle(r), date),
                                QMessageBox::Ok | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("restoreConfirmation"));
    box->setTextFormat(Qt::PlainText);
    box->setInformativeText(
        tr("It holds %1 words (%2 characters). The text in the editor now is kept as the "
           "snapshot \u201C%3\u201D, so you can go back.")
            .arg(locale.toString(r.wordCount), locale.toString(characters),
                 DocumentSession::safetySnapshotName(QDateTime::currentDateTime())));
    box->button(QMessageBox::Ok)->setText(tr("Restore"));
    box->setDefaultButton(QMessageBox::Ok);
    box->setEscapeButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const int64_t revisionId = *id;
    connect(box, &QMessageBox::finished, this, [this, revisionId](int result) {
        if (result == QMessageBox::Ok) restoreRevision(revisionId);
    });
    box->open(); // window-modal, no nested event loop
    return box;
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
