#pragma once
// DownloadJob: one model file from a URL to its target, never blocking the GUI thread. The bytes
// go to <target>.part with a sidecar (download_sidecar.h); a dropped or stalled connection and a
// restart resume with an HTTP Range request (If-Range: the ETag, so a changed file starts over).
// Before any request the disk's free space is checked against the expected size, and again
// when the server has said the size. At the end the SHA-256 (the catalog's, else the server's
// X-Linked-ETag/ETag, as Hugging Face publishes for LFS files) is computed on a worker thread;
// only a match renames the .part to the target, a mismatch deletes it. An existing target is
// never replaced unless the request says so. ModelDownloader queues the jobs.
#include "ui/models/download_request.h"
#include "ui/models/transfer_rate.h"

#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QPointer>
#include <QTimer>

class QNetworkAccessManager;
class QNetworkReply;

namespace fabulist::ui {

class DownloadJob : public QObject {
    Q_OBJECT
public:
    DownloadJob(QNetworkAccessManager* network, DownloadRequest request, DownloadTuning tuning,
                QObject* parent = nullptr);
    ~DownloadJob() override;

    void start();
    // Stops the transfer and keeps the .part file and its sidecar; start() resumes it. Ignored
    // while verifying (the file is complete by then).
    void pause();

    DownloadState state() const { return m_state; }
    const DownloadProgress& progress() const { return m_progress; }
    const DownloadRequest& request() const { return m_request; }
    QString message() const { return m_message; }
    QString sha256() const { return m_sha256; }
    bool verified() const { return m_verified; }
    // Where the last request started (0: from the beginning) — what a resume asked for.
    qint64 resumedFrom() const { return m_resumedFrom; }

signals:
    void stateChanged(DownloadState state);
    void progressChanged(const DownloadProgress& progress);

private:
    void setState(DownloadState state);
    void fail(const QString& message);
    bool prepare(); // target, folder, sidecar, free space; false when it failed
    void sendRequest(const QUrl& url);
    void onHeaders();
    void onData();
    void onFinished();
    void onDropped(const QString& why);
    void onHashed(const QString& sha256);
    bool checkSpace(qint64 total);
    bool openPart(bool truncate);
    void discardPart(); // deletes the .part file and its sidecar
    void abortReply();
    void emitProgress(bool force);
    QString expectedSha256() const;

    QNetworkAccessManager* m_network;
    DownloadRequest m_request;
    DownloadTuning m_tuning;
    DownloadState m_state = DownloadState::Queued;
    DownloadProgress m_progress;
    QString m_message;
    QString m_sha256;
    bool m_verified = false;

    QPointer<QNetworkReply> m_reply;
    QFile m_part;
    QString m_etag;      // the file's ETag, for If-Range
    QString m_serverSha; // from X-Linked-ETag / ETag when it is a SHA-256
    qint64 m_resumedFrom = 0;
    int m_redirects = 0;
    int m_dropsInARow = 0;
    QTimer m_stallTimer;
    QTimer m_retryTimer;
    QTimer m_progressTimer; // the throttled progress's last word
    TransferRate m_rate;
    QElapsedTimer m_lastEmit;
};

} // namespace fabulist::ui
