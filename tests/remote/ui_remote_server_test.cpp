// The real window against Debian's real llama-server (label `remote`, needs root): the writer
// opens Generate > Models… > Servers, enters the address, lists and picks the model, uses the
// server and Continues; the text recorded is the server's own for that prompt and seed, the
// slider is off with the reason, and a fault (a proxy that breaks the stream) keeps the text
// with the reason shown. Screenshots of the Servers page, light and dark.
#include "storage/project.h"
#include "tests/remote/llama_server_process.h"
#include "tests/ui/gui_test_support.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/main_window.h"
#include "ui/models/models_dialog.h"
#include "ui/models/servers_page.h"
#include "ui/project/binder_view.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTabBar>
#include <QTabWidget>
#include <QtTest>
#include <unistd.h>

using namespace fabulist;
using namespace fabulist::ui;
using fabulist::test::FaultProxy;
using fabulist::test::LlamaServerProcess;

class UiRemoteServerTest : public QObject {
    Q_OBJECT
    std::unique_ptr<LlamaServerProcess> m_server;
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
    static constexpr int kTimeoutMs = 60000;

    ServersPage* openServersPage() {
        ModelsDialog* dialog = m_window->modelsDialog();
        dialog->show();
        dialog->activateWindow();
        [&] { QVERIFY(QTest::qWaitForWindowActive(dialog)); }();
        // The Servers tab from the keyboard: the tab bar (Tab reaches it), then Right.
        dialog->pages()->setCurrentIndex(0);
        dialog->pages()->tabBar()->setFocus();
        QTest::keyClick(dialog->pages()->tabBar(), Qt::Key_Right);
        [&] { QCOMPARE(dialog->pages()->currentWidget(), dialog->serversPage()); }();
        return dialog->serversPage();
    }
    void enterServer(ServersPage* page, const QUrl& url) {
        page->urlEdit()->clear();
        page->urlEdit()->setFocus();
        QTest::keyClicks(page->urlEdit(), url.toString());
        QSignalSpy listed(page, &ServersPage::modelsListed);
        QTest::keyClick(page->urlEdit(), Qt::Key_Return); // Enter lists the models
        QTRY_COMPARE_WITH_TIMEOUT(listed.count(), 1, kTimeoutMs);
    }

private slots:
    void initTestCase() {
        if (geteuid() != 0)
            QSKIP(
                "llama-server runs in a Debian sid chroot: run as root (installer/test-remote.sh)");
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        m_server = std::make_unique<LlamaServerProcess>(
            LlamaServerProcess::sourceDir() + "/resources/models/fabulist-default.gguf",
            "fabulist-default");
        QVERIFY2(m_server->ok(), qPrintable(m_server->error()));
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1360, 860);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(m_window->newProject(m_dir.filePath("remote.fabulist")));
        m_window->binderView()->setCurrentIndex({});
        QVERIFY(
            m_window->binderView()->createNode(storage::NodeKind::Scene, "Harbour").has_value());
        EditorView* editor = m_window->editor();
        editor->setFocus();
        QTest::keyClicks(editor, "The lighthouse keeper climbed the stairs at dusk, and the lamp");
    }

    void writesWithTheServer() {
        ServersPage* page = openServersPage();
        enterServer(page, m_server->url());
        QCOMPARE(page->modelBox()->currentText(), QStringLiteral("fabulist-default"));
        QVERIFY(page->messageLabel()->text().contains("llama-server lists one model"));
        QVERIFY(page->keyStatusLabel()->text().contains("keyring"));
        for (const auto scheme : {ColorScheme::Light, ColorScheme::Dark}) {
            QApplication::setPalette(Theme::paletteFor(scheme));
            QCoreApplication::processEvents();
            QVERIFY(m_window->modelsDialog()->grab().save(test::artifactPath(
                scheme == ColorScheme::Dark ? "models-servers-dark.png" : "models-servers.png")));
        }
        QApplication::setPalette(Theme::paletteFor(ColorScheme::Light));
        page->useButton()->setFocus();
        QTest::keyClick(page->useButton(), Qt::Key_Space);
        GenerationController* generation = m_window->generationController();
        QVERIFY(generation->isRemote());
        GeneratePanel* panel = m_window->generatePanel();
        QTRY_VERIFY(panel->isModelReady());
        QVERIFY(!panel->alphaSlider()->isEnabled());
        QVERIFY(panel->alphaSlider()->toolTip().contains("remote servers do not expose it"));
        m_window->modelsDialog()->hide();

        panel->lengthBox()->setValue(16);
        panel->candidatesBox()->setValue(1);
        QSignalSpy recorded(panel, &GeneratePanel::generationRecorded);
        QTest::mouseClick(panel->continueButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, kTimeoutMs);
        const storage::Generation g =
            m_window->project()->generations().get(recorded.at(0).at(0).toLongLong());
        QCOMPARE(QString::fromStdString(g.modelId), QStringLiteral("fabulist-default"));
        QCOMPARE(QString::fromStdString(g.engine), m_server->url().toString());
        QVERIFY(QString::fromStdString(g.engineSettings).contains("min_p"));
        QVERIFY(g.failure.empty());
        QVERIFY(!g.output.empty());
        // The server's own text for the recorded prompt and settings.
        remote::RemoteServer server;
        server.baseUrl = m_server->url();
        remote::CompletionParams p;
        p.prompt = QString::fromStdString(g.prompt);
        p.maxTokens = 16;
        p.sampler = g.sampler;
        const remote::Completion direct = remote::RemoteClient(server).complete(p);
        QVERIFY2(direct.ok(), qPrintable(direct.error));
        QCOMPARE(QString::fromStdString(g.output), direct.choices.front().text);
    }

    void aFaultKeepsTheTextAndSaysWhy() {
        FaultProxy proxy("broken", m_server->port());
        QVERIFY(proxy.ok());
        ServersPage* page = openServersPage();
        enterServer(page, proxy.url());
        QVERIFY(page->useServer());
        m_window->modelsDialog()->hide();
        GeneratePanel* panel = m_window->generatePanel();
        QSignalSpy recorded(panel, &GeneratePanel::generationRecorded);
        QTest::mouseClick(panel->continueButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, kTimeoutMs);
        const storage::Generation g =
            m_window->project()->generations().get(recorded.at(0).at(0).toLongLong());
        QVERIFY(!g.output.empty()); // the three tokens before the break
        QVERIFY2(QString::fromStdString(g.failure).contains("error mid-stream"), g.failure.c_str());
        QCOMPARE(QString::fromStdString(g.engine), proxy.url().toString());
        QVERIFY2(panel->statusLabel()->text().contains("error mid-stream"),
                 qPrintable(panel->statusLabel()->text()));
        QVERIFY(panel->statusLabel()->text().contains("The text so far is kept"));
        QVERIFY(m_window->statusBar()->currentMessage().contains("error mid-stream"));
        QVERIFY(m_window->editor()->isEnabled());
        QVERIFY(m_window->grab().save(test::artifactPath("generate-remote-fault.png")));
    }

    void cleanupTestCase() {
        m_window.reset();
        m_server.reset();
    }
};

FABULIST_GUI_TEST_MAIN(UiRemoteServerTest)
#include "ui_remote_server_test.moc"
