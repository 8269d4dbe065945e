// fabulist-ui-responsiveness: does the window keep up with the writer while candidates stream?
// Not a test (no pass/fail; the target is p99 < 16 ms, one frame at 60 Hz). Opens the real
// MainWindow on a temporary project with the shipped default model, asks the Generate panel
// for 4 candidates x 128 tokens (cards and preview streaming as in the app) and, while they
// stream, posts a typed character to the editor every 30 ms. Measured only while generating:
//   p50_ms / p99_ms / max_ms        from posting a key event until the editor has inserted it
//   probe_p50/p99/max_ms            a 1 ms precise timer's lateness (event-loop delay)
// Rounds repeat (each discarded) until at least 300 keystrokes fell inside a generation.
// The ghost text is unhooked from the panel: in the app a typed character dismisses the
// suggestion, which stops the generation; here the writer types on while it runs.
// Run: QT_QPA_PLATFORM=offscreen <build>/tests/bench/fabulist-ui-responsiveness
#include "../ui/gui_test_support.h"
#include "inference/engine/default_model.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/ghost_text.h"
#include "ui/generate/generate_panel.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"

#include <QElapsedTimer>
#include <QKeyEvent>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <vector>

using namespace fabulist;

namespace {

constexpr int kCandidates = 4;
constexpr int kTokens = 128;
constexpr int kKeyIntervalMs = 30;
constexpr int kWantedKeystrokes = 300;
constexpr int kMaxRounds = 400;

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

double maximum(const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

} // namespace

int main(int argc, char** argv) {
    test::isolateUserFiles();
    QApplication app(argc, argv);
    ui::MainWindow window;
    window.resize(1360, 860);
    window.show();
    if (!window.newProject(test::sandbox().filePath(QStringLiteral("bench.fabulist")))) return 1;
    ui::GeneratePanel* panel = window.generatePanel();
    QSignalSpy ready(panel, &ui::GeneratePanel::modelReady);
    panel->loadDefaultModel();
    if (!ready.wait(60000) && ready.isEmpty()) {
        std::fprintf(stderr, "the default model did not load\n");
        return 1;
    }
    window.binderView()->setCurrentIndex({});
    if (!window.binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Bench")))
        return 1;
    ui::EditorView* editor = window.editor();
    editor->insertPlainText(QStringLiteral(
        "The lighthouse keeper climbed the stairs slowly. At the top, the lamp was dark, and the "
        "sea below was restless. "));
    QObject::disconnect(panel, &ui::GeneratePanel::generatingChanged, window.ghostText(), nullptr);
    panel->candidatesBox()->setValue(kCandidates);
    panel->lengthBox()->setValue(kTokens);
    panel->seedLockButton()->setChecked(false);

    QElapsedTimer clock;
    clock.start();
    std::vector<double> keyMs, probeMs;
    std::deque<qint64> posted; // when each key still on its way was posted
    QObject::connect(editor, &QPlainTextEdit::textChanged, [&] {
        if (posted.empty()) return;
        if (panel->isGenerating()) keyMs.push_back((clock.nsecsElapsed() - posted.front()) / 1e6);
        posted.pop_front();
    });
    QTimer typist;
    typist.setTimerType(Qt::PreciseTimer);
    typist.setInterval(kKeyIntervalMs);
    QObject::connect(&typist, &QTimer::timeout, [&] {
        if (!panel->isGenerating()) return;
        posted.push_back(clock.nsecsElapsed());
        QCoreApplication::postEvent(editor, new QKeyEvent(QEvent::KeyPress, Qt::Key_A,
                                                          Qt::NoModifier, QStringLiteral("a")));
        QCoreApplication::postEvent(editor, new QKeyEvent(QEvent::KeyRelease, Qt::Key_A,
                                                          Qt::NoModifier, QStringLiteral("a")));
    });
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    qint64 lastProbe = -1;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (lastProbe >= 0 && panel->isGenerating())
            probeMs.push_back(std::max(0.0, (now - lastProbe) / 1e6 - 1.0));
        lastProbe = panel->isGenerating() ? now : -1;
    });
    typist.start();
    probe.start();

    int rounds = 0;
    qint64 generatedTokens = 0;
    double generatingMs = 0.0;
    QObject::connect(panel->controller(), &ui::GenerationController::finished,
                     [&](const ui::GenerationOutcome& outcome) {
                         for (const ui::CandidateOutcome& c : outcome.candidates)
                             generatedTokens += c.generatedTokens;
                         generatingMs += outcome.promptMs + outcome.decodeMs;
                     });
    while (int(keyMs.size()) < kWantedKeystrokes && rounds < kMaxRounds) {
        QSignalSpy recorded(panel, &ui::GeneratePanel::generationRecorded);
        editor->moveCursor(QTextCursor::End);
        if (!panel->continueWriting()) {
            std::fprintf(stderr, "Continue failed: %s\n", qPrintable(panel->statusText()));
            return 1;
        }
        if (!recorded.wait(60000) && recorded.isEmpty()) return 1;
        ++rounds;
        panel->discard();
        posted.clear(); // keys still queued land outside a generation
        QCoreApplication::processEvents();
        posted.clear();
    }
    std::printf("{\"candidates\": %d, \"tokens\": %d, \"rounds\": %d, \"keystrokes\": %zu, "
                "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"probe_samples\": %zu, "
                "\"probe_p50_ms\": %.3f, \"probe_p99_ms\": %.3f, \"probe_max_ms\": %.3f, "
                "\"decode_tokens_per_s\": %.0f}\n",
                kCandidates, kTokens, rounds, keyMs.size(), percentile(keyMs, 0.50),
                percentile(keyMs, 0.99), maximum(keyMs), probeMs.size(), percentile(probeMs, 0.50),
                percentile(probeMs, 0.99), maximum(probeMs),
                generatingMs > 0 ? generatedTokens * 1000.0 / generatingMs : 0.0);
    return 0;
}
