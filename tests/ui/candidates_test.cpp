// Several candidates per request (issue #15, item 2) on the real MainWindow, a real project file
// and the real default model: through the window's GenerationController, N candidates are the
// N single runs with seeds s, s+1, ... and are recorded as N sibling rows (one parent); Stop ends
// all of them and still records them; in the Generate tab they stream as cards, a chosen card is
// what Accept inserts (one undo step; it accepted, the others rejected); in the editor the ghost
// text cycles through them with Alt+] without a new request, and Tab takes the one shown. The
// Candidates setting is remembered. Writes artifacts/candidates-{light,dark}.png and
// candidates-ghost.png.
#include "generation_fixture.h"
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/ghost_text.h"
#include "ui/generate/candidate_cards.h"
#include "ui/generate/generate_panel.h"
#include "ui/generate/generation_controller.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/settings.h"
#include "ui/theme.h"

#include <QDoubleSpinBox>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTextCursor>
#include <QToolButton>
#include <set>

using namespace fabulist;
using namespace fabulist::ui;

namespace {
using fabulist::test::kParagraph;
using fabulist::test::kTimeoutMs;
} // namespace

class CandidatesTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void candidatesEqualSeededSingleRuns();
    void stopEndsEveryCandidateAndRecordsThem();
    void cardsStreamAndAcceptTakesTheChosenOne();
    void ghostCyclesCandidatesWithoutANewRequest();
    void candidatesSettingIsRemembered();
    void cleanupTestCase();

private:
    // A request through the window's controller from kParagraph; waits until it is recorded.
    GenerationOutcome runThroughController(uint32_t seed, int candidates,
                                           std::optional<int64_t> parent,
                                           std::vector<QString>* streamed = nullptr);
    storage::Generation get(int64_t id) const { return m_window->project()->generations().get(id); }
    void typeScene(const QString& text);
    QString documentText() const { return m_window->editor()->toPlainText(); }

    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    GeneratePanel* m_panel = nullptr;
    GenerationController* m_controller = nullptr;
    int64_t m_scene = 0;
};

void CandidatesTest::initTestCase() {
    m_window = std::make_unique<MainWindow>();
    const QString error = test::openGenerationWindow(
        *m_window, m_dir.filePath(QStringLiteral("candidates.fabulist")), m_scene);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    m_panel = m_window->generatePanel();
    m_controller = m_window->generationController();
    QCOMPARE(m_panel->candidatesBox()->value(), 3); // the default
    m_panel->lengthBox()->setValue(24);
    m_panel->temperatureBox()->setValue(0.8);
    m_panel->seedLockButton()->setChecked(false);
}

void CandidatesTest::init() {
    if (m_window->ghostText()->isShown()) m_window->ghostText()->dismiss();
    QTRY_VERIFY_WITH_TIMEOUT(!m_panel->isGenerating(), kTimeoutMs);
    if (m_panel->currentGenerationId()) m_panel->discard();
    m_panel->candidatesBox()->setValue(3);
    m_window->binderView()->selectNode(m_scene);
    m_window->activateWindow();
    m_window->editor()->setFocus();
}

void CandidatesTest::cleanupTestCase() {
    m_window.reset();
}

void CandidatesTest::typeScene(const QString& text) {
    EditorView* editor = m_window->editor();
    editor->selectAll();
    editor->textCursor().removeSelectedText();
    editor->insertPlainText(text);
    editor->moveCursor(QTextCursor::End);
}

