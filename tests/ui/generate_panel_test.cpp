// The Generate panel on the real MainWindow, a real project file and the real default model and
// diversity head: Continue streams the same text the engine writes for the same prompt, seed
// and settings (computed here through the inference API, not through the panel); Accept inserts
// it as one undo step; Retry branches; Stop and closing the window keep the partial output;
// without a head the α slider is disabled and says why. Also writes
// <build>/artifacts/generate-panel.png.
#include "engine_reference.h"
#include "generation_fixture.h"
#include "gui_test_support.h"
#include "inference/engine/default_model.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/ghost_text.h"
#include "ui/generate/continuation_fit.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/inference_worker.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/settings.h"
#include "ui/storyboard/storyboard_view.h"

#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTextCursor>
#include <QTextDocument>
#include <QToolButton>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

using fabulist::test::kParagraph;
using fabulist::test::kTimeoutMs;

QString shippedSha256() {
    QFile sum(QString::fromStdString(inference::defaultModelPath()) + QStringLiteral(".sha256"));
    if (!sum.open(QIODevice::ReadOnly)) return {};
    return QString::fromLatin1(sum.readLine()).section(QLatin1Char(' '), 0, 0).trimmed();
}

} // namespace

class GeneratePanelTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void continueMatchesEngineThenAcceptIsOneUndoStep();
    void retryBranchesAndEditedAcceptIsRecorded();
    void stopKeepsPartialOutputAsCancelled();
    void escapeStopsFirstThenLeavesFocusMode();
    void closingTheWindowRecordsTheGenerationInFlight();
    void alphaSliderDisabledWithoutHead();
    void missingModelIsAClearError();
    void pinToStoryboardMakesALinkedCard();

private:
    // Waits until the panel has recorded one more generation and returns its row.
    storage::Generation waitForRecord(QSignalSpy& spy, int count);
    void startLongGeneration();

    QTemporaryDir m_dir;
    QString m_projectPath;
    std::unique_ptr<MainWindow> m_window;
    GeneratePanel* m_panel = nullptr;
    int64_t m_scene = 0;
};

void GeneratePanelTest::initTestCase() {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QVERIFY2(QFileInfo::exists(QString::fromStdString(inference::defaultModelPath())),
             "the default model is missing: git checkout resources/models/");
    m_projectPath = m_dir.filePath(QStringLiteral("lighthouse.fabulist"));
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1360, 860);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->newProject(m_projectPath));
    m_window->binderView()->setCurrentIndex({});
    m_scene = m_window->binderView()
                  ->createNode(storage::NodeKind::Scene, QStringLiteral("Lamp"))
                  .value();
    QCOMPARE(m_window->documentSession()->currentId(), std::optional<int64_t>(m_scene));
    m_panel = m_window->generatePanel();
    QVERIFY(m_panel);
    // The panel says so while the model loads in the background.
    QVERIFY(!m_panel->isModelReady());
    QVERIFY(!m_panel->continueButton()->isEnabled());
    QSignalSpy ready(m_panel, &GeneratePanel::modelReady);
    m_panel->loadDefaultModel();
    QVERIFY(m_panel->findChild<QLabel*>(QStringLiteral("generateModelLabel"))
                ->text()
                .startsWith(QStringLiteral("Loading model")));
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() == 1, kTimeoutMs);
    QVERIFY(m_panel->isModelReady());
    QVERIFY(m_panel->hasAdapter());
    QVERIFY(m_panel->alphaSlider()->isEnabled());
    QCOMPARE(m_panel->alphaSlider()->value(), Settings::kDefaultMixPercent);
    QCOMPARE(m_panel->lengthBox()->value(), Settings::kDefaultGenerateLength);
    // One candidate per request here (rows are counted); ui_candidates_test has several.
    QCOMPARE(m_panel->candidatesBox()->value(), Settings::kDefaultCandidates);
    m_panel->candidatesBox()->setValue(1);
    QCOMPARE(m_panel->model().modelName, QStringLiteral("fabulist-default"));
    QVERIFY(m_panel->findChild<QLabel*>(QStringLiteral("generateModelLabel"))
                ->text()
                .contains(QStringLiteral("fabulist-default")));
}

