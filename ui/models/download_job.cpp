#include "ui/models/download_job.h"

#include "ui/models/download_sidecar.h"
#include "ui/models/download_text.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QStorageInfo>
#include <QtConcurrent/QtConcurrentRun>
#include <filesystem>
#include <system_error>

namespace fabulist::ui {

namespace {

constexpr int kMaxRedirects = 10;
constexpr int kProgressIntervalMs = 100; // progress signals at most ten times a second

// The SHA-256 in an ETag-like header ("abc…", W/"abc…"), or empty when it is something else.
QString sha256FromTag(const QByteArray& header) {
    QString tag = QString::fromLatin1(header).trimmed();
    if (tag.startsWith(QLatin1String("W/"))) tag = tag.mid(2);
    tag.remove(QLatin1Char('"'));
    static const QRegularExpression hex(QStringLiteral("^[0-9a-fA-F]{64}$"));
    return hex.match(tag).hasMatch() ? tag.toLower() : QString();
}

QString fileSha256(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file)) return {};
    return QString::fromLatin1(hash.result().toHex());
}

// "bytes 100-199/1000" -> (100, 1000); (-1, -1) when it is not that.
std::pair<qint64, qint64> parseContentRange(const QByteArray& header) {
    static const QRegularExpression re(QStringLiteral("^bytes (\\d+)-(\\d+)/(\\d+|\\*)$"));
    const auto match = re.match(QString::fromLatin1(header).trimmed());
    if (!match.hasMatch()) return {-1, -1};
    const QString total = match.captured(3);
    return {match.captured(1).toLongLong(), total == QLatin1String("*") ? -1 : total.toLongLong()};
}

} // namespace

DownloadJob::DownloadJob(QNetworkAccessManager* network, DownloadRequest request,
                         DownloadTuning tuning, QObject* parent)
    : QObject(parent), m_network(network), m_request(std::move(request)), m_tuning(tuning),
      m_part(partPathFor(m_request.targetPath)) {
    m_stallTimer.setSingleShot(true);
    m_retryTimer.setSingleShot(true);
    connect(&m_stallTimer, &QTimer::timeout, this, [this] {
        abortReply();
        onDropped(tr("no data for %1 s").arg(m_tuning.stallTimeoutMs / 1000.0, 0, 'g', 2));
    });
    connect(&m_retryTimer, &QTimer::timeout, this, [this] { sendRequest(m_request.url); });
    m_progressTimer.setSingleShot(true);
    connect(&m_progressTimer, &QTimer::timeout, this, [this] { emitProgress(true); });
}

DownloadJob::~DownloadJob() {
    abortReply();
}

void DownloadJob::start() {
    if (isActive(m_state) || m_state == DownloadState::Finished) return;
    m_message.clear();
    m_dropsInARow = 0;
    if (!prepare()) return;
    sendRequest(m_request.url);
}

void DownloadJob::pause() {
    if (m_state == DownloadState::Verifying || isDone(m_state)) return;
    m_retryTimer.stop();
    m_progressTimer.stop();
    abortReply();
    m_part.close();
    m_rate.restart(); // no speed, no time left while paused
    setState(DownloadState::Paused);
    emitProgress(true);
}

void DownloadJob::setState(DownloadState state) {
    if (m_state == state) return;
    m_state = state;
    emit stateChanged(state);
}

void DownloadJob::fail(const QString& message) {
    m_retryTimer.stop();
    m_stallTimer.stop();
    m_progressTimer.stop();
    m_part.close();
    m_message = message;
    m_progress.bytesPerSecond = 0;
    m_progress.secondsLeft = -1;
    setState(DownloadState::Failed);
}

