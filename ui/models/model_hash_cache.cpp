#include "ui/models/model_hash_cache.h"

#include "inference/heads/sha256.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace fabulist::ui {

namespace {

QString cacheFile() {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    QDir().mkpath(dir);
    return QDir(dir).filePath(QStringLiteral("model-sha256.ini"));
}

// "size:mtime": a file rewritten in place (a new download) gets hashed again.
QString stamp(const QFileInfo& info) {
    return QStringLiteral("%1:%2").arg(info.size()).arg(info.lastModified().toMSecsSinceEpoch());
}

QString key(const QString& path) {
    // QSettings keys treat '/' as groups; the hex of the path is one flat key.
    return QString::fromLatin1(QFileInfo(path).absoluteFilePath().toUtf8().toHex());
}

} // namespace

QString ModelHashCache::cached(const QString& path) {
    const QSettings cache(cacheFile(), QSettings::IniFormat);
    const QStringList value = cache.value(key(path)).toString().split(QLatin1Char(' '));
    if (value.size() != 2 || value[0] != stamp(QFileInfo(path))) return {};
    return value[1];
}

void ModelHashCache::remember(const QString& path, const QString& sha256) {
    QSettings cache(cacheFile(), QSettings::IniFormat);
    cache.setValue(key(path), stamp(QFileInfo(path)) + QLatin1Char(' ') + sha256);
}

QString ModelHashCache::compute(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    inference::Sha256 sha;
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    for (;;) {
        const qint64 got = file.read(buffer.data(), buffer.size());
        if (got < 0) return {};
        if (got == 0) break;
        sha.update(buffer.constData(), size_t(got));
    }
    return QString::fromStdString(inference::Sha256::toHex(sha.finish()));
}

} // namespace fabulist::ui