storage::Generation GeneratePanelTest::waitForRecord(QSignalSpy& spy, int count) {
    [&] { QTRY_COMPARE_WITH_TIMEOUT(spy.count(), count, kTimeoutMs); }();
    if (spy.count() != count) return {};
    const qint64 id = spy.at(count - 1).at(0).toLongLong();
    return m_window->project()->generations().get(id);
}

void GeneratePanelTest::continueMatchesEngineThenAcceptIsOneUndoStep() {
    EditorView* editor = m_window->editor();
    editor->setFocus();
    QTest::keyClicks(editor, kParagraph);
    QCOMPARE(editor->toPlainText(), kParagraph);

    const uint32_t seed = 1234;
    const int tokens = 24;
    m_panel->lengthBox()->setValue(tokens);
    m_panel->seedBox()->setValue(int(seed));
    QVERIFY(m_panel->seedLockButton()->isChecked()); // a typed seed is kept for this Continue
    QCOMPARE(m_panel->temperatureBox()->value(), Settings::kDefaultGenerateTemperature);
    QSignalSpy recorded(m_panel, &GeneratePanel::generationRecorded);
    QSignalSpy generating(m_panel, &GeneratePanel::generatingChanged);
    // Ctrl+Return while typing in the editor.
    QTest::keyClick(editor, Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(generating.count(), 1);
    QVERIFY(m_panel->isGenerating());
    QVERIFY(m_panel->stopButton()->isEnabled());
    QVERIFY(!m_panel->continueButton()->isEnabled());
    const storage::Generation g = waitForRecord(recorded, 1);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(!m_panel->isGenerating());

    const test::EngineContinuation expected =
        test::engineContinuation(kParagraph, tokens, 0.8f, seed, 0.3f);
    QVERIFY(!expected.text.trimmed().isEmpty());
    // The preview holds the engine's text fitted to the page: after "restless." a new word
    // starts with one space, the paragraphs follow the document's blank lines, and an
    // unfinished last sentence is left out when the length ran out.
    FitOptions fit;
    fit.before = kParagraph.back();
    fit.endAtSentence = expected.stopReason == QStringLiteral("max_tokens");
    const QString fitted = fitContinuation(expected.text, fit);
    QVERIFY(!fitted.isEmpty());
    QCOMPARE(m_panel->preview()->toPlainText(), fitted);
    QVERIFY2(m_panel->progressText().contains(QStringLiteral("tokens/s")),
             qPrintable(m_panel->progressText()));
    QVERIFY(m_panel->acceptButton()->isEnabled());
    QVERIFY(!m_panel->preview()->isReadOnly()); // the writer may edit it before accepting

    // The row: everything needed to make it again.
    QCOMPARE(g.task, std::string("continue"));
    QCOMPARE(g.documentId, std::optional<int64_t>(m_scene));
    QCOMPARE(g.contextStart, int64_t(0));
    QCOMPARE(g.contextEnd, int64_t(kParagraph.size()));
    QCOMPARE(g.modelId, std::string("fabulist-default"));
    QCOMPARE(QString::fromStdString(g.modelSha256), shippedSha256());
    QCOMPARE(g.modelSha256.size(), size_t(64));
    QCOMPARE(g.adapterId, std::string("fabulist-default.head.gguf"));
    QVERIFY(qAbs(g.mixAlpha - 0.3) < 1e-6);
    QVERIFY(qAbs(g.sampler.temperature - 0.8) < 1e-6);
    QCOMPARE(g.sampler.topK, 40);
    QVERIFY(qAbs(g.sampler.topP - 0.95) < 1e-6);
    QVERIFY(qAbs(g.sampler.minP - 0.05) < 1e-6);
    QCOMPARE(g.seed, uint64_t(seed));
    QCOMPARE(QString::fromStdString(g.prompt), kParagraph);
    QCOMPARE(QString::fromStdString(g.output), expected.text); // the model's own text
    QCOMPARE(g.promptTokens, int64_t(expected.promptTokens));
    QCOMPARE(g.generatedTokens, int64_t(expected.generatedTokens));
    QVERIFY(g.promptMs > 0.0);
    QVERIFY(g.generationMs > 0.0);
    QCOMPARE(g.status, storage::GenerationStatus::Pending);
    // It ran to its length or to the model's end of text, as the engine's own run did.
    QCOMPARE(g.stopReason, expected.stopReason == QStringLiteral("max_tokens")
                               ? storage::GenerationStop::Length
                               : storage::GenerationStop::EndOfText);
    QCOMPARE(g.parentId, std::optional<int64_t>());

    // The screenshot, with the Generate tab showing the finished generation.
    auto* tabs = m_window->findChild<QTabWidget*>(QStringLiteral("sidePanels"));
    QVERIFY(tabs);
    tabs->setCurrentWidget(m_panel);
    QTest::qWait(50);
    const QImage image = m_window->grab().toImage();
    QVERIFY(!image.isNull());
    const QByteArray binary = qgetenv("FABULIST_BINARY_DIR");
    const QString artifacts =
        QDir(binary.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(binary))
            .filePath(QStringLiteral("artifacts"));
    QVERIFY(QDir().mkpath(artifacts));
    const QString file = QDir(artifacts).filePath(QStringLiteral("generate-panel.png"));
    QVERIFY(image.save(file));
    QVERIFY(QFileInfo(file).size() > 10000);
    qInfo("wrote %s", qPrintable(file));

    // Accept: inserted at the cursor, recorded as accepted, one undo takes it out again.
    QTest::mouseClick(m_panel->acceptButton(), Qt::LeftButton);
    QCOMPARE(editor->toPlainText(), kParagraph + fitted);
    QCOMPARE(m_window->project()->generations().get(g.id).status,
             storage::GenerationStatus::Accepted);
    QVERIFY(m_panel->preview()->toPlainText().isEmpty());
    QVERIFY(!m_panel->acceptButton()->isEnabled());
    editor->undo();
    QCOMPARE(editor->toPlainText(), kParagraph);
    editor->redo();
    QCOMPARE(editor->toPlainText(), kParagraph + fitted);
    // Autosave stores it like typed text.
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->documentSession()->hasUnsavedChanges(), 5000);
    QCOMPARE(QString::fromStdString(m_window->project()->documents().text(m_scene)),
             kParagraph + fitted);
}

