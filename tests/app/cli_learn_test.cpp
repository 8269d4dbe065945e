// fabulist-cli learn (#20), end to end with the real binary, the shipped default model and
// Debian's PyTorch: a project made of the recipe's validation chapters (text the default model
// never trained on) is learned with a tiny step count. Checks the refusal under 5,000 words, that
// the result loads in the engine and scores its own book better than the default model does,
// the SHA-256 files, relearning from the last result, and that a cancelled run leaves the
// published model untouched and resumes at the step it stopped at.
#include "storage/document_repository.h"
#include "storage/project.h"
#include "tests/app/cli_runner.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace fabulist::tests;
using fabulist::storage::NodeKind;
using fabulist::storage::Project;

namespace {

const QStringList kFast = {"--steps", "6", "--head-steps", "4", "--eval-tokens", "4096",
                           "-t",      "2", "--json"};

QString describe(const CliResult& r) {
    return QString("exit %1%2\nstdout: %3\nstderr: %4")
        .arg(r.exitCode)
        .arg(r.crashed ? " (crashed or timed out)" : "")
        .arg(QString::fromUtf8(r.out.right(3000)))
        .arg(QString::fromUtf8(r.err.right(3000)));
}

// The recipe's validation chapters (resources/learn/replay-valid.txt), one scene each, until
// the project holds at least `words` words.
QString makeProject(const QString& path, int words) {
    QFile f(QStringLiteral(FABULIST_SOURCE_DIR "/resources/learn/replay-valid.txt"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    const QStringList chapters = QString::fromUtf8(f.readAll()).split(QChar('\f'));
    auto project = Project::create(path.toStdString(), "Learn test");
    int total = 0, n = 0;
    for (const QString& chapter : chapters) {
        const QStringList all = chapter.split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
        const QString text = all.mid(0, words - total).join(' ');
        const int64_t c =
            project->binder().create(NodeKind::Chapter, "Chapter " + std::to_string(++n));
        const int64_t s = project->binder().create(NodeKind::Scene, "Scene", c);
        project->documents().setText(s, text.toStdString());
        total += int(fabulist::storage::countWords(text.toStdString()));
        if (total >= words) break;
    }
    // The story bible is part of the book: a character with notes.
    const int64_t who = project->binder().create(NodeKind::Character, "Mira Vance");
    project->documents().setText(who, "Mira Vance keeps the lamp on Wrack Street.");
    return path;
}

QList<QJsonObject> records(const QByteArray& out) {
    QList<QJsonObject> list;
    for (const QByteArray& line : out.split('\n'))
        if (line.startsWith('{')) list.append(QJsonDocument::fromJson(line).object());
    return list;
}

QJsonObject lastEvent(const QByteArray& out, const QString& event) {
    QJsonObject found;
    for (const QJsonObject& r : records(out))
        if (r["event"].toString() == event) found = r;
    return found;
}

QString sumOf(const QString& path) {
    QFile f(path + ".sha256");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll()).split(' ').value(0);
}

QString sha256(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    h.addData(&f);
    return QString::fromLatin1(h.result().toHex());
}

// The engine's perplexity of `text` under `model` (fabulist-cli perplexity --json).
double perplexity(const QString& model, const QString& text) {
    const CliResult r =
        runCli({"perplexity", "-m", model, "-f", text, "-c", "256", "--chunks", "6", "--json"});
    return QJsonDocument::fromJson(r.out).object()["ppl"].toDouble();
}

} // namespace

class CliLearnTest : public QObject {
    Q_OBJECT

private slots:
    void refusesTooLittleText() {
        QTemporaryDir dir;
        const QString project = makeProject(dir.filePath("short.fabulist"), 1200);
        QVERIFY(!project.isEmpty());
        const QString out = dir.filePath("learned");
        const CliResult r = runCli(QStringList{"learn", project, "-o", out} + kFast);
        QVERIFY2(r.exitCode == 1 && !r.crashed, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("learning needs at least 5000"), qPrintable(describe(r)));
        const int words = lastEvent(r.out, "refused")["words"].toInt();
        QVERIFY2(words >= 1100 && words <= 1300, qPrintable(describe(r)));
        QVERIFY(!QFileInfo::exists(out)); // nothing was started
    }

