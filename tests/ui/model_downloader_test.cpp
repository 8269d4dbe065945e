// Model downloads (#18 item 3) against a real HTTP server on 127.0.0.1: tests/ui/
// model_download_server.py serves a reference model ($FABULIST_REFERENCE_DIR/models/
// tiny-moe-f32.gguf, 22 MB) with Range support and its SHA-256 as ETag/X-Linked-ETag, and drops
// the connection, stalls or corrupts a byte when the URL asks it to. A full download verifies
// and renames; Hugging Face's redirect with X-Linked-ETag; a drop and a stall resume with Range
// to the exact bytes; corruption is caught and the part deleted; a full disk (a 2 MB tmpfs,
// mounted here as root) gives a clear message and leaves nothing; pause, cancel and a restart
// resume from the .part; an existing file is never replaced unless asked; the queue runs one
// (or two) at a time; the status bar of the real window shows the progress.
#include "gui_test_support.h"
#include "ui/main_window.h"
#include "ui/models/download_status_indicator.h"
#include "ui/models/download_text.h"
#include "ui/models/model_downloader.h"
#include "ui/theme.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTemporaryDir>
#include <algorithm>
#include <memory>
#include <unistd.h>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

constexpr int kTimeoutMs = 60000;
const QString kModelName = QStringLiteral("tiny-moe-f32.gguf");

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Short waits, so that a drop or a stall costs the test a fraction of a second.
DownloadTuning quickTuning() {
    DownloadTuning tuning;
    tuning.stallTimeoutMs = 700;
    tuning.retryDelayMs = 50;
    tuning.maxRetries = 3;
    return tuning;
}

} // namespace

class ModelDownloaderTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void fullDownloadVerifiesAndRenames();
    void huggingFaceRedirectCarriesTheChecksum();
    void dropResumesWithRangeToTheExactFile();
    void stallIsDetectedAndResumed();
    void corruptionIsCaughtAndThePartDeleted();
    void catalogChecksumWinsOverTheServer();
    void fullDiskGivesAClearMessageAndLeavesNothing();
    void pauseAndResumeContinueThePart();
    void cancelKeepsThePartForAResumeAfterARestart();
    void existingTargetIsNeverOverwrittenUnlessAsked();
    void queueRunsOneOrTwoAtATime();
    void statusBarShowsTheProgress();

private:
    QString url(const QString& query = {}) const;
    QJsonArray serverLog(); // the requests since the last call
    QString target(const QString& name = kModelName) const { return m_dir->filePath(name); }
    static DownloadEntry waitUntilDone(ModelDownloader& downloader, int id);

    QProcess m_server;
    QString m_base;
    QString m_model;
    QByteArray m_modelBytes;
    QString m_sha256;
    std::unique_ptr<QTemporaryDir> m_dir;
    QNetworkAccessManager m_network;
};

void ModelDownloaderTest::initTestCase() {
    m_model = QDir(qEnvironmentVariable("FABULIST_REFERENCE_DIR"))
                  .filePath(QStringLiteral("models/") + kModelName);
    m_modelBytes = readAll(m_model);
    QVERIFY2(m_modelBytes.size() > 8'000'000, qPrintable(m_model));
    m_sha256 = QString::fromLatin1(
        QCryptographicHash::hash(m_modelBytes, QCryptographicHash::Sha256).toHex());
    const QString script = QDir(qEnvironmentVariable("FABULIST_SOURCE_DIR"))
                               .filePath(QStringLiteral("tests/ui/model_download_server.py"));
    m_server.start(QStringLiteral("python3"), {script, m_model});
    QVERIFY2(m_server.waitForStarted(), qPrintable(m_server.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(m_server.canReadLine(), 10000);
    const QByteArray line = m_server.readLine().trimmed();
    QVERIFY2(line.startsWith("PORT "), line.constData());
    m_base = QStringLiteral("http://127.0.0.1:%1/").arg(QString::fromLatin1(line.mid(5)));
    serverLog();
}

void ModelDownloaderTest::cleanupTestCase() {
    m_server.kill();
    m_server.waitForFinished();
}

void ModelDownloaderTest::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    serverLog(); // forget the last test's requests
}

QString ModelDownloaderTest::url(const QString& query) const {
    return m_base + QStringLiteral("files/") + kModelName +
           (query.isEmpty() ? QString() : QLatin1Char('?') + query);
}

QJsonArray ModelDownloaderTest::serverLog() {
    QNetworkReply* reply = m_network.get(QNetworkRequest(QUrl(m_base + "log?clear=1")));
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished()) done.wait(10000);
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).array();
}

