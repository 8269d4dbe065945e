// spell_bench: typing latency with the spell check on and off. Not a test (no pass/fail, never
// run by CTest): a 5,000-word scene of English prose with a misspelling every ~50 words, typed
// into at its end and in the middle of a 100-word paragraph, in the real MainWindow offscreen.
// Prints JSON with, for spell check off and on:
//   key_ms_median / key_ms_p99 - one typed character (QTest::keyClick until it returns: the
//                                highlighter, spell underline and word count all run in it)
//   settle_ms                  - after typing a new word, until the queued words are checked and
//                                the paragraph is drawn again (spell check on only)
//   open_ms                    - opening the scene (first highlight of all of it) until its
//                                underlines are drawn
// Run: cmake --build <build> --target spell_bench && QT_QPA_PLATFORM=offscreen
// <build>/tests/ui/spell_bench
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/editor_view.h"
#include "ui/editor/spell_checker.h"
#include "ui/editor/spelling.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTextBlock>
#include <QTextCursor>
#include <algorithm>
#include <cstdio>
#include <vector>

using namespace fabulist;

namespace {

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, size_t(double(v.size()) * p))];
}

std::string makeScene(int words) {
    static const char* vocab[] = {
        "the",        "harbour", "clock",    "said",     "\"Come",  "in,\"",     "she",
        "*quietly*",  "and",     "salt",     "wind",     "over",    "a",         "door",
        "light",      "rain",    "kettle",   "whistled", "letter",  "board",     "tide",
        "wall",       "lantern", "gathered", "beneath",  "morning", "fishermen", "silence",
        "remembered", "weather", "stairs",   "window"};
    static const char* typos[] = {"wrold", "teh", "recieve", "lanturn", "harbur"};
    std::string s;
    unsigned x = 12345;
    for (int i = 0; i < words; ++i) {
        x = x * 1103515245u + 12345u;
        s += (i % 50 == 25) ? typos[(x >> 16) % 5]
                            : vocab[(x >> 16) % (sizeof(vocab) / sizeof(vocab[0]))];
        s += (i % 100 == 99) ? "\n\n" : " ";
    }
    return s;
}

struct Run {
    std::vector<double> keys;
    std::vector<double> settles;
    double openMs = 0;
};

// Types `words` new words (letters and spaces) at `position`, timing every key.
void typeWords(ui::MainWindow& w, int position, int words, Run& run, bool waitForCheck) {
    static const char* vocab[] = {"tide", "glimmer", "wrold", "harbour", "lantrn", "stillness"};
    QTextCursor c = w.editor()->textCursor();
    c.setPosition(position);
    w.editor()->setTextCursor(c);
    QElapsedTimer t;
    ui::SpellChecker* checker = w.spelling()->checker();
    for (int i = 0; i < words; ++i) {
        // Words the checker has not seen (a suffix of letters from a counter): each keystroke
        // queues a new prefix, as typing new prose does.
        static int fresh = 0;
        QString suffix;
        for (int n = ++fresh; n > 0; n /= 26) suffix += QChar(u'a' + n % 26);
        const QString word = QString::fromLatin1(vocab[i % 6]) + suffix + QLatin1Char(' ');
        for (QChar ch : word) {
            t.restart();
            QTest::keyClick(w.editor(), ch.toLatin1());
            run.keys.push_back(double(t.nsecsElapsed()) / 1e6);
        }
        if (!waitForCheck) continue;
        QSignalSpy checked(checker, &ui::SpellChecker::wordsChecked);
        t.restart();
        if (!checked.wait(2000)) continue; // nothing was queued
        QCoreApplication::processEvents(); // the redraw of the paragraph
        // The pause itself (the check delay) is not work: count what follows it.
        run.settles.push_back(double(t.nsecsElapsed()) / 1e6 - checker->checkDelay());
    }
}

Run measure(ui::MainWindow& w, int64_t scene, int64_t other, bool on) {
    w.spelling()->toggleAction()->setChecked(on);
    Run run;
    w.binderView()->selectNode(other);
    QElapsedTimer t;
    t.start();
    w.binderView()->selectNode(scene);
    QSignalSpy checked(w.spelling()->checker(), &ui::SpellChecker::wordsChecked);
    QCoreApplication::processEvents(); // the highlighter's first pass
    if (on && checked.isEmpty()) checked.wait(5000);
    QCoreApplication::processEvents();
    run.openMs = double(t.nsecsElapsed()) / 1e6 - (on ? w.spelling()->checker()->checkDelay() : 0);
    const int end = w.editor()->document()->characterCount() - 1;
    typeWords(w, end, 30, run, on);
    const QTextBlock middle = w.editor()->document()->findBlockByNumber(50);
    typeWords(w, middle.position() + middle.length() / 2, 30, run, on);
    return run;
}

} // namespace

int main(int argc, char** argv) {
    test::isolateUserFiles();
    QApplication app(argc, argv);
    const QString path = test::sandbox().filePath(QStringLiteral("spell-bench.fabulist"));
    int64_t scene = 0, other = 0;
    {
        auto project = storage::Project::create(path.toStdString(), "Spell bench");
        scene = project->binder().create(storage::NodeKind::Scene, "Long scene");
        other = project->binder().create(storage::NodeKind::Scene, "Other");
        project->documents().setText(scene, makeScene(5000));
    }
    ui::MainWindow w;
    w.resize(1360, 860);
    w.show();
    if (!w.openProject(path)) return 1;
    w.spelling()->setLanguage(QStringLiteral("en_US"));
    w.editor()->setFocus();
    // Off, on, off, on: the second of each is reported (warm caches for both).
    measure(w, scene, other, false);
    measure(w, scene, other, true);
    // A new project session would start with an empty word cache: drop it by reloading.
    w.spelling()->setLanguage(QStringLiteral("en_US"));
    const Run off = measure(w, scene, other, false);
    const Run on = measure(w, scene, other, true);
    std::printf("{\"scene_words\": 5000, \"keys_per_run\": %zu, "
                "\"off\": {\"key_ms_median\": %.3f, \"key_ms_p99\": %.3f, \"open_ms\": %.2f}, "
                "\"on\": {\"key_ms_median\": %.3f, \"key_ms_p99\": %.3f, \"open_ms\": %.2f, "
                "\"settle_ms_median\": %.3f, \"settle_ms_max\": %.3f, \"settles\": %zu}}\n",
                on.keys.size(), percentile(off.keys, 0.5), percentile(off.keys, 0.99), off.openMs,
                percentile(on.keys, 0.5), percentile(on.keys, 0.99), on.openMs,
                percentile(on.settles, 0.5), percentile(on.settles, 1.0), on.settles.size());
    w.close();
    return 0;
}
