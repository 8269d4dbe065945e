#pragma once
// DownloadStatusIndicator: the status bar's view of the ModelDownloader: a line ("Downloading
// Foo: 45% · … · 3 min left") and a small progress bar, hidden while nothing downloads. The
// window adds it with statusBar()->addPermanentWidget().
#include <QWidget>

class QLabel;
class QProgressBar;

namespace fabulist::ui {

class ModelDownloader;

class DownloadStatusIndicator : public QWidget {
    Q_OBJECT
public:
    explicit DownloadStatusIndicator(ModelDownloader* downloader, QWidget* parent = nullptr);

    QString text() const;

private:
    void showSummary(const QString& text, int percent);

    QLabel* m_label;
    QProgressBar* m_bar;
};

} // namespace fabulist::ui