DownloadEntry ModelDownloaderTest::waitUntilDone(ModelDownloader& downloader, int id) {
    QElapsedTimer clock;
    clock.start();
    while (!isDone(downloader.entry(id)->state) && clock.elapsed() < kTimeoutMs) QTest::qWait(20);
    return *downloader.entry(id);
}

void ModelDownloaderTest::fullDownloadVerifiesAndRenames() {
    ModelDownloader downloader;
    downloader.setTuning(quickTuning());
    QList<DownloadProgress> seen;
    QSignalSpy summaries(&downloader, &ModelDownloader::summaryChanged);
    QSignalSpy finished(&downloader, &ModelDownloader::entryFinished);
    const int id = downloader.enqueue({QUrl(url()), target(), {}, {}, -1, false});
    connect(&downloader, &ModelDownloader::entryChanged, this,
            [&](int changed) { seen << downloader.entry(changed)->progress; });
    const DownloadEntry entry = waitUntilDone(downloader, id);
    QVERIFY2(entry.state == DownloadState::Finished, qPrintable(entry.message));
    QCOMPARE(readAll(target()), m_modelBytes);
    QVERIFY(entry.verified); // against the server's X-Linked-ETag
    QCOMPARE(entry.sha256, m_sha256);
    QVERIFY(!QFile::exists(partPathFor(target())));
    QVERIFY(!QFile::exists(sidecarPathFor(target())));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.first().at(1).toString(), target());
    // Progress: the size known from the headers, bytes growing to it.
    QVERIFY(seen.size() >= 2);
    QCOMPARE(seen.last().received, qint64(m_modelBytes.size()));
    QCOMPARE(seen.last().total, qint64(m_modelBytes.size()));
    for (qsizetype i = 1; i < seen.size(); ++i) QVERIFY(seen[i].received >= seen[i - 1].received);
    // The status-bar line said what was going on and ended empty.
    QVERIFY(!summaries.isEmpty());
    QVERIFY(summaries.last().at(0).toString().isEmpty());
    QVERIFY(std::any_of(summaries.begin(), summaries.end(), [](const QList<QVariant>& s) {
        return s.at(0).toString().contains(kModelName);
    }));
    QCOMPARE(downloader.isBusy(), false);
    const QJsonArray log = serverLog();
    QCOMPARE(log.size(), 1);
    QCOMPARE(log[0].toObject()[QStringLiteral("range")].toString(), QString());
}

void ModelDownloaderTest::huggingFaceRedirectCarriesTheChecksum() {
    // The resolve URL answers 302 with X-Linked-ETag; the CDN's own ETag is not the checksum.
    ModelDownloader downloader;
    downloader.setTuning(quickTuning());
    const int id =
        downloader.enqueue({QUrl(url(QStringLiteral("redirect=1"))), target(), {}, {}, -1, false});
    const DownloadEntry entry = waitUntilDone(downloader, id);
    QVERIFY2(entry.state == DownloadState::Finished, qPrintable(entry.message));
    QVERIFY(entry.verified);
    QCOMPARE(readAll(target()), m_modelBytes);
    const QJsonArray log = serverLog();
    QCOMPARE(log.size(), 2);
    QCOMPARE(log[0].toObject()[QStringLiteral("status")].toInt(), 302);
    QVERIFY(
        log[1].toObject()[QStringLiteral("path")].toString().startsWith(QStringLiteral("/cdn/")));
}