void GeneratePanelTest::retryBranchesAndEditedAcceptIsRecorded() {
    EditorView* editor = m_window->editor();
    editor->moveCursor(QTextCursor::End);
    const QString before = editor->toPlainText();
    m_panel->lengthBox()->setValue(16);
    QTest::mouseClick(m_panel->seedLockButton(), Qt::LeftButton); // unlocked: new draws
    QVERIFY(!m_panel->seedLockButton()->isChecked());
    QSignalSpy recorded(m_panel, &GeneratePanel::generationRecorded);
    QTest::mouseClick(m_panel->continueButton(), Qt::LeftButton);
    const storage::Generation first = waitForRecord(recorded, 1);
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(first.contextEnd, int64_t(before.size()));
    QVERIFY(m_panel->retryButton()->isEnabled());

    QTest::mouseClick(m_panel->retryButton(), Qt::LeftButton);
    const storage::Generation second = waitForRecord(recorded, 2);
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(second.parentId, std::optional<int64_t>(first.id));
    QVERIFY(second.seed != first.seed); // a new seed (the dice)
    QCOMPARE(second.seed, uint64_t(m_panel->seedBox()->value()));
    QCOMPARE(second.prompt, first.prompt); // the same context
    QCOMPARE(second.contextEnd, first.contextEnd);
    QCOMPARE(m_window->project()->generations().get(first.id).status,
             storage::GenerationStatus::Rejected);
    QCOMPARE(m_window->project()->generations().children(first.id).size(), size_t(1));

    // The writer edits the preview, then accepts: status Edited, their text kept.
    QPlainTextEdit* preview = m_panel->preview();
    preview->setFocus();
    preview->moveCursor(QTextCursor::End);
    const QString shown = preview->toPlainText();
    QTest::keyClicks(preview, QStringLiteral(" Edited by hand."));
    const QString kept = preview->toPlainText();
    QCOMPARE(kept, shown + QStringLiteral(" Edited by hand."));
    QVERIFY(m_panel->accept());
    QCOMPARE(editor->toPlainText(), before + kept);
    const storage::Generation edited = m_window->project()->generations().get(second.id);
    QCOMPARE(edited.status, storage::GenerationStatus::Edited);
    QCOMPARE(QString::fromStdString(edited.editedOutput), kept);
    QCOMPARE(edited.output, second.output);
}

