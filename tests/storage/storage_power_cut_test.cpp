// Power-cut test: the real writer process (storage_kill_writer) saves in a loop with the
// power_cut_shim preloaded, which keeps a copy of the disk as a power cut would leave it (each
// project file as of its last fsync/fdatasync). After the writer has acknowledged a number of
// saves it is killed, and the test opens that copy: it must pass integrity_check and hold
// every acknowledged save; with synchronous=NORMAL it would lose those since the last
// checkpoint. (What the shim cannot model: a disk that lies about flushing its own cache, and
// directory entries; the project's files all exist before the writer starts.)
#include "storage/project.h"
#include "storage/statement.h"
#include "tests/storage/kill_save_text.h"
#include "tests/storage/storage_test_util.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <sstream>

using namespace fabulist::storage;
using namespace fabulist::storage::test;

class StoragePowerCutTest : public QObject {
    Q_OBJECT

    // Starts the writer on path and returns its complete "ack" lines once it made `saves`.
    static QList<QByteArray> runWriterUntil(const QString& path, const QString& disk, int saves,
                                            const QStringList& extra = {}) {
        QProcess writer;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("LD_PRELOAD", QStringLiteral(FABULIST_POWER_CUT_SHIM));
        env.insert("FABULIST_POWER_CUT_WATCH", QFileInfo(path).absolutePath());
        env.insert("FABULIST_POWER_CUT_DISK", disk);
        writer.setProcessEnvironment(env);
        writer.start(QStringLiteral(FABULIST_KILL_WRITER), QStringList{path, "1"} + extra);
        if (!writer.waitForStarted(5000)) return {};
        QDeadlineTimer patience(60000);
        while (writer.state() == QProcess::Running && !patience.hasExpired()) {
            if (writer.peek(1 << 26).count("ack ") >= saves) break;
            writer.waitForReadyRead(50);
        }
        ::kill(static_cast<pid_t>(writer.processId()), SIGKILL); // the power goes
        writer.waitForFinished(5000);
        QList<QByteArray> lines = writer.readAllStandardOutput().split('\n');
        lines.removeLast(); // cut by the kill: not acknowledged
        return lines;
    }

private slots:
    void acknowledgedSavesSurviveAPowerCut_data() {
        QTest::addColumn<QStringList>("extra");
        QTest::newRow("default checkpoints") << QStringList();
        QTest::newRow("checkpoint every 4 pages") << QStringList{"4"};
    }

    void acknowledgedSavesSurviveAPowerCut() {
        QFETCH(QStringList, extra);
        QTemporaryDir work, disk;
        const std::string path = pathIn(work, "power.fabulist");
        {
            auto project = Project::create(path);
            const int64_t chapter = project->binder().create(NodeKind::Chapter, "Chapter");
            for (int i = 0; i < 3; ++i)
                project->binder().create(NodeKind::Scene, "Scene " + std::to_string(i), chapter);
        } // closed cleanly: checkpointed and synced, so the disk holds it as it is
        const QString onDisk = disk.filePath("power.fabulist");
        QVERIFY(QFile::copy(QString::fromStdString(path), onDisk));

        const QList<QByteArray> lines =
            runWriterUntil(QString::fromStdString(path), disk.path(), 150, extra);
        std::map<int64_t, uint64_t> lastAcked;
        int acks = 0;
        for (const QByteArray& line : lines) {
            std::istringstream in(line.toStdString());
            std::string word;
            uint64_t round = 0, sequence = 0;
            int64_t node = 0;
            if (in >> word >> round >> node >> sequence && word == "ack") {
                lastAcked[node] = sequence;
                ++acks;
            }
        }
        QVERIFY2(acks >= 150, qPrintable(QString("only %1 saves acknowledged").arg(acks)));

        // The disk after the cut: no lock holder, the log as last synced.
        auto project = Project::open(onDisk.toStdString());
        QCOMPARE(project->integrityCheck(), std::string("ok"));
        for (const auto& [node, sequence] : lastAcked) {
            const std::string text = project->documents().text(node);
            std::istringstream in(text.substr(0, text.find('\n')));
            std::string word;
            uint64_t round = 0, stored = 0;
            QVERIFY2(in >> word >> round >> stored && word == "save",
                     qPrintable(QString("scene %1 lost every save").arg(node)));
            QCOMPARE(text, killSaveText(round, stored));
            QVERIFY2(stored >= sequence,
                     qPrintable(QString("scene %1: save %2 survived, %3 was acknowledged")
                                    .arg(node)
                                    .arg(stored)
                                    .arg(sequence)));
        }
    }
};

QTEST_GUILESS_MAIN(StoragePowerCutTest)
#include "storage_power_cut_test.moc"
