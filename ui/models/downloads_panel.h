#pragma once
// DownloadsPanel: the model downloads of a ModelDownloader as a list (model, status, a progress
// bar, bytes · speed · time left or the message), with Pause, Resume and Cancel for the selected
// one. The Models dialog shows it under the catalog (download_hook.h); hidden while empty.
#include <QHash>
#include <QWidget>

class QProgressBar;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace fabulist::ui {

class ModelDownloader;

class DownloadsPanel : public QWidget {
    Q_OBJECT
public:
    enum Column { Name, Status, Progress, Details, Columns };

    explicit DownloadsPanel(ModelDownloader* downloader, QWidget* parent = nullptr);

    QTreeWidget* list() const { return m_list; }
    QPushButton* pauseButton() const { return m_pause; }
    QPushButton* resumeButton() const { return m_resume; }
    QPushButton* cancelButton() const { return m_cancel; }
    int selectedId() const; // 0: none

private:
    void addRow(int id);
    void updateRow(int id);
    void updateButtons();

    ModelDownloader* m_downloader;
    QTreeWidget* m_list;
    QPushButton* m_pause;
    QPushButton* m_resume;
    QPushButton* m_cancel;
    QHash<int, QTreeWidgetItem*> m_rows;
    QHash<int, QProgressBar*> m_bars;
};

} // namespace fabulist::ui
