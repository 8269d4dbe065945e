// ui_app_test's GUI process: the real MainWindow with the application's own signal handling
// (app/gui/termination_signals). It opens PROJECT, types TEXT at the end of the document it
// opens on with the autosave timers set far beyond the test, prints "typed", and waits in the
// event loop: only the SIGTERM path can save what was typed.
#include "app/gui/termination_signals.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QTest>
#include <QTextCursor>
#include <QTimer>
#include <cstdio>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: sigterm_typist PROJECT TEXT\n");
        return 2;
    }
    fabulist::ui::MainWindow window;
    window.show();
    fabulist::gui::quitOnTerminationSignals(&app);
    if (!window.openProject(QString::fromLocal8Bit(argv[1])) || !window.documentSession()) return 1;
    window.documentSession()->setAutosaveDelay(600000);
    window.documentSession()->setAutosaveMaxWait(600000);
    const QString text = QString::fromLocal8Bit(argv[2]);
    QTimer::singleShot(0, &window, [&window, text] {
        window.editor()->setFocus();
        window.editor()->moveCursor(QTextCursor::End);
        QTest::keyClicks(window.editor(), text);
        std::printf(window.documentSession()->hasUnsavedChanges() ? "typed\n" : "not typed\n");
        std::fflush(stdout);
    });
    return app.exec();
}
