// Pull-the-plug test: a real writer process (storage_kill_writer) saves in a loop and
// acknowledges each committed save on stdout; we SIGKILL it at random moments (during open,
// mid-transaction, and, with a low auto-checkpoint threshold in every other round,
// mid-checkpoint) and check after every kill that the project opens, passes
// PRAGMA integrity_check and the FTS integrity check, and holds every acknowledged save.
// Rounds: 50, or FABULIST_KILL_ROUNDS.
#include "storage/project.h"
#include "storage/statement.h"
#include "tests/storage/kill_save_text.h"
#include "tests/storage/storage_test_util.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <csignal>
#include <map>
#include <sstream>
#include <unordered_set>

using namespace fabulist::storage;
using namespace fabulist::storage::test;

namespace {

struct Ack {
    uint64_t round;
    int64_t node;
    uint64_t sequence;
};

// Complete lines only: a line cut by the kill was not acknowledged.
std::vector<Ack> parseAcks(const QByteArray& output, bool* sawReady) {
    std::vector<Ack> acks;
    const QList<QByteArray> lines = output.split('\n');
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) { // the last piece has no '\n'
        if (lines[i] == "ready") {
            *sawReady = true;
            continue;
        }
        std::istringstream in(lines[i].toStdString());
        std::string word;
        Ack ack{};
        if (in >> word >> ack.round >> ack.node >> ack.sequence && word == "ack")
            acks.push_back(ack);
        else
            qWarning("unexpected writer output: %s", lines[i].constData());
    }
    return acks;
}

bool parseHeader(const std::string& text, uint64_t* round, uint64_t* sequence) {
    std::istringstream in(text.substr(0, text.find('\n')));
    std::string word;
    return in >> word >> *round >> *sequence && word == "save";
}

} // namespace

