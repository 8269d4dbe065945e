#pragma once
// Shared set-up for the GUI tests: every test process gets its own temporary HOME/XDG folders
// and organization name before QApplication exists, so QSettings and QStandardPaths
// (AppDataLocation: where the sample project goes) never touch the user's files.
#include <QApplication>
#include <QCoreApplication>
#include <QDir>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>
#include <cstdlib>

namespace fabulist::test {

inline QTemporaryDir& sandbox() {
    static QTemporaryDir dir;
    return dir;
}

inline void isolateUserFiles() {
    const QByteArray root = sandbox().path().toUtf8();
    for (const char* var : {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"})
        qputenv(var, root + '/' + var);
    qputenv("HOME", root);
    QCoreApplication::setOrganizationName(QStringLiteral("FabulistTest"));
    QCoreApplication::setApplicationName(QStringLiteral("FabulistUiTest"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, sandbox().path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, sandbox().path());
}

// The menu-bar menu titled `title` ("&Generate"), or nullptr: tests reach actions the way a
// user does, through the menus.
inline QMenu* menuBarMenu(const QMainWindow& window, const QString& title) {
    for (QAction* a : window.menuBar()->actions())
        if (a->text() == title) return a->menu();
    return nullptr;
}

// <build>/artifacts (FABULIST_BINARY_DIR, else the working directory): where GUI tests write
// the screenshots people look at. Made when missing.
inline QString artifactsDir() {
    const QByteArray binary = qgetenv("FABULIST_BINARY_DIR");
    const QString dir =
        QDir(binary.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(binary))
            .filePath(QStringLiteral("artifacts"));
    QDir().mkpath(dir);
    return dir;
}

inline QString artifactPath(const QString& name) {
    return QDir(artifactsDir()).filePath(name);
}

} // namespace fabulist::test

// Like QTEST_MAIN, with the user's files fenced off first.
#define FABULIST_GUI_TEST_MAIN(TestObject)                                                         \
    int main(int argc, char** argv) {                                                              \
        fabulist::test::isolateUserFiles();                                                        \
        QApplication app(argc, argv);                                                              \
        app.setAttribute(Qt::AA_Use96Dpi, true);                                                   \
        TestObject tc;                                                                             \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&tc, argc, argv);                                                      \
    }