GenerationOutcome CandidatesTest::runThroughController(uint32_t seed, int candidates,
                                                       std::optional<int64_t> parent,
                                                       std::vector<QString>* streamed) {
    GenerationRequest request;
    request.context = kParagraph;
    request.maxTokens = 24;
    request.sampler.temperature = 0.8f;
    request.sampler.seed = seed;
    request.candidates = candidates;
    GenerationOrigin origin;
    origin.documentId = m_scene;
    origin.contextEnd = kParagraph.size();
    origin.parentId = parent;
    if (streamed) streamed->assign(size_t(candidates), QString());
    QMetaObject::Connection pieces =
        connect(m_controller, &GenerationController::tokenArrived, this,
                [streamed](qint64, const QString& piece, int candidate) {
                    if (streamed && candidate >= 0 && candidate < int(streamed->size()))
                        (*streamed)[size_t(candidate)] += piece;
                });
    QSignalSpy finished(m_controller, &GenerationController::finished);
    const qint64 id = m_controller->start(request, origin);
    [&] { QVERIFY(id > 0); }();
    if (!finished.wait(kTimeoutMs) && finished.isEmpty()) {
        disconnect(pieces);
        return {};
    }
    disconnect(pieces);
    return finished.first().first().value<GenerationOutcome>();
}

// N candidates through the controller are the N single runs with seeds s, s+1, s+2 (the same
// controller, prompt and settings), streamed per candidate, and N rows with one parent.
void CandidatesTest::candidatesEqualSeededSingleRuns() {
    const GenerationOutcome parent = runThroughController(777, 1, std::nullopt);
    QCOMPARE(int(parent.candidates.size()), 1);
    QVERIFY(parent.candidates[0].generationId);
    const int64_t parentId = *parent.candidates[0].generationId;

    QSignalSpy recorded(m_controller, &GenerationController::generationRecorded);
    std::vector<QString> streamed;
    const GenerationOutcome three = runThroughController(4242, 3, parentId, &streamed);
    QCOMPARE(int(three.candidates.size()), 3);
    QCOMPARE(recorded.count(), 1); // once per request
    QCOMPARE(three.text, three.candidates[0].text);
    std::set<QString> distinct;
    for (int i = 0; i < 3; ++i) {
        const CandidateOutcome& c = three.candidates[size_t(i)];
        QVERIFY(c.generationId);
        const storage::Generation row = get(*c.generationId);
        QCOMPARE(row.seed, uint64_t(4242 + i));
        QCOMPARE(row.parentId, std::optional<int64_t>(parentId)); // siblings
        QCOMPARE(row.status, storage::GenerationStatus::Pending);
        QCOMPARE(QString::fromStdString(row.output), c.text);
        QCOMPARE(QString::fromStdString(row.prompt), three.prompt);
        QCOMPARE(int(row.generatedTokens), c.generatedTokens);
        QCOMPARE(streamed[size_t(i)], c.text);
        distinct.insert(c.text);

        const GenerationOutcome single = runThroughController(uint32_t(4242 + i), 1, std::nullopt);
        QVERIFY(single.candidates[0].generationId);
        QCOMPARE(single.prompt, three.prompt);
        QCOMPARE(QString::fromStdString(get(*single.candidates[0].generationId).output), c.text);
        QCOMPARE(single.generatedTokens, c.generatedTokens);
    }
    QCOMPARE(int(distinct.size()), 3); // three seeds, three texts
}

// Stop mid-stream ends all three at once; each is recorded, stopped, with what it had.
void CandidatesTest::stopEndsEveryCandidateAndRecordsThem() {
    GenerationRequest request;
    request.context = kParagraph;
    request.maxTokens = 400;
    request.sampler.temperature = 0.8f;
    request.sampler.seed = 99;
    request.candidates = 3;
    GenerationOrigin origin;
    origin.documentId = m_scene;
    origin.contextEnd = kParagraph.size();
    origin.parentId = std::nullopt;
    int pieces = 0;
    QMetaObject::Connection stopper =
        connect(m_controller, &GenerationController::tokenArrived, this, [&] {
            if (++pieces == 6) m_controller->stop();
        });
    QSignalSpy finished(m_controller, &GenerationController::finished);
    QVERIFY(m_controller->start(request, origin) > 0);
    QVERIFY(finished.wait(kTimeoutMs) || !finished.isEmpty());
    disconnect(stopper);
    const auto outcome = finished.first().first().value<GenerationOutcome>();
    QVERIFY(outcome.cancelled);
    QCOMPARE(int(outcome.candidates.size()), 3);
    for (const CandidateOutcome& c : outcome.candidates) {
        QVERIFY(c.generationId);
        const storage::Generation row = get(*c.generationId);
        QCOMPARE(row.stopReason, storage::GenerationStop::Stopped);
        QCOMPARE(row.status, storage::GenerationStatus::Pending); // the writer may keep it
        QVERIFY(row.generatedTokens < 400);
        QCOMPARE(row.parentId, std::optional<int64_t>());
    }
    QVERIFY(!m_controller->isGenerating());
}