class StorageKillTest : public QObject {
    Q_OBJECT

private slots:
    void killedWriterLosesNoAcknowledgedSave() {
        int rounds = 50;
        if (qEnvironmentVariableIsSet("FABULIST_KILL_ROUNDS"))
            rounds = std::max(1, qEnvironmentVariableIntValue("FABULIST_KILL_ROUNDS"));
        QTemporaryDir dir;
        const std::string path = pathIn(dir, "kill.fabulist");
        {
            auto project = Project::create(path);
            const int64_t chapter = project->binder().create(NodeKind::Chapter, "Chapter");
            for (int i = 0; i < 3; ++i)
                project->binder().create(NodeKind::Scene, "Scene " + std::to_string(i), chapter);
        }
        QRandomGenerator random(20261128);
        std::vector<Ack> allAcks;
        int roundsWithAcks = 0;
        int checkpointRoundsWithAcks = 0;
        int killedBeforeReady = 0;

        for (int round = 1; round <= rounds; ++round) {
            QProcess writer;
            writer.setProcessChannelMode(QProcess::SeparateChannels);
            QStringList arguments{QString::fromStdString(path), QString::number(round)};
            const bool checkpointRound = round % 2 == 0;
            if (checkpointRound) arguments << QString::number(1 + random.bounded(16));
            writer.start(QStringLiteral(FABULIST_KILL_WRITER), arguments);
            QVERIFY2(writer.waitForStarted(5000), "cannot start storage_kill_writer");
            // A fifth of the kills land during start-up/open. The rest wait for a random number
            // of acknowledgements (0..24), then a random fraction of a save or two, so that
            // they hit a busy writer however fast or loaded this machine is.
            if (random.bounded(5) == 0) {
                QThread::usleep(random.bounded(8000));
            } else {
                const int wantedAcks = random.bounded(25);
                QDeadlineTimer patience(10000);
                while (writer.state() == QProcess::Running && !patience.hasExpired()) {
                    const QByteArray seen = writer.peek(1 << 24);
                    if (seen.contains("ready\n") && seen.count("ack ") >= wantedAcks) break;
                    writer.waitForReadyRead(50);
                }
                QThread::usleep(random.bounded(checkpointRound ? 20000 : 4000));
            }
            ::kill(static_cast<pid_t>(writer.processId()), SIGKILL);
            QVERIFY(writer.waitForFinished(5000));
            QCOMPARE(writer.exitStatus(), QProcess::CrashExit); // it was running, not failing
            bool sawReady = false;
            const std::vector<Ack> acks = parseAcks(writer.readAllStandardOutput(), &sawReady);
            killedBeforeReady += sawReady ? 0 : 1;
            roundsWithAcks += acks.empty() ? 0 : 1;
            checkpointRoundsWithAcks += !acks.empty() && checkpointRound ? 1 : 0;

            // A viewer can read the crashed file as it is (its log not yet checkpointed) ...
            {
                OpenOptions viewOnly;
                viewOnly.mode = OpenMode::ReadOnly;
                auto viewer = Project::open(path, viewOnly);
                QCOMPARE(viewer->integrityCheck(), std::string("ok"));
            }
            // ... and as the lock died with the writer, it opens read-write and is sound.
            auto project = Project::open(path);
            QCOMPARE(project->integrityCheck(), std::string("ok"));
            project->database().exec(
                "INSERT INTO document_fts(document_fts, rank) VALUES ('integrity-check', 1)");
            std::map<int64_t, uint64_t> lastAcked;
            Statement revision(project->database(),
                               "SELECT COUNT(*) FROM revision WHERE node_id = ? AND text = ?");
            for (const Ack& ack : acks) {
                QCOMPARE(ack.round, uint64_t(round));
                revision.reset();
                revision.bind(1, ack.node).bind(2, killSaveText(ack.round, ack.sequence));
                QVERIFY(revision.step());
                QVERIFY2(revision.columnInt64(0) == 1,
                         qPrintable(QString("round %1: acknowledged save %2 has no revision")
                                        .arg(round)
                                        .arg(ack.sequence)));
                lastAcked[ack.node] = ack.sequence;
            }
            // Each scene holds its last acknowledged save, or a later one that committed just
            // before the kill; never an older or a torn text.
            for (const BinderNode& node : project->binder().tree()) {
                if (node.kind != NodeKind::Scene) continue;
                const std::string text = project->documents().text(node.id);
                if (text.empty()) continue; // not saved yet
                uint64_t textRound = 0, sequence = 0;
                QVERIFY2(parseHeader(text, &textRound, &sequence), text.substr(0, 40).c_str());
                QCOMPARE(text, killSaveText(textRound, sequence));
                auto it = lastAcked.find(node.id);
                if (it != lastAcked.end()) {
                    QCOMPARE(textRound, uint64_t(round));
                    QVERIFY2(sequence >= it->second,
                             qPrintable(QString("round %1 scene %2: text of save %3, acked %4")
                                            .arg(round)
                                            .arg(node.id)
                                            .arg(sequence)
                                            .arg(it->second)));
                }
            }
            allAcks.insert(allAcks.end(), acks.begin(), acks.end());
        }

        // Finally every save acknowledged in any round is still there.
        auto project = Project::open(path);
        std::unordered_set<std::string> stored;
        Statement all(project->database(), "SELECT node_id, text FROM revision");
        while (all.step())
            stored.insert(std::to_string(all.columnInt64(0)) + ":" + all.columnText(1));
        for (const Ack& ack : allAcks)
            QVERIFY(stored.count(std::to_string(ack.node) + ":" +
                                 killSaveText(ack.round, ack.sequence)) == 1);
        qInfo("%d kills, %zu acknowledged saves checked, %d rounds with saves (%d of them "
              "checkpointing often), %d kills before the writer was ready",
              rounds, allAcks.size(), roundsWithAcks, checkpointRoundsWithAcks, killedBeforeReady);
        // The test must really have killed a busy writer, not only idle ones.
        QVERIFY(roundsWithAcks >= rounds / 2);
        QVERIFY(rounds < 10 || checkpointRoundsWithAcks >= rounds / 10);
        QVERIFY(allAcks.size() >= size_t(rounds));
    }
};

QTEST_GUILESS_MAIN(StorageKillTest)
#include "storage_kill_test.moc"
