// The real window against Debian's real llama-server (label `remote`, needs root): the writer
// opens Generate > Models… > Servers, enters the address, lists and picks the model, uses the
// server and Continues; the text recorded is the server's own for that prompt and seed, the
// slider is off with the reason, and a fault (a proxy that breaks the stream) keeps the text
// with the reason shown. Screenshots of the Servers page, light and dark.
#include "storage/project.h"
#include "tests/remote/llama_server_process.h"
#include "tests/ui/gui_test_support.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/context_viewer.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/generate/token_inspector.h"
#include "ui/generate/token_view.h"
#include "ui/main_window.h"
#include "ui/models/models_dialog.h"
#include "ui/models/servers_page.h"
#include "ui/project/binder_view.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSet>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTabBar>
#include <QTabWidget>
#include <QToolButton>
#include <QtTest>
#include <algorithm>
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
    int64_t m_firstGeneration = 0;
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
        m_firstGeneration = g.id;
    }

    // The token view of the server's text: per token the probability and the alternatives the
    // server reported, the same as its non-streamed reply for the recorded prompt and seed.
    void tokenViewShowsTheServersProbabilities() {
        QVERIFY(m_firstGeneration > 0);
        TokenInspector* tokens = m_window->previewTokens();
        QTRY_VERIFY2_WITH_TIMEOUT(tokens->hasInsights(), qPrintable(tokens->message()), kTimeoutMs);
        QCOMPARE(tokens->generationId(), std::optional<int64_t>(m_firstGeneration));
        const storage::Generation g = m_window->project()->generations().get(m_firstGeneration);
        remote::RemoteServer server;
        server.baseUrl = m_server->url();
        remote::CompletionParams p;
        p.prompt = QString::fromStdString(g.prompt);
        p.maxTokens = 16;
        p.sampler = g.sampler;
        p.logprobs = 10;
        const remote::Completion direct =
            remote::RemoteClient(server).complete(p, {}, nullptr, /*stream=*/false);
        QVERIFY2(direct.ok(), qPrintable(direct.error));
        const std::vector<remote::TokenLogprob>& expected = direct.choices.front().logprobs;
        const TokenInsights& shown = tokens->insights();
        QCOMPARE(shown.tokens.size(), expected.size());
        QCOMPARE(int(shown.tokens.size()), g.generatedTokens);
        for (size_t i = 0; i < expected.size(); ++i) {
            const inference::TokenInsight& t = shown.tokens[i];
            QCOMPARE(t.id, expected[i].id);
            QCOMPARE(shown.bytes.value(t.id), expected[i].bytes);
            QVERIFY(t.coherenceProbability > 0.0f);
            QCOMPARE(t.coherenceProbability, float(std::exp(expected[i].logprob)));
            QCOMPARE(t.coherence.size(), size_t(10));
            for (size_t k = 0; k < t.coherence.size(); ++k) {
                QCOMPARE(t.coherence[k].id, expected[i].top[k].id);
                QCOMPARE(t.coherence[k].probability, float(std::exp(expected[i].top[k].logprob)));
            }
        }
        // The view itself, by keyboard: Why This Word? at a word of the preview.
        QPlainTextEdit* preview = m_window->generatePanel()->preview();
        QTextCursor at(preview->document());
        at.setPosition(tokens->spans().at(1).start);
        preview->setTextCursor(at);
        QVERIFY2(tokens->openAtCursor(), qPrintable(tokens->message()));
        TokenView* view = tokens->view();
        QTRY_VERIFY(view->isVisible());
        QListWidget* column = view->column(TokenView::Coherence);
        QVERIFY(column->count() >= 10);
        QCOMPARE(column->item(0)->data(TokenView::ProbabilityRole).toFloat(),
                 shown.tokens[1].coherence.front().probability);
        for (const auto scheme : {ColorScheme::Light, ColorScheme::Dark}) {
            QApplication::setPalette(Theme::paletteFor(scheme));
            view->setPalette(QApplication::palette());
            QCoreApplication::processEvents();
            QVERIFY(view->grab().save(test::artifactPath(scheme == ColorScheme::Dark
                                                             ? "token-view-remote-dark.png"
                                                             : "token-view-remote.png")));
        }
        QApplication::setPalette(Theme::paletteFor(ColorScheme::Light));
        QTest::keyClick(view->column(TokenView::Mix), Qt::Key_Escape);
        QTRY_VERIFY(!view->isVisible());
    }

    // Candidates on a server: each drawn with a seed of its own (the base + i), recorded so,
    // and each text the server's own for its seed (a server's `n` shares one seed).
    void candidatesHaveSeedsOfTheirOwn() {
        GeneratePanel* panel = m_window->generatePanel();
        panel->seedLockButton()->setChecked(true);
        panel->seedBox()->setValue(4242);
        panel->lengthBox()->setValue(12);
        panel->candidatesBox()->setValue(3);
        QSignalSpy finished(m_window->generationController(), &GenerationController::finished);
        QTest::mouseClick(panel->continueButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
        const auto outcome = finished.at(0).at(0).value<GenerationOutcome>();
        QCOMPARE(outcome.candidates.size(), size_t(3));
        remote::RemoteServer server;
        server.baseUrl = m_server->url();
        QSet<QString> texts;
        for (size_t i = 0; i < outcome.candidates.size(); ++i) {
            QVERIFY(outcome.candidates[i].generationId.has_value());
            const storage::Generation g =
                m_window->project()->generations().get(*outcome.candidates[i].generationId);
            QCOMPARE(g.seed, uint64_t(4242 + i));
            QVERIFY2(g.failure.empty(), g.failure.c_str());
            remote::CompletionParams p;
            p.prompt = QString::fromStdString(g.prompt);
            p.maxTokens = 12;
            p.sampler = g.sampler; // its recorded seed
            const remote::Completion again = remote::RemoteClient(server).complete(p);
            QVERIFY2(again.ok(), qPrintable(again.error));
            QCOMPARE(QString::fromStdString(g.output), again.choices.front().text);
            texts.insert(QString::fromStdString(g.output));
        }
        QVERIFY2(texts.size() > 1, "three seeds gave one text");
        panel->candidatesBox()->setValue(1);
        panel->seedLockButton()->setChecked(false);
    }

    // No keyring service runs here (no session bus): the message says what is missing and
    // what to do, never QtKeychain's bare "Unknown error".
    void keyringMessageSaysWhatIsMissing() {
        ServersPage* page = openServersPage();
        enterServer(page, m_server->url());
        page->keyEdit()->setText(QStringLiteral("a-session-key"));
        QLabel* status = page->keyStatusLabel();
        status->clear();
        page->useButton()->setFocus();
        QTest::keyClick(page->useButton(), Qt::Key_Space);
        QTRY_VERIFY_WITH_TIMEOUT(!status->text().isEmpty(), kTimeoutMs);
        QVERIFY2(!status->text().contains("Unknown error"), qPrintable(status->text()));
        if (qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")) {
            QVERIFY2(status->text().contains("No desktop keyring (Secret Service) is running"),
                     qPrintable(status->text()));
            QVERIFY(status->text().contains("kept for this session only"));
            QVERIFY(status->text().contains("Start GNOME Keyring or KWallet"));
        }
        QVERIFY(m_window->modelsDialog()->grab().save(
            test::artifactPath("models-servers-keyring.png")));
        page->keyEdit()->clear(); // the server needs none
        QVERIFY(page->useServer());
        m_window->modelsDialog()->hide();
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

    // A writing task with the story bible on the server: the scene is longer than the server's
    // context (-c 1024), the prompt is fitted to it by the server's token count, and holds the
    // character mentioned and Memory.
    void bibleTaskFitsTheServersContext() {
        ServersPage* page = openServersPage();
        enterServer(page, m_server->url()); // back from the fault proxy
        QVERIFY(page->useServer());
        m_window->modelsDialog()->hide();
        storage::Project* project = m_window->project();
        const int64_t maren = project->binder().create(storage::NodeKind::Character, "Maren");
        const std::string note = "Maren keeps the lighthouse on Skarv Island and distrusts the "
                                 "mainland.";
        project->bible().setModelNote(maren, note);
        project->bible().setStoryNote(storage::StoryNoteKind::Memory,
                                      "A quiet novel about a lighthouse in the north.");
        EditorView* editor = m_window->editor();
        QTextCursor end(editor->document());
        end.movePosition(QTextCursor::End);
        QString scene;
        for (int i = 0; i < 90; ++i)
            scene += QStringLiteral(" The lamp turned above the grey water, and the keeper "
                                    "counted the ships that passed in the night.\n");
        end.insertText(scene + QStringLiteral("Maren climbed the stairs and"));
        editor->setTextCursor(end);
        remote::RemoteServer server;
        server.baseUrl = m_server->url();
        const remote::TokenCount whole =
            remote::RemoteClient(server).countTokens(editor->toPlainText());
        QVERIFY2(whole.tokens > 1024, "the scene must be longer than the server's context");

        GeneratePanel* panel = m_window->generatePanel();
        panel->lengthBox()->setValue(24);
        QSignalSpy recorded(panel, &GeneratePanel::generationRecorded);
        QTest::mouseClick(panel->continueButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, kTimeoutMs);
        const storage::Generation g = project->generations().get(recorded.at(0).at(0).toLongLong());
        QVERIFY2(g.failure.empty(), g.failure.c_str());
        QVERIFY(!g.output.empty());
        QCOMPARE(QString::fromStdString(g.engine), m_server->url().toString());
        QVERIFY(std::find(g.bibleEntries.begin(), g.bibleEntries.end(), maren) !=
                g.bibleEntries.end());
        QVERIFY(g.prompt.find(note) != std::string::npos);
        QVERIFY(g.prompt.find("lighthouse in the north") != std::string::npos);
        QVERIFY(g.prompt.find("Maren climbed the stairs and") != std::string::npos);
        bool hasBiblePart = false;
        for (const auto& part : g.promptParts) hasBiblePart |= part.source == "bible";
        QVERIFY(hasBiblePart);
        // It fits: the server's own count of the prompt, and what the server says it read.
        const remote::TokenCount prompt =
            remote::RemoteClient(server).countTokens(QString::fromStdString(g.prompt));
        QVERIFY(!prompt.estimated);
        QVERIFY2(prompt.tokens + 1 + 24 <= 1024, qPrintable(QString::number(prompt.tokens)));
        QVERIFY(g.promptTokens > 512); // the scene was cut to the room, not to nothing
        QVERIFY(g.promptTokens + 24 <= 1024);

        // "What the model reads" on the server: the same prompt, counted by the server.
        panel->showContextViewer();
        ContextViewer* viewer = panel->contextViewer();
        QTRY_VERIFY_WITH_TIMEOUT(viewer->prompt() != nullptr, kTimeoutMs);
        const auto& shown = *viewer->prompt();
        QVERIFY(shown.text.find(note) != std::string::npos);
        QVERIFY(shown.tokens > 512);
        QVERIFY(shown.tokens <= shown.budgetTokens);
        QVERIFY2(viewer->totalLabel()->text().startsWith(QString::number(shown.tokens) + " of "),
                 qPrintable(viewer->totalLabel()->text()));
        QVERIFY(viewer->grab().save(test::artifactPath("context-viewer-remote.png")));
        viewer->close();
    }

    void cleanupTestCase() {
        m_window.reset();
        m_server.reset();
    }
};

FABULIST_GUI_TEST_MAIN(UiRemoteServerTest)
#include "ui_remote_server_test.moc"
