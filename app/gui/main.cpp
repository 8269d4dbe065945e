// fabulist: the desktop application. `fabulist [PROJECT.fabulist]` opens that project; without
// an argument it reopens the last project, or on the very first start creates and opens the
// sample novel. `--model PATH` writes with that GGUF model for this run (not remembered);
// without it the model chosen in Generate > Choose Model… loads, else the shipped default.
#include "app/gui/termination_signals.h"
#include "ui/app_icon.h"
#include "ui/generate/generate_panel.h"
#include "ui/main_window.h"
#include "ui/project/project_files.h"
#include "ui/settings.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <fabulist/version.h>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("Fabulist"));
    // First, before the sample project or the window exist: a signal during start-up waits
    // for the event loop, and quitting goes through aboutToQuit, where the window saves.
    fabulist::gui::quitOnTerminationSignals(&app);
    QCoreApplication::setApplicationName(QStringLiteral("Fabulist"));
    QCoreApplication::setApplicationVersion(QStringLiteral(FABULIST_VERSION));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Fabulist"));
    QGuiApplication::setDesktopFileName(QStringLiteral("fabulist"));
    QApplication::setWindowIcon(fabulist::ui::appIcon());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "A writing desk with an on-device language model."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("project"),
                                 QCoreApplication::translate("main", "The project to open."),
                                 QStringLiteral("[PROJECT.fabulist]"));
    const QCommandLineOption modelOption(
        QStringLiteral("model"),
        QCoreApplication::translate("main", "Write with this GGUF model for this run only."),
        QStringLiteral("PATH"));
    parser.addOption(modelOption);
    parser.process(app);

    fabulist::ui::Settings settings;
    QString error;
    const QString path =
        fabulist::ui::startupProjectPath(parser.positionalArguments().value(0), settings, &error);

    fabulist::ui::MainWindow window;
    window.show();
    // In the background: the panel says "Loading model…" and the writer can start typing.
    window.generatePanel()->loadStartupModel(parser.value(modelOption));
    if (!path.isEmpty())
        window.openProject(path); // shows the storage message itself when it fails
    else
        QMessageBox::warning(&window, QCoreApplication::translate("main", "Fabulist"), error);
    return app.exec();
}
