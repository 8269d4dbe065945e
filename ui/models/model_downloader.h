#pragma once
// ModelDownloader: the queue of model downloads for a window (the Models dialog adds to it, the
// status bar shows it). Each download is a DownloadJob (download_job.h: .part file, Range
// resume, disk-space check, SHA-256 before the rename); at most maxConcurrent() run at once, the
// rest wait their turn in the order they were asked for. Everything happens on the GUI thread's
// event loop (Qt Network's own threads move the bytes; the checksum runs on a worker thread),
// so nothing here blocks the window.
//
// Ids stay valid until forget(): the dialog keeps showing a finished or failed download.
#include "ui/models/download_request.h"

#include <QList>
#include <QObject>
#include <optional>

class QNetworkAccessManager;

namespace fabulist::ui {

class DownloadJob;

class ModelDownloader : public QObject {
    Q_OBJECT
public:
    explicit ModelDownloader(QObject* parent = nullptr);
    ~ModelDownloader() override;

    // Queues `request` and returns its id. A second request for a target that is already
    // queued or running returns that download's id instead.
    int enqueue(const DownloadRequest& request);
    // Pause keeps the .part file and the place in the list; resume() puts it back in the queue.
    void pause(int id);
    void resume(int id);
    // Stops it for good. The .part file stays for a later download of the same URL to resume,
    // unless `deletePartial`.
    void cancel(int id, bool deletePartial = false);
    void forget(int id); // drops a finished, failed or cancelled download from the list

    void setMaxConcurrent(int count); // 1 or 2
    int maxConcurrent() const { return m_maxConcurrent; }
    void setTuning(const DownloadTuning& tuning) { m_tuning = tuning; }

    QList<int> ids() const;
    std::optional<DownloadEntry> entry(int id) const;
    // Where the last request of download `id` started: 0, or the .part's size on a resume.
    qint64 resumedFrom(int id) const;
    bool isBusy() const; // something queued or running

    // One line for the status bar ("Downloading Foo 7B: 45% · 2.1 GB of 4.4 GB · 12 MB/s ·
    // 3 min left · 1 more queued"), empty when nothing is queued or running; and its percent
    // (-1: unknown or idle).
    QString summaryText() const;
    int summaryPercent() const;

signals:
    void entryAdded(int id);
    void entryChanged(int id); // state, progress or message
    void entryFinished(int id, const QString& targetPath);
    void entryFailed(int id, const QString& message);
    void summaryChanged(const QString& text, int percent);

private:
    struct Item {
        int id;
        DownloadJob* job;
        DownloadState state; // Queued/Paused/Cancelled are the queue's; the rest the job's
    };
    Item* find(int id);
    const Item* find(int id) const;
    void startWaiting(); // fills the free slots from the queue, oldest first
    void onJobState(int id);
    void emitSummary();

    QNetworkAccessManager* m_network;
    QList<Item> m_items;
    DownloadTuning m_tuning;
    int m_maxConcurrent = 1;
    int m_nextId = 1;
    bool m_filling = false;
};

} // namespace fabulist::ui