void ModelDownloaderTest::dropResumesWithRangeToTheExactFile() {
    constexpr qint64 kDropAt = 5'000'000;
    ModelDownloader downloader;
    downloader.setTuning(quickTuning());
    QSignalSpy changed(&downloader, &ModelDownloader::entryChanged);
    bool sawRetrying = false;
    connect(&downloader, &ModelDownloader::entryChanged, this, [&](int changedId) {
        sawRetrying |= downloader.entry(changedId)->state == DownloadState::Retrying;
    });
    const int id = downloader.enqueue(
        {QUrl(url(QStringLiteral("drop=%1").arg(kDropAt))), target(), {}, {}, -1, false});
    const DownloadEntry entry = waitUntilDone(downloader, id);
    QVERIFY2(entry.state == DownloadState::Finished, qPrintable(entry.message));
    QVERIFY(sawRetrying);
    QCOMPARE(readAll(target()), m_modelBytes); // byte for byte
    QCOMPARE(downloader.resumedFrom(id), kDropAt);
    const QJsonArray log = serverLog();
    QCOMPARE(log.size(), 2);
    QCOMPARE(log[0].toObject()[QStringLiteral("sent")].toInteger(), kDropAt);
    const QJsonObject resumed = log[1].toObject();
    QCOMPARE(resumed[QStringLiteral("range")].toString(), QStringLiteral("bytes=%1-").arg(kDropAt));
    QCOMPARE(resumed[QStringLiteral("ifRange")].toString(), QLatin1Char('"') + m_sha256 + '"');
    QCOMPARE(resumed[QStringLiteral("status")].toInt(), 206);
    QCOMPARE(resumed[QStringLiteral("sent")].toInteger(), m_modelBytes.size() - kDropAt);
}

void ModelDownloaderTest::stallIsDetectedAndResumed() {
    constexpr qint64 kStallAt = 3'000'000;
    ModelDownloader downloader;
    downloader.setTuning(quickTuning()); // 0.7 s without a byte counts as a drop
    const int id =
        downloader.enqueue({QUrl(url(QStringLiteral("stall=%1&stall_s=30").arg(kStallAt))),
                            target(),
                            {},
                            {},
                            -1,
                            false});
    const DownloadEntry entry = waitUntilDone(downloader, id);
    QVERIFY2(entry.state == DownloadState::Finished, qPrintable(entry.message));
    QCOMPARE(readAll(target()), m_modelBytes);
    QCOMPARE(downloader.resumedFrom(id), kStallAt);
}

void ModelDownloaderTest::corruptionIsCaughtAndThePartDeleted() {
    ModelDownloader downloader;
    downloader.setTuning(quickTuning());
    QSignalSpy failed(&downloader, &ModelDownloader::entryFailed);
    const int id = downloader.enqueue({QUrl(url(QStringLiteral("corrupt=1234567"))),
                                       target(),
                                       QStringLiteral("Tiny MoE"),
                                       {},
                                       -1,
                                       false});
    const DownloadEntry entry = waitUntilDone(downloader, id);
    QCOMPARE(entry.state, DownloadState::Failed);
    QCOMPARE(failed.count(), 1);
    QVERIFY2(entry.message.contains(QStringLiteral("Tiny MoE is damaged")),
             qPrintable(entry.message));
    QVERIFY2(entry.message.contains(QStringLiteral("SHA-256")), qPrintable(entry.message));
    QVERIFY2(entry.message.contains(m_sha256), qPrintable(entry.message)); // what was expected
    QVERIFY2(entry.message.contains(QStringLiteral("deleted")), qPrintable(entry.message));
    QVERIFY(!entry.verified);
    QVERIFY(!QFile::exists(target()));
    QVERIFY(!QFile::exists(partPathFor(target())));
    QVERIFY(!QFile::exists(sidecarPathFor(target())));
}

void ModelDownloaderTest::catalogChecksumWinsOverTheServer() {
    // The catalog's checksum is the one that counts: a server that agrees with itself but not
    // with the catalog is not trusted.
    ModelDownloader downloader;
    downloader.setTuning(quickTuning());
    QString wrong = m_sha256;
    wrong[0] = wrong[0] == QLatin1Char('0') ? QLatin1Char('1') : QLatin1Char('0');
    const int bad = downloader.enqueue({QUrl(url()), target(), {}, wrong, -1, false});
    QCOMPARE(waitUntilDone(downloader, bad).state, DownloadState::Failed);
    QVERIFY(!QFile::exists(target()));
    // The catalog's right checksum (upper case, as some publishers print it), no server header.
    const int good = downloader.enqueue({QUrl(url(QStringLiteral("noetag=1"))),
                                         target(),
                                         {},
                                         m_sha256.toUpper(),
                                         m_modelBytes.size(),
                                         false});
    const DownloadEntry entry = waitUntilDone(downloader, good);
    QVERIFY2(entry.state == DownloadState::Finished, qPrintable(entry.message));
    QVERIFY(entry.verified);
    // Neither catalog nor server: it lands, and says it could not be verified.
    const int unknown = downloader.enqueue({QUrl(url(QStringLiteral("noetag=1"))),
                                            target(QStringLiteral("b.gguf")),
                                            {},
                                            {},
                                            -1,
                                            false});
    const DownloadEntry unverified = waitUntilDone(downloader, unknown);
    QCOMPARE(unverified.state, DownloadState::Finished);
    QVERIFY(!unverified.verified);
    QVERIFY2(unverified.message.contains(QStringLiteral("could not be verified")),
             qPrintable(unverified.message));
}

