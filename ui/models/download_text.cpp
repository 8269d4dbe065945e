#include "ui/models/download_text.h"

#include <QCoreApplication>
#include <algorithm>
#include <cmath>

namespace fabulist::ui {

namespace {
QString tr(const char* text) {
    return QCoreApplication::translate("ModelDownloader", text);
}
} // namespace

QString formatBytes(qint64 bytes) {
    // Decimal units, as disks and download pages count them.
    if (bytes < 1000) return tr("%1 B").arg(bytes);
    if (bytes < 1000 * 1000) return tr("%1 KB").arg(std::lround(double(bytes) / 1e3));
    if (bytes < 1000LL * 1000 * 1000) return tr("%1 MB").arg(double(bytes) / 1e6, 0, 'f', 1);
    return tr("%1 GB").arg(double(bytes) / 1e9, 0, 'f', 2);
}

QString formatSecondsLeft(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return {};
    const long s = std::lround(seconds);
    if (s < 60) return tr("%1 s left").arg(s);
    if (s < 3600) return tr("%1 min left").arg((s + 30) / 60);
    return tr("%1 h %2 min left").arg(s / 3600).arg((s % 3600) / 60);
}

QString downloadStateText(DownloadState state) {
    switch (state) {
    case DownloadState::Queued:
        return tr("Queued");
    case DownloadState::Connecting:
        return tr("Connecting");
    case DownloadState::Downloading:
        return tr("Downloading");
    case DownloadState::Retrying:
        return tr("Connection lost, resuming");
    case DownloadState::Verifying:
        return tr("Checking SHA-256");
    case DownloadState::Paused:
        return tr("Paused");
    case DownloadState::Finished:
        return tr("Done");
    case DownloadState::Failed:
        return tr("Failed");
    case DownloadState::Cancelled:
        return tr("Cancelled");
    }
    return {};
}

QString progressText(const DownloadProgress& progress) {
    QStringList parts;
    parts << (progress.total > 0
                  ? tr("%1 of %2").arg(formatBytes(progress.received), formatBytes(progress.total))
                  : formatBytes(progress.received));
    if (progress.bytesPerSecond > 0)
        parts << tr("%1/s").arg(formatBytes(qint64(progress.bytesPerSecond)));
    const QString left = formatSecondsLeft(progress.secondsLeft);
    if (!left.isEmpty()) parts << left;
    return parts.join(QStringLiteral(" · "));
}

int progressPercent(const DownloadProgress& progress) {
    if (progress.total <= 0) return -1;
    return int(std::clamp<qint64>(progress.received * 100 / progress.total, 0, 100));
}

} // namespace fabulist::ui