bool DownloadJob::prepare() {
    const QString name = displayNameOf(m_request);
    const QFileInfo target(m_request.targetPath);
    if (target.exists() && !m_request.overwrite) {
        fail(tr("%1 is already in %2; it is not replaced. Remove it or ask to overwrite it.")
                 .arg(target.fileName(), QDir::toNativeSeparators(target.absolutePath())));
        return false;
    }
    if (!QDir().mkpath(target.absolutePath())) {
        fail(tr("Could not create the folder %1 for %2. Choose another models folder.")
                 .arg(QDir::toNativeSeparators(target.absolutePath()), name));
        return false;
    }
    // A .part file resumes only with a sidecar that names the same URL: other bytes could not
    // be told from these.
    const DownloadSidecar sidecar = DownloadSidecar::read(sidecarPathFor(m_request.targetPath));
    const qint64 partSize = QFileInfo(m_part.fileName()).exists() ? m_part.size() : 0;
    if (partSize > 0 && sidecar.url == m_request.url.toString()) {
        m_progress.received = partSize;
        m_progress.total = sidecar.size;
        m_etag = sidecar.etag;
        m_serverSha = sidecar.sha256;
    } else {
        discardPart();
        m_progress.received = 0;
        m_progress.total = m_request.expectedSize;
        m_etag.clear();
        m_serverSha.clear();
    }
    if (m_progress.total < 0) m_progress.total = m_request.expectedSize;
    return checkSpace(m_progress.total);
}

bool DownloadJob::checkSpace(qint64 total) {
    if (total < 0) return true; // checked again when the server says the size
    const QString folder = QFileInfo(m_request.targetPath).absolutePath();
    const QStorageInfo storage(folder);
    const qint64 needed = total - m_progress.received;
    if (!storage.isValid() || needed <= storage.bytesAvailable()) return true;
    fail(tr("Not enough disk space for %1: it needs %2 more, and %3 has %4 free. Free some space "
            "or choose another models folder.")
             .arg(displayNameOf(m_request), formatBytes(needed), QDir::toNativeSeparators(folder),
                  formatBytes(storage.bytesAvailable())));
    return false;
}

void DownloadJob::sendRequest(const QUrl& url) {
    QNetworkRequest request(url);
    // Redirects by hand: Hugging Face puts the checksum on the redirect (X-Linked-ETag).
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    // Identity: Qt would otherwise ask for gzip and the byte offsets would not be the file's.
    request.setRawHeader("Accept-Encoding", "identity");
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("Fabulist"));
    m_resumedFrom = m_progress.received;
    if (m_progress.received > 0) {
        request.setRawHeader("Range", "bytes=" + QByteArray::number(m_progress.received) + '-');
        if (!m_etag.isEmpty() && !m_etag.startsWith(QLatin1String("W/")))
            request.setRawHeader("If-Range", m_etag.toLatin1());
    }
    if (url == m_request.url) m_redirects = 0;
    m_rate.restart();
    m_rate.add(m_progress.received);
    setState(DownloadState::Connecting);
    m_reply = m_network->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &DownloadJob::onHeaders);
    connect(m_reply, &QNetworkReply::readyRead, this, &DownloadJob::onData);
    connect(m_reply, &QNetworkReply::finished, this, &DownloadJob::onFinished);
    m_stallTimer.start(m_tuning.stallTimeoutMs);
}

void DownloadJob::onHeaders() {
    m_stallTimer.start(m_tuning.stallTimeoutMs);
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString linked = sha256FromTag(m_reply->rawHeader("X-Linked-ETag"));
    if (!linked.isEmpty()) m_serverSha = linked;
    if (m_reply->hasRawHeader("X-Linked-Size"))
        m_progress.total = m_reply->rawHeader("X-Linked-Size").toLongLong();
    if (status != 200 && status != 206) return; // redirects and errors: onFinished
    if (m_serverSha.isEmpty()) m_serverSha = sha256FromTag(m_reply->rawHeader("ETag"));
    const qint64 length = m_reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
    bool truncate = m_progress.received == 0;
    if (status == 206) {
        const auto [from, total] = parseContentRange(m_reply->rawHeader("Content-Range"));
        if (from != m_progress.received) { // not the bytes we asked for: start over
            abortReply();
            discardPart();
            m_progress.received = 0;
            return onDropped(tr("the server sent other bytes than asked for"));
        }
        if (total > 0) m_progress.total = total;
    } else {
        // A full answer: the server ignored the Range, or the file changed (If-Range).
        m_progress.received = 0;
        truncate = true;
        if (length > 0) m_progress.total = length;
    }
    m_etag = QString::fromLatin1(m_reply->rawHeader("ETag"));
    if (!checkSpace(m_progress.total) || !openPart(truncate)) { // both fail() with the reason
        abortReply();
        if (truncate) discardPart(); // nothing half-written stays behind
        return;
    }
    DownloadSidecar sidecar{m_request.url.toString(), m_progress.total, m_etag, expectedSha256()};
    sidecar.write(sidecarPathFor(m_request.targetPath));
    setState(DownloadState::Downloading);
    emitProgress(true);
}