    void learnsRelearnsCancelsAndResumes() {
        QTemporaryDir dir;
        const QString project = makeProject(dir.filePath("book.fabulist"), 6000);
        const QString folder = dir.filePath("learned");
        const QStringList args = QStringList{"learn", project, "-o", folder} + kFast;

        // A first run from the default model.
        const CliResult first = runCli(args, 600000);
        QVERIFY2(first.exitCode == 0 && !first.crashed, qPrintable(describe(first)));
        const QJsonObject done = lastEvent(first.out, "done");
        const QString model = done["model_path"].toString();
        const QString head = done["head_path"].toString();
        QVERIFY2(QFileInfo::exists(model) && QFileInfo::exists(head), qPrintable(describe(first)));
        QVERIFY2(done["words"].toInt() >= 5000, qPrintable(describe(first)));
        bool bible = false;
        for (const QJsonValue& d : done["documents"].toArray())
            bible = bible || (d["kind"] == "bible" && d["title"] == "Mira Vance");
        QVERIFY2(bible, "the story bible's entries are part of what it learns");
        const double before = done["perplexity_before"].toObject()["book"].toDouble();
        const double after = done["perplexity_after"].toObject()["book"].toDouble();
        QVERIFY2(after < before,
                 qPrintable(QString("book perplexity %1 -> %2").arg(before).arg(after)));
        QCOMPARE(sumOf(model), sha256(model));
        QCOMPARE(sumOf(head), sha256(head));
        QCOMPARE(done["model_sha256"].toString(), sha256(model));
        QVERIFY(!QFileInfo::exists(folder + "/work")); // a finished run keeps no state
        // The engine loads it, and it scores the book better than the default model does.
        const QString book = dir.filePath("book.txt");
        {
            QFile f(book);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QFile src(QStringLiteral(FABULIST_SOURCE_DIR "/resources/learn/replay-valid.txt"));
            QVERIFY(src.open(QIODevice::ReadOnly));
            f.write(src.read(40000));
        }
        const double learned = perplexity(model, book);
        const double shipped = perplexity(
            QStringLiteral(FABULIST_SOURCE_DIR "/resources/models/fabulist-default.gguf"), book);
        QVERIFY2(
            learned > 1.0 && learned < shipped,
            qPrintable(
                QString("engine perplexity: learned %1, default %2").arg(learned).arg(shipped)));

        // Relearning starts from the last result; Cancel (SIGTERM) mid-run keeps it intact.
        QProcess run;
        run.setProgram(QStringLiteral(FABULIST_CLI_PATH));
        run.setArguments(QStringList{"learn", project, "-o", folder, "--steps", "30",
                                     "--head-steps", "4", "--eval-tokens", "4096", "-t", "2",
                                     "--json"});
        run.start();
        QVERIFY(run.waitForStarted());
        QByteArray out;
        int stoppedNear = 0;
        QDeadlineTimer deadline(300000);
        while (stoppedNear == 0 && !deadline.hasExpired() && run.state() == QProcess::Running) {
            run.waitForReadyRead(1000);
            out += run.readAllStandardOutput();
            for (const QJsonObject& r : records(out))
                if (r["event"] == "progress" && r["step"].toInt() >= 3)
                    stoppedNear = r["step"].toInt();
        }
        QVERIFY2(stoppedNear > 0, out.constData());
        QCOMPARE(lastEvent(out, "start")["base"].toString(), model);
        run.terminate();
        QVERIFY(run.waitForFinished(120000));
        out += run.readAllStandardOutput();
        QCOMPARE(run.exitCode(), 130);
        QVERIFY2(!lastEvent(out, "stopped").isEmpty(), out.constData());
        QCOMPARE(sha256(model), done["model_sha256"].toString()); // the published one, untouched
        QCOMPARE(QDir(folder).entryList({"staging-*", "result-*"}, QDir::Dirs).size(), 1);
        QVERIFY(QFileInfo::exists(folder + "/work/learn.pt"));

        // The same command continues from the step it stopped at.
        const CliResult resumed =
            runCli(QStringList{"learn", project, "-o", folder, "--steps", "30", "--head-steps", "4",
                               "--eval-tokens", "4096", "-t", "2", "--json"},
                   600000);
        QVERIFY2(resumed.exitCode == 0, qPrintable(describe(resumed)));
        const int from = lastEvent(resumed.out, "resumed")["step"].toInt();
        QVERIFY2(from >= stoppedNear && from < 30, qPrintable(describe(resumed)));
        QVERIFY(records(resumed.out).size() > 0 &&
                records(resumed.out).first()["event"].toString() == "start");
        for (const QJsonObject& r : records(resumed.out))
            if (r["event"] == "progress" && r["phase"] == "model")
                QVERIFY2(r["step"].toInt() > from, "a resumed run repeats no step");
        const QJsonObject second = lastEvent(resumed.out, "done");
        QCOMPARE(second["started_from"].toString(), model);
        QVERIFY(!QFileInfo::exists(model)); // replaced by the new result
        QVERIFY(QFileInfo::exists(second["model_path"].toString()));
        QCOMPARE(QDir(folder).entryList({"staging-*", "result-*"}, QDir::Dirs).size(), 1);
    }
};

QTEST_GUILESS_MAIN(CliLearnTest)
#include "cli_learn_test.moc"
