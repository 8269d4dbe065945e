// Runs the real fabulist-cli binary: `project create|info|export-text` on temporary projects.
#include "storage/project.h"
#include "tests/storage/storage_test_util.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <unistd.h>

using namespace fabulist::storage;
using namespace fabulist::storage::test;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

Run cli(const QStringList& args) {
    QProcess process;
    process.start(QStringLiteral(FABULIST_CLI), args);
    Run run;
    if (!process.waitForFinished(30000)) return run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace

class StorageCliTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_count = 0;

    // Manuscript > Chapter "Arrival" > scenes "Dock" (3 words) and "Inn" (4 words, one
    // trashed scene "Cut" between them), plus Characters > "Ansel" (2 words).
    QString makeKnownProject() {
        const std::string path =
            pathIn(m_dir, ("known" + std::to_string(++m_count) + ".fabulist").c_str());
        auto project = Project::create(path, "Known Story");
        auto& binder = project->binder();
        const int64_t manuscript = binder.create(NodeKind::Folder, "Manuscript");
        const int64_t chapter = binder.create(NodeKind::Chapter, "Arrival", manuscript);
        const int64_t dock = binder.create(NodeKind::Scene, "Dock", chapter);
        const int64_t cut = binder.create(NodeKind::Scene, "Cut", chapter);
        const int64_t inn = binder.create(NodeKind::Scene, "Inn", chapter);
        const int64_t characters = binder.create(NodeKind::Folder, "Characters");
        const int64_t ansel = binder.create(NodeKind::Character, "Ansel", characters);
        project->documents().setText(dock, "The ship docked.");
        project->documents().setText(cut, "Deleted words here.");
        project->documents().setText(inn, "They found an inn.\n");
        project->documents().setText(ansel, "Old clockmaker.");
        binder.trash(cut);
        return QString::fromStdString(path);
    }

private slots:
    void info() {
        const QString path = makeKnownProject();
        const Run run = cli({"project", "info", path});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("project: Known Story"), qPrintable(run.out));
        QVERIFY(run.out.contains(QRegularExpression("\\n  chapter +Arrival +\\(7 words\\)")));
        QVERIFY(run.out.contains(QRegularExpression("\\n    scene +Dock +\\(3 words\\)")));
        QVERIFY(run.out.contains(QRegularExpression("\\n    scene +Inn +\\(4 words\\)")));
        QVERIFY(run.out.contains(QRegularExpression("\\nfolder +Manuscript +\\(7 words\\)")));
        QVERIFY(run.out.contains(QRegularExpression("\\n  character +Ansel +\\(2 words\\)")));
        QVERIFY(!run.out.contains("Cut")); // trashed
        QVERIFY(run.out.contains("total: 9 words, 6 items, 1 in trash, 0 boards"));
    }

    void exportText() {
        const QString path = makeKnownProject();
        const QString expected = "# Arrival\n"
                                 "\n"
                                 "## Dock\n"
                                 "\n"
                                 "The ship docked.\n"
                                 "\n"
                                 "## Inn\n"
                                 "\n"
                                 "They found an inn.\n";
        Run run = cli({"project", "export-text", path});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, expected);

        const QString file = m_dir.filePath("manuscript.md");
        run = cli({"project", "export-text", "-o", file, path});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, QString());
        QCOMPARE(QString::fromStdString(readBytes(file.toStdString())), expected);
    }

    // An export never replaces the project it reads (whatever the path's spelling) and
    // replaces another file only with --force.
    void exportNeverOverwritesUnasked() {
        const QString path = makeKnownProject();
        const std::string before = readBytes(path.toStdString());
        const QString viaDot = m_dir.path() + "/./" + QFileInfo(path).fileName();
        const QString hardLink = m_dir.filePath("link.fabulist");
        QVERIFY(::link(path.toUtf8().constData(), hardLink.toUtf8().constData()) == 0);
        for (const QString& output : {path, viaDot, hardLink}) {
            for (const QStringList& force : {QStringList(), QStringList{"--force"}}) {
                const Run run = cli(QStringList{"project", "export-text", "-o", output} + force +
                                    QStringList{path});
                QCOMPARE(run.exitCode, 1);
                QVERIFY2(run.err.contains("being read"), qPrintable(run.err));
            }
        }
        QVERIFY(readBytes(path.toStdString()) == before);
        QVERIFY(::unlink(hardLink.toUtf8().constData()) == 0);

        const QString other = makeKnownProject();
        const std::string otherBytes = readBytes(other.toStdString());
        Run run = cli({"project", "export-text", "-o", other, path});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("already exists") && run.err.contains("--force"),
                 qPrintable(run.err));
        QVERIFY(readBytes(other.toStdString()) == otherBytes);

        const QString notes = m_dir.filePath("notes.md");
        writeBytes(notes.toStdString(), "my notes\n");
        QCOMPARE(cli({"project", "export-text", "-o", notes, path}).exitCode, 1);
        QCOMPARE(QString::fromStdString(readBytes(notes.toStdString())), QString("my notes\n"));
        run = cli({"project", "export-text", "-o", notes, "--force", path});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(QString::fromStdString(readBytes(notes.toStdString())).startsWith("# Arrival"));
        // No temporary file is left beside it.
        QCOMPARE(QDir(m_dir.path()).entryList({"*.partial-*"}, QDir::Files).size(), 0);
        QCOMPARE(cli({"project", "export-text", "--force", path}).exitCode, 2);
    }

    void createStandardAndSample() {
        const QString path = m_dir.filePath("new.fabulist");
        Run run = cli({"project", "create", "--title", "Fresh", path});
        QCOMPARE(run.exitCode, 0);
        run = cli({"project", "info", path});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("project: Fresh"));
        for (const char* folder : {"Manuscript", "Characters", "Places", "Notes"})
            QVERIFY(run.out.contains(QRegularExpression(QString("\\nfolder +%1 ").arg(folder))));
        QCOMPARE(cli({"project", "export-text", path}).out, QString());

        const QString sample = m_dir.filePath("sample.fabulist");
        QCOMPARE(cli({"project", "create", "--sample", sample}).exitCode, 0);
        run = cli({"project", "export-text", sample});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.startsWith("# Chapter 1"));
        QVERIFY(run.out.contains("## A visitor with wet boots\n"));
        QVERIFY(!run.out.contains("Mira Tull")); // characters are not manuscript
        QVERIFY(run.out.split(' ', Qt::SkipEmptyParts).size() > 500);

        // Never overwrites.
        run = cli({"project", "create", sample});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("already exists"));
    }

    void errorsNameTheFile() {
        const QString missing = m_dir.filePath("nope.fabulist");
        Run run = cli({"project", "info", missing});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(missing) && run.err.contains("does not exist"),
                 qPrintable(run.err));

        const QString text = m_dir.filePath("text.fabulist");
        writeBytes(text.toStdString(), "just some words, long enough to be a file ........\n");
        run = cli({"project", "export-text", text});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(text) && run.err.contains("not a Fabulist project"));
        QCOMPARE(QString::fromStdString(readBytes(text.toStdString())),
                 QString("just some words, long enough to be a file ........\n"));

        QCOMPARE(cli({"project"}).exitCode, 2);
        QCOMPARE(cli({"project", "frobnicate", missing}).exitCode, 2);
        QCOMPARE(cli({"project", "info"}).exitCode, 2);
        QCOMPARE(cli({"project", "export-text", "--bogus", missing}).exitCode, 2);
        run = cli({"--help"});
        QVERIFY(run.out.contains("project create|info|export-text|export PATH"));
    }
};

QTEST_GUILESS_MAIN(StorageCliTest)
#include "storage_cli_test.moc"