// Continue with three candidates: three cards stream; choosing card 2 puts its text in the
// preview, Accept inserts it (one undo step), accepted, the others rejected.
void CandidatesTest::cardsStreamAndAcceptTakesTheChosenOne() {
    typeScene(kParagraph);
    for (QWidget* w = m_panel->parentWidget(); w; w = w->parentWidget())
        if (auto* tabs = qobject_cast<QTabWidget*>(w)) tabs->setCurrentWidget(m_panel);
    CandidateCards* cards = m_panel->candidateCards();
    // While it streams: three cards on show, the pieces arriving in their own cards.
    int cardsWhileStreaming = 0;
    bool visibleWhileStreaming = false;
    QStringList cardTextsWhileStreaming;
    QMetaObject::Connection watch = connect(m_controller, &GenerationController::tokenArrived, this,
                                            [&](qint64, const QString&, int) {
                                                cardsWhileStreaming = cards->count();
                                                visibleWhileStreaming = cards->isVisible();
                                                cardTextsWhileStreaming.clear();
                                                for (int i = 0; i < cards->count(); ++i)
                                                    cardTextsWhileStreaming << cards->text(i);
                                            });
    QSignalSpy recorded(m_panel, &GeneratePanel::generationRecorded);
    QVERIFY(m_panel->continueWriting());
    QVERIFY(m_panel->isGenerating());
    QCOMPARE(cards->count(), 3);
    QVERIFY(cards->isVisible());
    QCOMPARE(cards->selected(), 0);
    QVERIFY(recorded.wait(kTimeoutMs) || !recorded.isEmpty());
    disconnect(watch);
    QCOMPARE(cardsWhileStreaming, 3);
    QVERIFY(visibleWhileStreaming);
    QCOMPARE(cardTextsWhileStreaming.size(), 3);
    const int started =
        int(std::count_if(cardTextsWhileStreaming.begin(), cardTextsWhileStreaming.end(),
                          [](const QString& t) { return !t.isEmpty(); }));
    QVERIFY2(started >= 2, "the candidates stream together, not one after another");

    QCOMPARE(m_panel->candidateCount(), 3);
    QCOMPARE(m_panel->preview()->toPlainText(), cards->text(0));
    std::vector<int64_t> ids;
    std::vector<QString> texts;
    for (int i = 0; i < 3; ++i) {
        m_panel->chooseCard(i);
        ids.push_back(*m_panel->currentGenerationId());
        texts.push_back(m_panel->preview()->toPlainText());
        QCOMPARE(cards->text(i), texts.back());
        QCOMPARE(cards->selected(), i);
    }
    QCOMPARE(std::set<int64_t>(ids.begin(), ids.end()).size(), size_t(3));
    QCOMPARE(get(ids[1]).seed, get(ids[0]).seed + 1);
    QCOMPARE(get(ids[1]).parentId, get(ids[0]).parentId);

    // By mouse: card 1; by keyboard in the list: Down to card 2; Alt+[ / Alt+] in the panel.
    QTest::mouseClick(cards->card(0), Qt::LeftButton);
    QCOMPARE(cards->selected(), 0);
    QCOMPARE(m_panel->preview()->toPlainText(), texts[0]);
    cards->setFocus();
    QTest::keyClick(cards, Qt::Key_Down);
    QCOMPARE(cards->selected(), 1);
    QCOMPARE(m_panel->currentGenerationId(), std::optional<int64_t>(ids[1]));
    QTest::keyClick(cards, Qt::Key_BracketRight, Qt::AltModifier);
    QCOMPARE(cards->selected(), 2);
    QTest::keyClick(cards, Qt::Key_BracketLeft, Qt::AltModifier);
    QCOMPARE(cards->selected(), 1);
    QCOMPARE(m_panel->preview()->toPlainText(), texts[1]);
    QTest::qWait(50);
    QVERIFY(m_panel->grab().save(test::artifactPath(QStringLiteral("candidates-light.png"))));
    m_window->setAppearance(Appearance::Dark);
    QTest::qWait(50);
    QVERIFY(m_panel->grab().save(test::artifactPath(QStringLiteral("candidates-dark.png"))));
    m_window->setAppearance(Appearance::Light);

    // Accept by its key: card 2's text at the cursor, one undo step.
    QTest::keyClick(cards, Qt::Key_Return, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(documentText(), kParagraph + texts[1]);
    QCOMPARE(get(ids[1]).status, storage::GenerationStatus::Accepted);
    QCOMPARE(get(ids[0]).status, storage::GenerationStatus::Rejected);
    QCOMPARE(get(ids[2]).status, storage::GenerationStatus::Rejected);
    QVERIFY(!cards->isVisible());
    m_window->editor()->undo();
    QCOMPARE(documentText(), kParagraph);
}

// In the editor: the ghost shows candidate 1; Alt+] shows candidate 2 with no new request,
// Tab takes it (accepted), and the other two are rejected.
void CandidatesTest::ghostCyclesCandidatesWithoutANewRequest() {
    typeScene(kParagraph);
    GhostText* ghost = m_window->ghostText();
    QSignalSpy recorded(m_panel, &GeneratePanel::generationRecorded);
    QTest::keyClick(m_window->editor(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(ghost->isShown());
    QVERIFY(recorded.wait(kTimeoutMs) || !recorded.isEmpty());
    QCOMPARE(m_panel->candidateCount(), 3);
    const QString first = ghost->text();
    QCOMPARE(first, m_panel->candidateCards()->text(0));
    const int64_t firstId = *m_panel->currentGenerationId();

    QSignalSpy started(m_controller, &GenerationController::generatingChanged);
    QTest::keyClick(m_window->editor(), Qt::Key_BracketRight, Qt::AltModifier);
    QVERIFY(!m_controller->isGenerating());
    QCOMPARE(started.count(), 0); // no new request
    QVERIFY(ghost->isShown());
    const QString second = ghost->text();
    QCOMPARE(second, m_panel->candidateCards()->text(1));
    QVERIFY2(second != first, qPrintable(second));
    QCOMPARE(documentText(), kParagraph);
    const int64_t secondId = *m_panel->currentGenerationId();
    QCOMPARE(get(secondId).seed, get(firstId).seed + 1);
    QTest::qWait(50);
    QVERIFY(m_window->grab().save(test::artifactPath(QStringLiteral("candidates-ghost.png"))));

    QTest::keyClick(m_window->editor(), Qt::Key_Tab);
    QVERIFY(!ghost->isShown());
    QCOMPARE(documentText(), kParagraph + second);
    QCOMPARE(get(secondId).status, storage::GenerationStatus::Accepted);
    QCOMPARE(get(firstId).status, storage::GenerationStatus::Rejected);
    int rejected = 0;
    for (const storage::Generation& g : m_window->project()->generations().forDocument(m_scene))
        if (g.parentId == get(secondId).parentId && g.seed == get(firstId).seed + 2 &&
            g.status == storage::GenerationStatus::Rejected)
            ++rejected;
    QCOMPARE(rejected, 1); // the third candidate
    QCOMPARE(started.count(), 0);
}

void CandidatesTest::candidatesSettingIsRemembered() {
    m_panel->candidatesBox()->setValue(5);
    QCOMPARE(Settings().generateCandidates(), 5);
    QCOMPARE(m_panel->candidatesBox()->maximum(), 8);
    QCOMPARE(m_panel->candidatesBox()->minimum(), 1);
    // A new window reads it back.
    MainWindow other;
    QCOMPARE(other.generatePanel()->candidatesBox()->value(), 5);
    m_panel->candidatesBox()->setValue(3);
}

FABULIST_GUI_TEST_MAIN(CandidatesTest)
#include "candidates_test.moc"