bool DownloadJob::openPart(bool truncate) {
    m_part.close();
    // Unbuffered: a full disk shows in write() itself, not in a later flush.
    const auto mode = QIODevice::WriteOnly | QIODevice::Unbuffered |
                      (truncate ? QIODevice::Truncate : QIODevice::Append);
    if (m_part.open(mode)) return true;
    fail(tr("Could not write %1: %2.")
             .arg(QDir::toNativeSeparators(m_part.fileName()), m_part.errorString()));
    return false;
}

void DownloadJob::onData() {
    if (!m_reply || !m_part.isOpen()) return;
    m_stallTimer.start(m_tuning.stallTimeoutMs);
    const QByteArray bytes = m_reply->readAll();
    if (m_part.write(bytes) != bytes.size()) {
        const QString folder = QFileInfo(m_request.targetPath).absolutePath();
        fail(tr("Could not write %1 to %2: %3. The disk is full or read-only (%4 free); the "
                "partial download was deleted. Free some space or choose another models folder.")
                 .arg(displayNameOf(m_request), QDir::toNativeSeparators(folder),
                      m_part.errorString(), formatBytes(QStorageInfo(folder).bytesAvailable())));
        abortReply();
        discardPart(); // a part that cannot grow is no use; nothing half-written stays
        m_progress.received = 0;
        emitProgress(true);
        return;
    }
    m_progress.received += bytes.size();
    m_rate.add(m_progress.received);
    emitProgress(false);
}

void DownloadJob::emitProgress(bool force) {
    if (!force && m_lastEmit.isValid() && m_lastEmit.elapsed() < kProgressIntervalMs) {
        if (!m_progressTimer.isActive())
            m_progressTimer.start(kProgressIntervalMs); // the last one too
        return;
    }
    m_progressTimer.stop();
    m_lastEmit.start();
    m_progress.bytesPerSecond = m_rate.bytesPerSecond();
    m_progress.secondsLeft =
        m_progress.total > 0 && m_progress.bytesPerSecond > 0
            ? double(m_progress.total - m_progress.received) / m_progress.bytesPerSecond
            : -1;
    emit progressChanged(m_progress);
}

void DownloadJob::onFinished() {
    if (!m_reply) return;
    if (m_part.isOpen() && m_reply->bytesAvailable() > 0) onData(); // the last bytes first
    QNetworkReply* reply = m_reply;
    if (!reply) return; // onData failed and aborted it
    m_reply = nullptr;
    reply->deleteLater();
    m_stallTimer.stop();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 300 && status < 400) {
        const QUrl next = reply->url().resolved(
            reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl());
        if (++m_redirects > kMaxRedirects || !next.isValid())
            return fail(tr("%1: too many redirects from %2.")
                            .arg(displayNameOf(m_request), m_request.url.toString()));
        if (reply->url().scheme() == QLatin1String("https") &&
            next.scheme() != QLatin1String("https"))
            return fail(tr("%1: the server sent the download from HTTPS to an insecure address "
                           "(%2); it was not followed.")
                            .arg(displayNameOf(m_request), next.toString()));
        return sendRequest(next);
    }
    if (status == 416) {
        m_part.close();
        if (m_progress.total > 0 && m_progress.received == m_progress.total)
            return onHashed({}); // already complete before the restart: verify it
        discardPart();           // the .part is longer than the file now is: start over
        m_progress.received = 0;
        return onDropped(tr("the server no longer has these bytes"));
    }
    if (status >= 400 && status < 500)
        return fail(
            tr("The server answered %1 %2 for %3. The partial download is kept.")
                .arg(status)
                .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString(),
                     reply->url().toString()));
    if (reply->error() != QNetworkReply::NoError || status >= 500)
        return onDropped(reply->errorString());
    if (m_progress.total >= 0 && m_progress.received < m_progress.total)
        return onDropped(tr("the connection closed early"));
    m_part.close();
    m_dropsInARow = 0;
    onHashed({});
}

