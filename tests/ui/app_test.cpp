// Runs the real `fabulist` executable (offscreen, with its own HOME/XDG folders):
// `fabulist PROJECT` opens that project (it holds the project's lock), and SIGTERM ends it
// gracefully: exit status 0, the project file closed cleanly (SQLite removes the -wal file only
// when the last connection closes normally), the project remembered as the last one.
#include "storage/project.h"
#include "storage/sample_project.h"
#include "storage/storage_error.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

using namespace fabulist;

class AppTest : public QObject {
    Q_OBJECT
private slots:
    void version();
    void opensProjectFromCommandLineAndQuitsCleanlyOnSigterm();
    void sigtermSavesWhatWasTyped();
    void firstStartOpensSample();
    void modelOptionIsNotRemembered();

private:
    static QProcessEnvironment isolatedEnvironment(const QString& home);
};

QProcessEnvironment AppTest::isolatedEnvironment(const QString& home) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), home);
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home + QStringLiteral("/cache"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return env;
}

void AppTest::version() {
    QProcess p;
    p.start(QStringLiteral(FABULIST_GUI_BINARY), {QStringLiteral("--version")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(p.readAllStandardOutput().contains("0."));
}

// Waits until the app has the project open read-write: its WAL file exists.
static bool waitForFile(const QString& file, int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (QFile::exists(file)) return true;
        QTest::qWait(50);
    }
    return false;
}

void AppTest::opensProjectFromCommandLineAndQuitsCleanlyOnSigterm() {
    QTemporaryDir home;
    const QString project = home.filePath(QStringLiteral("cli.fabulist"));
    storage::createSampleProject(project.toStdString()); // closed again right away
    QVERIFY(!QFile::exists(project + QStringLiteral("-wal")));

    QProcess app;
    app.setProcessEnvironment(isolatedEnvironment(home.path()));
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    app.start(QStringLiteral(FABULIST_GUI_BINARY), {project});
    QVERIFY(app.waitForStarted(30000));
    QVERIFY2(waitForFile(project + QStringLiteral("-wal"), 30000), "the app never opened it");
    QTest::qWait(300); // let it finish opening (first scene, autosave revision set-up)

    // Open in the app means locked for everyone else.
    bool refused = false;
    try {
        storage::Project::open(project.toStdString());
    } catch (const storage::StorageError& e) {
        refused = e.kind() == storage::StorageError::Kind::AlreadyOpen;
    }
    QVERIFY(refused);

    ::kill(pid_t(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(30000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    QVERIFY(!QFile::exists(project + QStringLiteral("-wal"))); // closed cleanly
    auto reopened = storage::Project::open(project.toStdString());
    QCOMPARE(reopened->integrityCheck(), std::string("ok"));

    QFile conf(home.filePath(QStringLiteral("config/Fabulist/Fabulist.conf")));
    QVERIFY(conf.open(QIODevice::ReadOnly));
    QVERIFY(conf.readAll().contains(QFileInfo(project).absoluteFilePath().toUtf8()));
}

// Text typed and not yet saved when SIGTERM arrives is in the project afterwards.
void AppTest::sigtermSavesWhatWasTyped() {
    QTemporaryDir home;
    const QString project = home.filePath(QStringLiteral("typed.fabulist"));
    int64_t scene = 0;
    {
        auto created = storage::Project::create(project.toStdString());
        scene = created->binder().create(storage::NodeKind::Scene, "Scene");
        created->documents().setText(scene, "Before.");
    }
    QProcess app;
    app.setProcessEnvironment(isolatedEnvironment(home.path()));
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    app.start(QStringLiteral(FABULIST_SIGTERM_TYPIST),
              {project, QStringLiteral(" Typed, never saved by a timer.")});
    QVERIFY(app.waitForStarted(30000));
    QElapsedTimer waited;
    waited.start();
    while (!app.peek(64).contains("typed\n") && waited.elapsed() < 30000) app.waitForReadyRead(100);
    QCOMPARE(app.peek(64), QByteArray("typed\n"));
    QCOMPARE(storage::Project::open(project.toStdString(), {storage::OpenMode::ReadOnly})
                 ->documents()
                 .text(scene),
             std::string("Before.")); // not saved yet: only the signal can save it now

    ::kill(pid_t(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(30000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    auto reopened = storage::Project::open(project.toStdString());
    QCOMPARE(reopened->documents().text(scene),
             std::string("Before. Typed, never saved by a timer."));
}

void AppTest::firstStartOpensSample() {
    QTemporaryDir home;
    QProcess app;
    app.setProcessEnvironment(isolatedEnvironment(home.path()));
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    app.start(QStringLiteral(FABULIST_GUI_BINARY), {});
    QVERIFY(app.waitForStarted(30000));
    const QString sample =
        home.filePath(QStringLiteral("data/Fabulist/Fabulist/Sample Novel.fabulist"));
    QVERIFY2(waitForFile(sample + QStringLiteral("-wal"), 30000), qPrintable(sample));
    QTest::qWait(300);
    ::kill(pid_t(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(30000));
    QCOMPARE(app.exitCode(), 0);
    auto project = storage::Project::open(sample.toStdString());
    QVERIFY(!project->binder().tree().empty());
}

// `fabulist --model PATH PROJECT` is accepted (an unknown option would end it with status 1)
// and writes with that model for this run only: nothing about it lands in the settings file.
// (Which model the panel loads is checked in ui_model_choice_test.)
void AppTest::modelOptionIsNotRemembered() {
    const QString model = QDir::cleanPath(qEnvironmentVariable("FABULIST_REFERENCE_DIR") +
                                          QStringLiteral("/models/tiny-moe-q8_0.gguf"));
    if (!QFile::exists(model))
        QFAIL(qPrintable(QStringLiteral("reference model not found: %1 (set "
                                        "FABULIST_REFERENCE_DIR)")
                             .arg(model)));
    QTemporaryDir home;
    const QString project = home.filePath(QStringLiteral("model.fabulist"));
    storage::createSampleProject(project.toStdString());
    QProcess app;
    app.setProcessEnvironment(isolatedEnvironment(home.path()));
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    app.start(QStringLiteral(FABULIST_GUI_BINARY), {QStringLiteral("--model"), model, project});
    QVERIFY(app.waitForStarted(30000));
    QVERIFY2(waitForFile(project + QStringLiteral("-wal"), 30000), "the app never opened it");
    QTest::qWait(300);
    ::kill(pid_t(app.processId()), SIGTERM);
    QVERIFY(app.waitForFinished(30000));
    QCOMPARE(app.exitCode(), 0);
    QFile conf(home.filePath(QStringLiteral("config/Fabulist/Fabulist.conf")));
    QVERIFY(conf.open(QIODevice::ReadOnly));
    const QByteArray settings = conf.readAll();
    QVERIFY(settings.contains(QFileInfo(project).absoluteFilePath().toUtf8()));
    QVERIFY2(!settings.contains("modelPath") && !settings.contains("tiny-moe"),
             settings.constData());
}

QTEST_GUILESS_MAIN(AppTest)
#include "app_test.moc"
