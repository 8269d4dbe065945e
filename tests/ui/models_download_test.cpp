// Download from the Models dialog (#18 item 3 in the window): a catalog entry's Download queues
// it into the dialog's models folder with the catalog's SHA-256 and size; the dialog's Downloads
// list shows its progress, Pause / Resume / Cancel Download act on it, the status bar shows it,
// and the finished model appears among the installed ones. The bytes come from
// tests/ui/model_download_server.py on 127.0.0.1 (a catalog only takes https URLs, so the test
// hands the dialog's downloadRequested an entry of its own; the button is models_dialog_test's).
#include "gui_test_support.h"
#include "ui/main_window.h"
#include "ui/models/download_status_indicator.h"
#include "ui/models/downloads_panel.h"
#include "ui/models/model_catalog.h"
#include "ui/models/model_downloader.h"
#include "ui/models/models_dialog.h"
#include "ui/theme.h"

#include <QCryptographicHash>
#include <QLabel>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTreeWidget>

using namespace fabulist;
using namespace fabulist::ui;

class ModelsDownloadTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void downloadFromTheDialog();

private:
    QProcess m_server;
    QString m_base;
    QByteArray m_modelBytes;
};

void ModelsDownloadTest::initTestCase() {
    const QString model = QDir(qEnvironmentVariable("FABULIST_REFERENCE_DIR"))
                              .filePath(QStringLiteral("models/tiny-moe-f32.gguf"));
    QFile file(model);
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(model));
    m_modelBytes = file.readAll();
    const QString script = QDir(qEnvironmentVariable("FABULIST_SOURCE_DIR"))
                               .filePath(QStringLiteral("tests/ui/model_download_server.py"));
    m_server.start(QStringLiteral("python3"), {script, model});
    QVERIFY2(m_server.waitForStarted(), qPrintable(m_server.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(m_server.canReadLine(), 10000);
    const QByteArray line = m_server.readLine().trimmed();
    QVERIFY2(line.startsWith("PORT "), line.constData());
    m_base = QStringLiteral("http://127.0.0.1:%1/").arg(QString::fromLatin1(line.mid(5)));
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
}

void ModelsDownloadTest::cleanupTestCase() {
    m_server.kill();
    m_server.waitForFinished();
}

void ModelsDownloadTest::downloadFromTheDialog() {
    const QString artifacts =
        QDir(qEnvironmentVariable("FABULIST_BINARY_DIR")).filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(artifacts));
    const QPalette saved = QApplication::palette();
    for (const bool dark : {false, true}) {
        if (dark) QApplication::setPalette(Theme::paletteFor(ColorScheme::Dark));
        QTemporaryDir folder;
        MainWindow window;
        window.resize(1100, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        ModelsDialog* dialog = window.modelsDialog();
        dialog->setModelsFolder(folder.path());
        dialog->resize(1100, 760);
        dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto* panel = dialog->findChild<DownloadsPanel*>();
        QVERIFY(panel);
        QVERIFY(!panel->isVisible()); // nothing downloading yet

        CatalogEntry entry;
        entry.name = QStringLiteral("Tiny MoE");
        entry.url =
            QUrl(m_base + QStringLiteral("files/tiny-moe-f32.gguf?stall=9000000&stall_s=3"));
        entry.sha256 = QString::fromLatin1(
            QCryptographicHash::hash(m_modelBytes, QCryptographicHash::Sha256).toHex());
        entry.fileBytes = quint64(m_modelBytes.size());
        emit dialog->downloadRequested(entry);

        ModelDownloader* downloader = window.modelDownloader();
        QCOMPARE(downloader->ids().size(), 1);
        const int id = downloader->ids().first();
        const QString target = folder.filePath(QStringLiteral("tiny-moe-f32.gguf"));
        QCOMPARE(downloader->entry(id)->request.targetPath, target);
        QCOMPARE(downloader->entry(id)->request.expectedSha256, entry.sha256);
        QTRY_VERIFY(panel->isVisible());
        QTreeWidgetItem* row = panel->list()->topLevelItem(0);
        QVERIFY(row);
        QCOMPARE(row->text(DownloadsPanel::Name), QStringLiteral("Tiny MoE"));
        QTRY_COMPARE_WITH_TIMEOUT(downloader->entry(id)->progress.received, qint64(9'000'000),
                                  30000);
        auto* bar =
            qobject_cast<QProgressBar*>(panel->list()->itemWidget(row, DownloadsPanel::Progress));
        QVERIFY(bar);
        QTRY_COMPARE(bar->value(), 39);
        QTRY_VERIFY(
            row->text(DownloadsPanel::Details).startsWith(QStringLiteral("9.0 MB of 22.7 MB")));
        auto* indicator = window.statusBar()->findChild<DownloadStatusIndicator*>();
        QTRY_VERIFY(indicator->text().startsWith(QStringLiteral("Downloading Tiny MoE: 39%")));

        // Pause from the keyboard: Tab reaches the button after the list, Space presses it.
        dialog->activateWindow();
        QTRY_VERIFY(dialog->isActiveWindow());
        panel->list()->setFocus();
        QVERIFY(panel->pauseButton()->isEnabled());
        QTest::keyClick(panel->list(), Qt::Key_Tab);
        QCOMPARE(QApplication::focusWidget(), panel->pauseButton());
        QTest::keyClick(panel->pauseButton(), Qt::Key_Space);
        QCOMPARE(downloader->entry(id)->state, DownloadState::Paused);
        QCOMPARE(row->text(DownloadsPanel::Status), QStringLiteral("Paused"));
        QCOMPARE(row->text(DownloadsPanel::Details), QStringLiteral("9.0 MB of 22.7 MB"));
        QVERIFY(panel->resumeButton()->isEnabled());
        QVERIFY(!panel->pauseButton()->isEnabled());
        QTest::qWait(50);
        QVERIFY(dialog->grab().save(
            QDir(artifacts).filePath(dark ? QStringLiteral("models-download-dark.png")
                                          : QStringLiteral("models-download.png"))));

        QCOMPARE(QApplication::focusWidget(), panel->resumeButton());
        QTest::keyClick(panel->resumeButton(), Qt::Key_Space);
        QTRY_COMPARE_WITH_TIMEOUT(downloader->entry(id)->state, DownloadState::Finished, 30000);
        QCOMPARE(downloader->resumedFrom(id), qint64(9'000'000));
        QTRY_VERIFY(
            row->text(DownloadsPanel::Details).startsWith(QStringLiteral("SHA-256 verified")));
        QFile done(target);
        QVERIFY(done.open(QIODevice::ReadOnly));
        QCOMPARE(done.readAll(), m_modelBytes);
        // The dialog lists it among the installed models.
        QTRY_VERIFY(
            !dialog->installedList()
                 ->findItems(target, Qt::MatchContains | Qt::MatchRecursive, ModelsDialog::IPath)
                 .isEmpty());
        QTRY_VERIFY(!indicator->isVisible());
    }
    QApplication::setPalette(saved);
}

FABULIST_GUI_TEST_MAIN(ModelsDownloadTest)
#include "models_download_test.moc"
