#include "ui/models/downloads_panel.h"

#include "ui/models/download_text.h"
#include "ui/models/model_downloader.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fabulist::ui {

DownloadsPanel::DownloadsPanel(ModelDownloader* downloader, QWidget* parent)
    : QWidget(parent), m_downloader(downloader), m_list(new QTreeWidget),
      m_pause(new QPushButton(tr("&Pause"))), m_resume(new QPushButton(tr("Resu&me"))),
      m_cancel(new QPushButton(tr("Cance&l Download"))) {
    setObjectName(QStringLiteral("downloadsPanel"));
    m_list->setObjectName(QStringLiteral("downloadsList"));
    m_list->setHeaderLabels({tr("Model"), tr("Status"), tr("Progress"), tr("Details")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->header()->setSectionResizeMode(Details, QHeaderView::Stretch);
    m_list->setMaximumHeight(fontMetrics().height() * 7); // a few rows under the catalog
    auto* label = new QLabel(tr("Downl&oads"));
    label->setBuddy(m_list);
    m_cancel->setToolTip(tr("Stop the download; what has arrived stays for a later Download"));
    m_pause->setToolTip(tr("Stop for now; Resume continues where it stopped"));
    // The keyboard moves to the button that undoes it, as the pressed one is disabled now.
    connect(m_pause, &QPushButton::clicked, this, [this] {
        m_downloader->pause(selectedId());
        if (m_resume->isEnabled()) m_resume->setFocus();
    });
    connect(m_resume, &QPushButton::clicked, this, [this] {
        m_downloader->resume(selectedId());
        if (m_pause->isEnabled()) m_pause->setFocus();
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] { m_downloader->cancel(selectedId()); });
    connect(m_list, &QTreeWidget::currentItemChanged, this, &DownloadsPanel::updateButtons);
    connect(downloader, &ModelDownloader::entryAdded, this, &DownloadsPanel::addRow);
    connect(downloader, &ModelDownloader::entryChanged, this, &DownloadsPanel::updateRow);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_pause);
    buttons->addWidget(m_resume);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(label);
    layout->addWidget(m_list);
    layout->addLayout(buttons);
    for (int id : downloader->ids()) addRow(id);
    setVisible(!m_rows.isEmpty());
    updateButtons();
}

int DownloadsPanel::selectedId() const {
    const QTreeWidgetItem* item = m_list->currentItem();
    return item ? item->data(Name, Qt::UserRole).toInt() : 0;
}

void DownloadsPanel::addRow(int id) {
    auto* item = new QTreeWidgetItem(m_list);
    item->setData(Name, Qt::UserRole, id);
    auto* bar = new QProgressBar;
    bar->setAccessibleName(tr("Download progress"));
    m_list->setItemWidget(item, Progress, bar);
    m_rows.insert(id, item);
    m_bars.insert(id, bar);
    m_list->setCurrentItem(item); // the new one is what the writer looks at next
    setVisible(true);
    updateRow(id);
}

void DownloadsPanel::updateRow(int id) {
    const auto entry = m_downloader->entry(id);
    QTreeWidgetItem* item = m_rows.value(id);
    if (!entry || !item) return;
    item->setText(Name, displayNameOf(entry->request));
    item->setText(Status, downloadStateText(entry->state));
    const bool showMessage = entry->state == DownloadState::Failed ||
                             (entry->state == DownloadState::Finished && !entry->verified);
    const QString details = showMessage ? entry->message
                            : entry->state == DownloadState::Finished
                                ? tr("SHA-256 verified: %1").arg(entry->sha256)
                                : progressText(entry->progress);
    item->setText(Details, details);
    item->setToolTip(Details, details);
    QProgressBar* bar = m_bars.value(id);
    const int percent = progressPercent(entry->progress);
    const bool busy = percent < 0 && isActive(entry->state);
    bar->setRange(0, busy ? 0 : 100);
    bar->setValue(qMax(0, percent));
    if (id == selectedId()) updateButtons();
}

void DownloadsPanel::updateButtons() {
    const auto entry = m_downloader->entry(selectedId());
    const DownloadState state = entry ? entry->state : DownloadState::Finished;
    m_pause->setEnabled(entry && (state == DownloadState::Queued ||
                                  (isActive(state) && state != DownloadState::Verifying)));
    m_resume->setEnabled(entry &&
                         (state == DownloadState::Paused || state == DownloadState::Failed ||
                          state == DownloadState::Cancelled));
    m_cancel->setEnabled(entry && !isDone(state) && state != DownloadState::Verifying);
}

} // namespace fabulist::ui
