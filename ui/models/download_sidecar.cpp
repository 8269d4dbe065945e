#include "ui/models/download_sidecar.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace fabulist::ui {

DownloadSidecar DownloadSidecar::read(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
    DownloadSidecar sidecar;
    sidecar.url = json.value(QStringLiteral("url")).toString();
    sidecar.size = json.value(QStringLiteral("size")).toInteger(-1);
    sidecar.etag = json.value(QStringLiteral("etag")).toString();
    sidecar.sha256 = json.value(QStringLiteral("sha256")).toString();
    return sidecar;
}

bool DownloadSidecar::write(const QString& path) const {
    QSaveFile file(path); // never a half-written sidecar, even on a full disk
    if (!file.open(QIODevice::WriteOnly)) return false;
    const QJsonObject json{{QStringLiteral("url"), url},
                           {QStringLiteral("size"), size},
                           {QStringLiteral("etag"), etag},
                           {QStringLiteral("sha256"), sha256}};
    file.write(QJsonDocument(json).toJson());
    return file.commit();
}

} // namespace fabulist::ui