void DownloadJob::onDropped(const QString& why) {
    m_part.close();
    if (++m_dropsInARow > m_tuning.maxRetries) {
        return fail(tr("The download of %1 stopped %2 times in a row (%3). %4 are kept in %5; it "
                       "resumes from there when you try again.")
                        .arg(displayNameOf(m_request))
                        .arg(m_dropsInARow)
                        .arg(why, formatBytes(m_progress.received),
                             QDir::toNativeSeparators(m_part.fileName())));
    }
    m_message = why;
    setState(DownloadState::Retrying);
    m_retryTimer.start(m_tuning.retryDelayMs << qMin(m_dropsInARow - 1, 5));
}

// Called with an empty sha256 to start the check on a worker thread, and again with its result.
void DownloadJob::onHashed(const QString& sha256) {
    if (sha256.isEmpty()) {
        setState(DownloadState::Verifying);
        emitProgress(true);
        auto* watcher = new QFutureWatcher<QString>(this);
        connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
            watcher->deleteLater();
            const QString result = watcher->result();
            if (result.isEmpty())
                return fail(tr("Could not read %1 back to check it.")
                                .arg(QDir::toNativeSeparators(m_part.fileName())));
            onHashed(result);
        });
        watcher->setFuture(QtConcurrent::run(fileSha256, m_part.fileName()));
        return;
    }
    m_sha256 = sha256;
    const QString expected = expectedSha256();
    if (!expected.isEmpty() && expected != sha256) {
        discardPart();
        m_progress.received = 0;
        return fail(tr("The download of %1 is damaged: its SHA-256 is %2, but %3 was expected. "
                       "The partial file was deleted; download it again.")
                        .arg(displayNameOf(m_request), sha256, expected));
    }
    m_verified = !expected.isEmpty();
    // Checked again: the target may have appeared while the bytes were coming.
    if (QFileInfo::exists(m_request.targetPath) && !m_request.overwrite)
        return fail(tr("%1 appeared while downloading; it is not replaced. The download is kept "
                       "in %2.")
                        .arg(QDir::toNativeSeparators(m_request.targetPath),
                             QDir::toNativeSeparators(m_part.fileName())));
    std::error_code error; // rename(2): one step, replacing the target only when asked
    std::filesystem::rename(m_part.fileName().toStdString(), m_request.targetPath.toStdString(),
                            error);
    if (error)
        return fail(tr("Could not move %1 to %2: %3.")
                        .arg(QDir::toNativeSeparators(m_part.fileName()),
                             QDir::toNativeSeparators(m_request.targetPath),
                             QString::fromStdString(error.message())));
    QFile::remove(sidecarPathFor(m_request.targetPath));
    if (!m_verified)
        m_message = tr("No checksum was published for %1, so it could not be verified (SHA-256 "
                       "%2).")
                        .arg(displayNameOf(m_request), sha256);
    m_progress.bytesPerSecond = 0;
    m_progress.secondsLeft = 0;
    setState(DownloadState::Finished);
    emit progressChanged(m_progress);
}

QString DownloadJob::expectedSha256() const {
    return m_request.expectedSha256.isEmpty() ? m_serverSha : m_request.expectedSha256.toLower();
}

void DownloadJob::discardPart() {
    m_part.close();
    QFile::remove(m_part.fileName());
    QFile::remove(sidecarPathFor(m_request.targetPath));
}

void DownloadJob::abortReply() {
    m_stallTimer.stop();
    if (!m_reply) return;
    QNetworkReply* reply = m_reply;
    m_reply = nullptr;
    disconnect(reply, nullptr, this, nullptr); // its finished() is no news to this job
    reply->abort();
    reply->deleteLater();
}

} // namespace fabulist::ui