void GeneratePanelTest::startLongGeneration() {
    m_panel->lengthBox()->setValue(600);
    m_panel->seedBox()->setValue(42); // a fixed continuation, not one that may end at once
    m_window->editor()->moveCursor(QTextCursor::End);
    QVERIFY(m_panel->continueWriting());
    // Returns as soon as the first words stream in (a polling wait could let a fast machine
    // write all 600 tokens first): it is mid-generation.
    QSignalSpy streamed(m_panel->preview()->document(), &QTextDocument::contentsChanged);
    QVERIFY(streamed.wait(kTimeoutMs));
    QVERIFY(!m_panel->preview()->toPlainText().isEmpty());
    QVERIFY(m_panel->isGenerating());
}

void GeneratePanelTest::stopKeepsPartialOutputAsCancelled() {
    QSignalSpy recorded(m_panel, &GeneratePanel::generationRecorded);
    const QString editorText = m_window->editor()->toPlainText();
    startLongGeneration();
    QVERIFY(!QTest::currentTestFailed());
    QTest::keyClick(m_window->editor(), Qt::Key_Escape); // Stop
    const storage::Generation g = waitForRecord(recorded, 1);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY2(m_panel->statusText().startsWith(QStringLiteral("Stopped")),
             qPrintable(m_panel->statusText()));
    // Recorded as stopped by the writer, awaiting their decision, with the partial output that
    // was streamed (shown fitted to the page: the same words).
    QCOMPARE(g.status, storage::GenerationStatus::Pending);
    QCOMPARE(g.stopReason, storage::GenerationStop::Stopped); // not "read and rejected"
    QVERIFY(!g.output.empty());
    QCOMPARE(QString::fromStdString(g.output).simplified(),
             m_panel->preview()->toPlainText().simplified());
    QVERIFY(g.generatedTokens > 0);
    QVERIFY2(g.generatedTokens < 600, qPrintable(QString::number(g.generatedTokens)));
    qInfo("stopped after %lld of 600 tokens", static_cast<long long>(g.generatedTokens));
    // Stop when it's good, keep it: Accept and Pin stay available.
    QVERIFY(m_panel->acceptButton()->isEnabled());
    QVERIFY(m_panel->pinButton()->isEnabled());
    QVERIFY(m_panel->retryButton()->isEnabled());
    QVERIFY(!m_panel->preview()->isReadOnly());
    // The text in the editor did not change. (Compared whole: a partial output of a token or
    // two, such as " the", may well occur in it already.)
    QCOMPARE(m_window->editor()->toPlainText(), editorText);
}

