#include "ui/models/download_status_indicator.h"

#include "ui/models/model_downloader.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>

namespace fabulist::ui {

DownloadStatusIndicator::DownloadStatusIndicator(ModelDownloader* downloader, QWidget* parent)
    : QWidget(parent), m_label(new QLabel(this)), m_bar(new QProgressBar(this)) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_label);
    layout->addWidget(m_bar);
    m_bar->setMaximumWidth(fontMetrics().averageCharWidth() * 16);
    m_bar->setTextVisible(false);
    m_bar->setAccessibleName(tr("Model download progress"));
    connect(downloader, &ModelDownloader::summaryChanged, this,
            &DownloadStatusIndicator::showSummary);
    showSummary(downloader->summaryText(), downloader->summaryPercent());
}

QString DownloadStatusIndicator::text() const {
    return m_label->text();
}

void DownloadStatusIndicator::showSummary(const QString& text, int percent) {
    m_label->setText(text);
    // -1: a busy bar until the server says the size.
    m_bar->setRange(0, percent < 0 ? 0 : 100);
    if (percent >= 0) m_bar->setValue(percent);
    setVisible(!text.isEmpty());
}

} // namespace fabulist::ui
