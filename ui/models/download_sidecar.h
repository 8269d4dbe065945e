#pragma once
// DownloadSidecar: the small JSON file beside a .part file (<target>.part.json) that makes a
// resume safe after a restart: the URL the bytes came from, the full size, the server's ETag
// (sent back as If-Range, so a changed file starts over) and the checksum to verify against.
#include <QString>

namespace fabulist::ui {

struct DownloadSidecar {
    QString url;
    qint64 size = -1;
    QString etag;   // as the server sent it, quotes included
    QString sha256; // expected, hex; empty when none is known

    // nullopt-like: an empty url when the file is missing or unreadable.
    static DownloadSidecar read(const QString& path);
    bool write(const QString& path) const; // false when the disk refuses it
};

} // namespace fabulist::ui