void GeneratePanelTest::escapeStopsFirstThenLeavesFocusMode() {
    // The Generate menu offers Continue and Stop.
    QMenu* menu = fabulist::test::menuBarMenu(*m_window, QStringLiteral("&Generate"));
    QVERIFY(menu);
    QVERIFY(menu->actions().contains(m_panel->continueAction()));
    QVERIFY(menu->actions().contains(m_panel->stopAction()));

    m_window->setFocusMode(true);
    QSignalSpy recorded(m_panel, &GeneratePanel::generationRecorded);
    startLongGeneration();
    QVERIFY(!QTest::currentTestFailed());
    QTest::keyClick(m_window->editor(), Qt::Key_Escape); // stops, stays in focus mode
    QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, kTimeoutMs);
    QVERIFY(m_window->isFocusMode());
    QVERIFY(m_panel->statusText().startsWith(QStringLiteral("Stopped")));
    // The stopped text stays as ghost text after the caret: the next Esc dismisses it.
    QVERIFY(m_window->ghostText()->isShown());
    QTest::keyClick(m_window->editor(), Qt::Key_Escape);
    QVERIFY(!m_window->ghostText()->isShown());
    QVERIFY(m_window->isFocusMode());
    QTest::keyClick(m_window->editor(), Qt::Key_Escape); // now leaves focus mode
    QVERIFY(!m_window->isFocusMode());
}

void GeneratePanelTest::closingTheWindowRecordsTheGenerationInFlight() {
    startLongGeneration();
    QVERIFY(!QTest::currentTestFailed());
    const int64_t before = int64_t(m_window->project()->generations().recent(1000).size());
    m_window->close();
    m_window.reset(); // closes the project: the generation must land in it first
    m_panel = nullptr;
    auto project = storage::Project::open(m_projectPath.toStdString());
    const std::vector<storage::Generation> all = project->generations().recent(1000);
    QCOMPARE(int64_t(all.size()), before + 1);
    const storage::Generation& g = all.front();
    QCOMPARE(g.status, storage::GenerationStatus::Rejected);
    QCOMPARE(g.stopReason, storage::GenerationStop::Stopped);
    QVERIFY(!g.output.empty());
    QVERIFY(g.generatedTokens > 0);
    QVERIFY(g.generatedTokens < 600);
    QCOMPARE(g.documentId, std::optional<int64_t>(m_scene));
}

void GeneratePanelTest::alphaSliderDisabledWithoutHead() {
    MainWindow w;
    GeneratePanel* panel = w.generatePanel();
    const QString model = QString::fromStdString(inference::defaultModelPath());
    const QString missing = m_dir.filePath(QStringLiteral("no-such.head.gguf"));
    QCOMPARE(panel->lengthBox()->value(), 600); // the last length used is remembered
    QSignalSpy ready(panel, &GeneratePanel::modelReady);
    panel->loadModel(model, missing);
    QVERIFY(!panel->alphaSlider()->isEnabled()); // while loading
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() == 1, kTimeoutMs);
    QVERIFY(!panel->hasAdapter());
    QVERIFY(!panel->alphaSlider()->isEnabled());
    const QString why = panel->alphaSlider()->toolTip();
    QVERIFY2(why.contains(missing) && why.contains(QStringLiteral("does not exist")),
             qPrintable(why));
    // Loading it again with the head enables the slider.
    panel->loadModel(model, InferenceWorker::adapterPathFor(model));
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() == 2, kTimeoutMs);
    QVERIFY(panel->hasAdapter());
    QVERIFY(panel->alphaSlider()->isEnabled());
}

void GeneratePanelTest::missingModelIsAClearError() {
    MainWindow w;
    GeneratePanel* panel = w.generatePanel();
    const QString missing = m_dir.filePath(QStringLiteral("gone.gguf"));
    QSignalSpy failed(panel, &GeneratePanel::modelFailed);
    panel->loadModel(missing, {});
    QTRY_VERIFY_WITH_TIMEOUT(failed.count() == 1, kTimeoutMs);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(missing) && message.contains(QStringLiteral("Choose")),
             qPrintable(message));
    QVERIFY(!panel->isModelReady());
    QVERIFY(!panel->continueWriting());
    QCOMPARE(w.lastError(), message); // shown to the writer
    for (QMessageBox* box : w.findChildren<QMessageBox*>()) box->close();
}

