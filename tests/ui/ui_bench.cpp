// ui_bench: how the GUI keeps up with a large project. Not a test (no pass/fail, never run by
// CTest): builds a 200-scene, 200,000-word project in a temporary folder, drives the real
// MainWindow offscreen and prints JSON with medians:
//   open_ms            - MainWindow::openProject of the project (binder shown)
//   switch_ms          - selecting another scene until its text is in the editor
//   keystroke_ms       - one typed character in a 5,000-word scene (highlighter, word count)
//   save_ms            - DocumentSession::save of that scene after an edit
//   count_words_200k_ms- counting the words of the whole 200,000-word manuscript
// Run: QT_QPA_PLATFORM=offscreen <build>/tests/ui/ui_bench
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/word_counter.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"

#include <QElapsedTimer>
#include <QTextCursor>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace fabulist;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// A 1,000-word scene of varied prose-like words; paragraphs of 100 words.
std::string makeScene(int seed, int words) {
    static const char* vocab[] = {"the",    "harbour",   "clock", "said", "\"Come", "in,\"",
                                  "she",    "*quietly*", "and",   "salt", "wind",   "over",
                                  "a",      "door",      "light", "rain", "kettle", "whistled",
                                  "letter", "board",     "tide",  "wall"};
    std::string s;
    unsigned x = unsigned(seed) * 2654435761u + 1;
    for (int i = 0; i < words; ++i) {
        x = x * 1103515245u + 12345u;
        s += vocab[(x >> 16) % (sizeof(vocab) / sizeof(vocab[0]))];
        s += (i % 100 == 99) ? "\n\n" : " ";
    }
    return s;
}

} // namespace

int main(int argc, char** argv) {
    test::isolateUserFiles();
    QApplication app(argc, argv);
    const QString path = test::sandbox().filePath(QStringLiteral("bench.fabulist"));
    std::vector<int64_t> scenes;
    {
        auto project = storage::Project::create(path.toStdString(), "Bench");
        auto& binder = project->binder();
        const int64_t manuscript = binder.create(storage::NodeKind::Folder, "Manuscript");
        for (int c = 0; c < 20; ++c) {
            const int64_t chapter = binder.create(storage::NodeKind::Chapter,
                                                  "Chapter " + std::to_string(c + 1), manuscript);
            for (int s = 0; s < 10; ++s) {
                const int64_t scene = binder.create(storage::NodeKind::Scene,
                                                    "Scene " + std::to_string(s + 1), chapter);
                // One long scene (5,000 words) for the typing measurements.
                project->documents().setText(scene,
                                             makeScene(c * 10 + s, scenes.empty() ? 5000 : 1000));
                scenes.push_back(scene);
            }
        }
    }

    ui::MainWindow w;
    w.resize(1360, 860);
    w.show();
    QElapsedTimer t;
    t.start();
    if (!w.openProject(path)) return 1;
    const double openMs = t.nsecsElapsed() / 1e6;

    std::vector<double> switches;
    for (int i = 1; i <= 50; ++i) {
        t.restart();
        w.binderView()->selectNode(scenes[size_t(i)]);
        switches.push_back(t.nsecsElapsed() / 1e6);
    }

    w.binderView()->selectNode(scenes[0]);
    w.editor()->moveCursor(QTextCursor::End);
    const int before = w.editor()->document()->characterCount();
    std::vector<double> keys, saves;
    for (int i = 0; i < 200; ++i) {
        t.restart();
        QTest::keyClick(w.editor(), Qt::Key_A);
        keys.push_back(t.nsecsElapsed() / 1e6);
    }
    for (int i = 0; i < 50; ++i) {
        QTest::keyClick(w.editor(), Qt::Key_B);
        t.restart();
        w.documentSession()->save();
        saves.push_back(t.nsecsElapsed() / 1e6);
    }

    // Guard against measuring nothing: every keystroke must have reached the document.
    if (w.editor()->document()->characterCount() != before + 250) {
        std::fprintf(stderr, "ui_bench: keystrokes did not reach the editor\n");
        return 1;
    }
    QString manuscript;
    for (int i = 0; i < 200; ++i)
        manuscript += QString::fromStdString(makeScene(i, 1000)) + QLatin1Char('\n');
    std::vector<double> counts;
    int words = 0;
    for (int i = 0; i < 20; ++i) {
        t.restart();
        words = ui::countWords(manuscript);
        counts.push_back(t.nsecsElapsed() / 1e6);
    }

    std::printf("{\"scenes\": %zu, \"open_ms\": %.2f, \"switch_ms\": %.3f, \"keystroke_ms\": %.3f, "
                "\"save_ms\": %.3f, \"count_words_200k_ms\": %.3f, \"counted_words\": %d}\n",
                scenes.size(), openMs, median(switches), median(keys), median(saves),
                median(counts), words);
    w.close();
    return 0;
}
