// fabulist-learn-typing: does the editor keep up while Project > Learn This Book trains (#20)?
// Not a test (the target is p99 < 16 ms). Opens the real MainWindow on a project of the recipe's
// validation chapters (6,000 words), starts Learn through the dialog (the real fabulist-cli learn
// as a QProcess, niced) and, while it trains, posts a typed character to the editor every 30 ms
// for SECONDS (default 60), measuring from posting the key until the editor has inserted it,
// and a 1 ms precise timer's lateness (event-loop delay: how long the OS left the GUI waiting).
// Run: FABULIST_CLI=<build>/app/fabulist-cli QT_QPA_PLATFORM=offscreen \
//        <build>/tests/bench/fabulist-learn-typing [SECONDS]
#include "../ui/gui_test_support.h"
#include "storage/document_repository.h"
#include "storage/project.h"
#include "ui/editor/editor_view.h"
#include "ui/learn/learn_controller.h"
#include "ui/learn/learn_dialog.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"

#include <QElapsedTimer>
#include <QFile>
#include <QKeyEvent>
#include <QProgressBar>
#include <QRegularExpression>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <deque>
#include <vector>

using namespace fabulist;

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

bool makeProject(const QString& path) {
    QFile f(QStringLiteral(FABULIST_SOURCE_DIR "/resources/learn/replay-valid.txt"));
    if (!f.open(QIODevice::ReadOnly)) return false;
    auto project = storage::Project::create(path.toStdString(), "Typing");
    int total = 0, n = 0;
    for (const QString& chapter : QString::fromUtf8(f.readAll()).split(QChar('\f'))) {
        const QStringList all = chapter.split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
        const QString text = all.mid(0, 6000 - total).join(' ');
        const int64_t c =
            project->binder().create(storage::NodeKind::Chapter, "Chapter " + std::to_string(++n));
        const int64_t s = project->binder().create(storage::NodeKind::Scene, "Scene", c);
        project->documents().setText(s, text.toStdString());
        total += int(storage::countWords(text.toStdString()));
        if (total >= 6000) break;
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    test::isolateUserFiles();
    QApplication app(argc, argv);
    const int seconds = argc > 1 ? std::max(5, atoi(argv[1])) : 60;
    const QString path = test::sandbox().filePath(QStringLiteral("typing.fabulist"));
    if (!makeProject(path)) return 1;
    ui::MainWindow window;
    window.resize(1360, 860);
    window.show();
    if (!window.openProject(path)) return 1;
    window.binderView()->setCurrentIndex({});
    if (!window.binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Typing")))
        return 1;
    ui::EditorView* editor = window.editor();
    ui::LearnController* learn = window.learnController();
    learn->setExtraArguments({"--steps", "400", "--head-steps", "4"});
    ui::LearnDialog* dialog = learn->showDialog();
    dialog->start();
    // Training proper: the first step has arrived.
    while (dialog->isRunning() && dialog->progressBar()->value() == 0)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    window.activateWindow();
    editor->setFocus();

    QElapsedTimer clock;
    clock.start();
    std::vector<double> keyMs;
    std::deque<qint64> posted;
    QObject::connect(editor, &QPlainTextEdit::textChanged, [&] {
        if (posted.empty()) return;
        keyMs.push_back((clock.nsecsElapsed() - posted.front()) / 1e6);
        posted.pop_front();
    });
    QTimer typist;
    typist.setTimerType(Qt::PreciseTimer);
    typist.setInterval(30);
    QObject::connect(&typist, &QTimer::timeout, [&] {
        posted.push_back(clock.nsecsElapsed());
        QCoreApplication::postEvent(editor, new QKeyEvent(QEvent::KeyPress, Qt::Key_A,
                                                          Qt::NoModifier, QStringLiteral("a")));
        QCoreApplication::postEvent(editor, new QKeyEvent(QEvent::KeyRelease, Qt::Key_A,
                                                          Qt::NoModifier, QStringLiteral("a")));
    });
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    std::vector<double> probeMs;
    qint64 lastProbe = -1;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (lastProbe >= 0) probeMs.push_back(std::max(0.0, (now - lastProbe) / 1e6 - 1.0));
        lastProbe = now;
    });
    typist.start();
    probe.start();
    while (clock.elapsed() < seconds * 1000 && dialog->isRunning())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    typist.stop();
    probe.stop();
    const bool stillTraining = dialog->isRunning();
    dialog->cancel();
    while (dialog->isRunning()) QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    std::printf("{\"seconds\": %d, \"trained_throughout\": %s, \"keystrokes\": %zu, "
                "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"probe_samples\": %zu, "
                "\"probe_p99_ms\": %.3f, \"probe_max_ms\": %.3f}\n",
                seconds, stillTraining ? "true" : "false", keyMs.size(), percentile(keyMs, 0.5),
                percentile(keyMs, 0.99),
                keyMs.empty() ? 0.0 : *std::max_element(keyMs.begin(), keyMs.end()),
                probeMs.size(), percentile(probeMs, 0.99),
                probeMs.empty() ? 0.0 : *std::max_element(probeMs.begin(), probeMs.end()));
    return 0;
}