void ModelDownloaderTest::fullDiskGivesAClearMessageAndLeavesNothing() {
    if (geteuid() != 0)
        QSKIP("mounting the small tmpfs that plays the full disk needs root (CI runs as root)");
    const QString small = m_dir->filePath(QStringLiteral("small"));
    QVERIFY(QDir().mkpath(small));
    QCOMPARE(QProcess::execute(QStringLiteral("mount"),
                               {QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                                QStringLiteral("size=2m"), QStringLiteral("tmpfs"), small}),
             0);
    auto unmount = qScopeGuard([&] { QProcess::execute(QStringLiteral("umount"), {small}); });
    const QString inSmall = QDir(small).filePath(kModelName);
    ModelDownloader downloader;
    downloader.setTuning(quickTuning());
    const auto folderIsEmpty = [&] {
        return QDir(small).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).isEmpty();
    };

    // The catalog says the size: refused before any request.
    const int known =
        downloader.enqueue({QUrl(url()), inSmall, {}, {}, m_modelBytes.size(), false});
    DownloadEntry entry = waitUntilDone(downloader, known);
    QCOMPARE(entry.state, DownloadState::Failed);
    QVERIFY2(entry.message.startsWith(QStringLiteral("Not enough disk space for ") + kModelName),
             qPrintable(entry.message));
    QVERIFY2(entry.message.contains(formatBytes(m_modelBytes.size())), qPrintable(entry.message));
    QVERIFY2(entry.message.contains(small), qPrintable(entry.message));
    QVERIFY(folderIsEmpty());
    QCOMPARE(serverLog().size(), 0);

    // Only the server's Content-Length says it: refused at the headers, nothing written.
    const int header = downloader.enqueue({QUrl(url()), inSmall, {}, {}, -1, false});
    entry = waitUntilDone(downloader, header);
    QCOMPARE(entry.state, DownloadState::Failed);
    QVERIFY2(entry.message.startsWith(QStringLiteral("Not enough disk space")),
             qPrintable(entry.message));
    QVERIFY(folderIsEmpty());

    // No size at all: the disk fills up while writing; the part is deleted.
    const int blind = downloader.enqueue(
        {QUrl(url(QStringLiteral("nolength=1&noetag=1"))), inSmall, {}, {}, -1, false});
    entry = waitUntilDone(downloader, blind);
    QCOMPARE(entry.state, DownloadState::Failed);
    QVERIFY2(entry.message.contains(QStringLiteral("disk is full")), qPrintable(entry.message));
    QVERIFY2(entry.message.contains(QStringLiteral("partial download was deleted")),
             qPrintable(entry.message));
    QVERIFY(folderIsEmpty());
}

void ModelDownloaderTest::pauseAndResumeContinueThePart() {
    constexpr qint64 kStallAt = 4'000'000;
    ModelDownloader downloader;
    DownloadTuning patient = quickTuning();
    patient.stallTimeoutMs = 20000; // the stall is where the test pauses, not a drop
    downloader.setTuning(patient);
    const int id =
        downloader.enqueue({QUrl(url(QStringLiteral("stall=%1&stall_s=30").arg(kStallAt))),
                            target(),
                            {},
                            {},
                            -1,
                            false});
    QTRY_COMPARE_WITH_TIMEOUT(downloader.entry(id)->progress.received, kStallAt, kTimeoutMs);
    downloader.pause(id);
    QCOMPARE(downloader.entry(id)->state, DownloadState::Paused);
    QCOMPARE(QFileInfo(partPathFor(target())).size(), kStallAt);
    QVERIFY(!downloader.isBusy());
    downloader.resume(id);
    const DownloadEntry entry = waitUntilDone(downloader, id);
    QVERIFY2(entry.state == DownloadState::Finished, qPrintable(entry.message));
    QCOMPARE(readAll(target()), m_modelBytes);
    QCOMPARE(downloader.resumedFrom(id), kStallAt);
}

