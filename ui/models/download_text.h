#pragma once
// Human-readable download figures: sizes, speeds, time left, and the one-line progress that the
// Models dialog and the status bar show.
#include "ui/models/download_request.h"

#include <QString>

namespace fabulist::ui {

QString formatBytes(qint64 bytes);         // "812 KB", "21.6 MB", "4.37 GB"
QString formatSecondsLeft(double seconds); // "12 s left", "3 min left", "1 h 5 min left"
QString downloadStateText(DownloadState state);
// "21.6 MB of 4.37 GB · 12.3 MB/s · 6 min left" (or what is known of it).
QString progressText(const DownloadProgress& progress);
int progressPercent(const DownloadProgress& progress); // -1 while the total is unknown

} // namespace fabulist::ui
