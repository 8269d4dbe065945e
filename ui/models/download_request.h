#pragma once
// What the model downloader is asked for and what it reports about each download: plain values
// that ModelDownloader hands to the Models dialog and the status bar.
#include <QString>
#include <QUrl>

namespace fabulist::ui {

struct DownloadRequest {
    QUrl url;
    QString targetPath;       // the finished file; the bytes go to targetPath + ".part" first
    QString displayName;      // shown in progress and messages (empty: the target's file name)
    QString expectedSha256;   // hex, from the catalog; empty: the server's checksum header
    qint64 expectedSize = -1; // from the catalog: the disk-space check before any request
    bool overwrite = false;   // replace an existing targetPath (never unless asked)
};

enum class DownloadState {
    Queued,      // waiting for a free slot
    Connecting,  // request sent, no bytes yet
    Downloading, // bytes arriving
    Retrying,    // the connection dropped or stalled; resumes with a Range request soon
    Verifying,   // comparing the SHA-256 before the rename
    Paused,      // stopped by the writer; the .part file stays for resume()
    Finished,    // the target is in place
    Failed,      // see DownloadEntry::message
    Cancelled,   // stopped for good; the .part file stays unless asked to delete it
};

struct DownloadProgress {
    qint64 received = 0; // bytes in the .part file
    qint64 total = -1;   // -1 while unknown
    double bytesPerSecond = 0;
    double secondsLeft = -1; // -1 while unknown
};

// How patient a download is; tests shorten the waits.
struct DownloadTuning {
    int stallTimeoutMs = 30000; // no byte for this long counts as a dropped connection
    int maxRetries = 5;         // drops in a row before the download fails (the .part stays)
    int retryDelayMs = 2000;    // doubled after each drop in a row
};

struct DownloadEntry {
    int id = 0;
    DownloadRequest request;
    DownloadState state = DownloadState::Queued;
    DownloadProgress progress;
    QString message;       // why it failed, or a note on success (e.g. no checksum published)
    QString sha256;        // of the finished file
    bool verified = false; // sha256 matched the catalog's or the server's checksum
};

QString displayNameOf(const DownloadRequest& request);
inline QString partPathFor(const QString& targetPath) {
    return targetPath + QStringLiteral(".part");
}
// The sidecar beside the .part file: URL, size, ETag and checksum, so a resume after a restart
// asks for the same bytes (download_sidecar.h).
inline QString sidecarPathFor(const QString& targetPath) {
    return targetPath + QStringLiteral(".part.json");
}
bool isActive(DownloadState state); // Connecting .. Verifying: holds a slot
bool isDone(DownloadState state);   // Finished, Failed or Cancelled

} // namespace fabulist::ui