void ModelDownloaderTest::cancelKeepsThePartForAResumeAfterARestart() {
    constexpr qint64 kStallAt = 6'000'000;
    const DownloadRequest request{QUrl(url(QStringLiteral("stall=%1&stall_s=30").arg(kStallAt))),
                                  target(),
                                  {},
                                  {},
                                  -1,
                                  false};
    DownloadTuning patient = quickTuning();
    patient.stallTimeoutMs = 20000;
    {
        ModelDownloader first;
        first.setTuning(patient);
        const int id = first.enqueue(request);
        QTRY_COMPARE_WITH_TIMEOUT(first.entry(id)->progress.received, kStallAt, kTimeoutMs);
        first.cancel(id);
        QCOMPARE(first.entry(id)->state, DownloadState::Cancelled);
    } // the app quits
    QCOMPARE(QFileInfo(partPathFor(target())).size(), kStallAt);
    QVERIFY(QFile::exists(sidecarPathFor(target())));
    QVERIFY(!QFile::exists(target()));
    serverLog();

    ModelDownloader second; // the next start asks for the same model again
    second.setTuning(patient);
    const int id = second.enqueue(request);
    const DownloadEntry entry = waitUntilDone(second, id);
    QVERIFY2(entry.state == DownloadState::Finished, qPrintable(entry.message));
    QCOMPARE(readAll(target()), m_modelBytes);
    QCOMPARE(second.resumedFrom(id), kStallAt);
    const QJsonArray log = serverLog();
    QCOMPARE(log.size(), 1);
    QCOMPARE(log[0].toObject()[QStringLiteral("range")].toString(),
             QStringLiteral("bytes=%1-").arg(kStallAt));
    QCOMPARE(log[0].toObject()[QStringLiteral("sent")].toInteger(), m_modelBytes.size() - kStallAt);

    // Cancel with deletePartial leaves nothing.
    const int again =
        second.enqueue({request.url, target(QStringLiteral("c.gguf")), {}, {}, -1, false});
    QTRY_COMPARE_WITH_TIMEOUT(second.entry(again)->progress.received, kStallAt, kTimeoutMs);
    second.cancel(again, true);
    QVERIFY(!QFile::exists(partPathFor(target(QStringLiteral("c.gguf")))));
    QVERIFY(!QFile::exists(sidecarPathFor(target(QStringLiteral("c.gguf")))));
}