// Brainstorming: generate, pin, retry, pin again. Each pinned idea is a card with the generated
// text, linked to its recorded generation, on the board shown ("Ideas" when there was none).
void GeneratePanelTest::pinToStoryboardMakesALinkedCard() {
    MainWindow w;
    w.resize(1360, 860);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.newProject(m_dir.filePath(QStringLiteral("pins.fabulist"))));
    w.binderView()->setCurrentIndex({});
    QVERIFY(w.binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Pins")));
    w.editor()->setFocus();
    QTest::keyClicks(w.editor(), kParagraph);
    GeneratePanel* panel = w.generatePanel();
    QVERIFY(!panel->pinButton()->isEnabled()); // nothing to pin yet
    QSignalSpy ready(panel, &GeneratePanel::modelReady);
    panel->loadDefaultModel();
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() == 1, kTimeoutMs);
    QVERIFY(w.project()->storyboard().boards().empty());

    panel->lengthBox()->setValue(8); // a few tokens are enough for an idea here
    panel->seedBox()->setValue(1234);
    QSignalSpy recorded(panel, &GeneratePanel::generationRecorded);
    QVERIFY(panel->continueWriting());
    QVERIFY(!panel->pinButton()->isEnabled()); // not while it streams
    // (waitForRecord reads the fixture's window; this test has its own.)
    QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, kTimeoutMs);
    const storage::Generation first =
        w.project()->generations().get(recorded.at(0).at(0).toLongLong());
    QVERIFY(!QString::fromStdString(first.output).trimmed().isEmpty());
    QVERIFY(panel->pinButton()->isEnabled());
    QTest::mouseClick(panel->pinButton(), Qt::LeftButton);
    QVERIFY(!panel->pinButton()->isEnabled()); // one card per generation

    std::vector<storage::Board> boards = w.project()->storyboard().boards();
    QCOMPARE(boards.size(), size_t(1));
    QCOMPARE(boards[0].title, std::string("Ideas"));
    std::vector<storage::Card> cards = w.project()->storyboard().cards(boards[0].id);
    QCOMPARE(cards.size(), size_t(1));
    QCOMPARE(QString::fromStdString(cards[0].text), QString::fromStdString(first.output).trimmed());
    QCOMPARE(cards[0].generationId, std::optional<int64_t>(first.id));
    // Titled with its first words.
    QString title = QString::fromStdString(cards[0].title);
    QVERIFY(!title.isEmpty());
    if (title.endsWith(QChar(0x2026))) title.chop(1);
    QVERIFY2(QString::fromStdString(first.output).simplified().startsWith(title),
             qPrintable(title));
    QCOMPARE(w.storyboardView()->cardIds(), (QList<int64_t>{cards[0].id}));

    // Retry and pin again: a second card on the same board, linked to the new generation.
    QVERIFY(panel->retry());
    QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 2, kTimeoutMs);
    const storage::Generation second =
        w.project()->generations().get(recorded.at(1).at(0).toLongLong());
    QCOMPARE(second.parentId, std::optional<int64_t>(first.id));
    QVERIFY(panel->pinButton()->isEnabled());
    QVERIFY(panel->pin());
    QCOMPARE(w.project()->storyboard().boards().size(), size_t(1));
    cards = w.project()->storyboard().cards(boards[0].id);
    QCOMPARE(cards.size(), size_t(2));
    QCOMPARE(cards[1].generationId, std::optional<int64_t>(second.id));
    QCOMPARE(QString::fromStdString(cards[1].text),
             QString::fromStdString(second.output).trimmed());
    QVERIFY(cards[1].x != cards[0].x || cards[1].y != cards[0].y); // not on top of the first
    w.closeProject();
}

FABULIST_GUI_TEST_MAIN(GeneratePanelTest)
#include "generate_panel_test.moc"