void ModelDownloaderTest::existingTargetIsNeverOverwrittenUnlessAsked() {
    const QByteArray mine = "the writer's own file";
    {
        QFile file(target());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(mine);
    }
    ModelDownloader downloader;
    downloader.setTuning(quickTuning());
    const int id = downloader.enqueue({QUrl(url()), target(), {}, {}, -1, false});
    const DownloadEntry entry = waitUntilDone(downloader, id);
    QCOMPARE(entry.state, DownloadState::Failed);
    QVERIFY2(entry.message.contains(QStringLiteral("not replaced")), qPrintable(entry.message));
    QCOMPARE(readAll(target()), mine);
    QCOMPARE(serverLog().size(), 0); // not even asked for

    // The target appears while the bytes come: still not replaced; the download is kept.
    const int racing = downloader.enqueue({QUrl(url(QStringLiteral("stall=2000000&stall_s=1"))),
                                           target(QStringLiteral("d.gguf")),
                                           {},
                                           {},
                                           -1,
                                           false});
    QTRY_COMPARE_WITH_TIMEOUT(downloader.entry(racing)->progress.received, qint64(2'000'000),
                              kTimeoutMs);
    {
        QFile file(target(QStringLiteral("d.gguf")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(mine);
    }
    const DownloadEntry raced = waitUntilDone(downloader, racing);
    QCOMPARE(raced.state, DownloadState::Failed);
    QVERIFY2(raced.message.contains(QStringLiteral("not replaced")), qPrintable(raced.message));
    QCOMPARE(readAll(target(QStringLiteral("d.gguf"))), mine);
    QCOMPARE(readAll(partPathFor(target(QStringLiteral("d.gguf")))), m_modelBytes);

    // Asked to: replaced in one rename.
    const int replace = downloader.enqueue({QUrl(url()), target(), {}, {}, -1, true});
    const DownloadEntry replaced = waitUntilDone(downloader, replace);
    QVERIFY2(replaced.state == DownloadState::Finished, qPrintable(replaced.message));
    QCOMPARE(readAll(target()), m_modelBytes);
}

void ModelDownloaderTest::queueRunsOneOrTwoAtATime() {
    for (int limit : {1, 2}) {
        ModelDownloader downloader;
        downloader.setTuning(quickTuning());
        downloader.setMaxConcurrent(limit);
        int mostActive = 0;
        QList<int> finishedOrder;
        connect(&downloader, &ModelDownloader::entryChanged, this, [&] {
            int active = 0;
            for (int id : downloader.ids()) active += isActive(downloader.entry(id)->state);
            mostActive = qMax(mostActive, active);
        });
        connect(&downloader, &ModelDownloader::entryFinished, this,
                [&](int id) { finishedOrder << id; });
        QList<int> ids;
        for (int i = 0; i < 3; ++i) {
            const QString name = QStringLiteral("q%1-%2.gguf").arg(limit).arg(i);
            // Each stalls half a second, so that the queue's order shows.
            ids << downloader.enqueue({QUrl(url(QStringLiteral("stall=1000000&stall_s=0.5"))),
                                       target(name),
                                       name,
                                       {},
                                       -1,
                                       false});
        }
        QCOMPARE(downloader.entry(ids[2])->state, DownloadState::Queued);
        QVERIFY(downloader.summaryText().contains(QStringLiteral("more queued")));
        for (int id : ids) QCOMPARE(waitUntilDone(downloader, id).state, DownloadState::Finished);
        QCOMPARE(mostActive, limit);
        if (limit == 1) QCOMPARE(finishedOrder, ids);
        for (int id : ids)
            QCOMPARE(readAll(downloader.entry(id)->request.targetPath), m_modelBytes);
        QVERIFY(!downloader.isBusy());
    }
}

void ModelDownloaderTest::statusBarShowsTheProgress() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    const QString artifacts =
        QDir(qEnvironmentVariable("FABULIST_BINARY_DIR")).filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(artifacts));
    const QPalette saved = QApplication::palette();
    for (const bool dark : {false, true}) {
        if (dark) QApplication::setPalette(Theme::paletteFor(ColorScheme::Dark));
        MainWindow window;
        window.resize(1200, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ModelDownloader* downloader = window.modelDownloader();
        QVERIFY(downloader);
        auto* indicator = window.statusBar()->findChild<DownloadStatusIndicator*>();
        QVERIFY(indicator);
        QVERIFY(!indicator->isVisible()); // nothing to show yet
        const QString name = dark ? QStringLiteral("dark.gguf") : QStringLiteral("light.gguf");
        const int id = downloader->enqueue({QUrl(url(QStringLiteral("stall=9000000&stall_s=3"))),
                                            target(name),
                                            QStringLiteral("Tiny MoE"),
                                            {},
                                            -1,
                                            false});
        QTRY_COMPARE_WITH_TIMEOUT(downloader->entry(id)->progress.received, qint64(9'000'000),
                                  kTimeoutMs);
        QTRY_VERIFY(indicator->isVisible());
        // The last progress of a burst arrives within the throttle's 100 ms.
        QTRY_VERIFY2_WITH_TIMEOUT(
            indicator->text().startsWith(QStringLiteral("Downloading Tiny MoE: 39%")),
            qPrintable(indicator->text()), 5000);
        QVERIFY2(indicator->text().contains(QStringLiteral("9.0 MB of 22.7 MB")),
                 qPrintable(indicator->text()));
        QTest::qWait(50);
        const QString file =
            QDir(artifacts).filePath(dark ? QStringLiteral("model-download-status-dark.png")
                                          : QStringLiteral("model-download-status.png"));
        QVERIFY(window.grab().save(file));
        downloader->cancel(id, true);
        QTRY_VERIFY(!indicator->isVisible());
    }
    QApplication::setPalette(saved);
}

FABULIST_GUI_TEST_MAIN(ModelDownloaderTest)
#include "model_downloader_test.moc"
