// Opening bad files: missing, empty, not SQLite, SQLite of another application, corrupt
// header, damaged pages, truncated, read-only, newer schema, already open (same process and a
// real second process). Each gives its StorageError kind with a message naming the file, and
// the file is byte-identical afterwards.
#include "storage/project.h"
#include "storage/project_file_check.h"
#include "storage/project_lock.h"
#include "storage/sample_project.h"
#include "tests/storage/storage_test_util.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <filesystem>
#include <functional>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace fabulist::storage;
using namespace fabulist::storage::test;
using Kind = StorageError::Kind;

namespace {

// Runs a raw SQL script on a file with the SQLite C API, bypassing Fabulist.
void rawSql(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
    if (rc != SQLITE_OK) qWarning("%s", error);
    sqlite3_free(error);
    QCOMPARE(rc, SQLITE_OK);
    QCOMPARE(sqlite3_close(db), SQLITE_OK);
}

// A closed project with some content over many pages (its WAL checkpointed away).
std::string makeProject(const QTemporaryDir& dir, const char* name) {
    const std::string path = pathIn(dir, name);
    auto project = createSampleProject(path);
    const int64_t scene = project->binder().create(NodeKind::Scene, "Long");
    std::string text;
    for (int i = 0; i < 4000; ++i) text += "word" + std::to_string(i) + " ";
    project->documents().setText(scene, text);
    project->revisions().snapshot(scene, "one");
    return path;
}

// Starts storage_kill_writer on path and waits until it has the project open.
bool startWriter(QProcess& writer, const std::string& path) {
    writer.start(QStringLiteral(FABULIST_KILL_WRITER), {QString::fromStdString(path), "1"});
    if (!writer.waitForStarted(5000)) return false;
    while (!writer.peek(1 << 20).contains("ready\n") && writer.state() == QProcess::Running)
        writer.waitForReadyRead(100);
    return writer.peek(1 << 20).contains("ready\n");
}

// Runs check() as a user who may read `folder` but not write to it, returning its exit code:
// as root (whom permissions do not stop) in a child process that becomes 'nobody'; otherwise
// here, with the folder made read-only.
int runWithoutWriteAccess(const std::string& folder, const std::function<int()>& check) {
    if (::getuid() != 0) {
        ::chmod(folder.c_str(), 0555);
        const int result = check();
        ::chmod(folder.c_str(), 0755);
        return result;
    }
    ::chmod(folder.c_str(), 0755); // root's folder: 'nobody' may enter and read, not write
    const pid_t child = ::fork();
    if (child == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(90);
        ::_exit(check());
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

} // namespace

class StorageOpenErrorsTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    // Opening `path` (in both modes) fails with `kind`, names the file, and changes no byte.
    void expectOpenFails(const std::string& path, Kind kind) {
        const std::string before = readBytes(path);
        for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
            OpenOptions options;
            options.mode = mode;
            try {
                Project::open(path, options);
                QFAIL(qPrintable(QString("opening %1 did not fail").arg(path.c_str())));
            } catch (const StorageError& error) {
                QCOMPARE(std::string(toString(error.kind())), std::string(toString(kind)));
                QCOMPARE(error.path(), path);
                const std::string message = error.what();
                QVERIFY2(message.find(path) != std::string::npos, message.c_str());
                QVERIFY2(message.size() > path.size() + 30, message.c_str()); // says what to do
            }
            QVERIFY2(readBytes(path) == before, "a failed open modified the file");
            // ... and left no SQLite side files behind.
            QVERIFY(!std::filesystem::exists(path + "-wal"));
            QVERIFY(!std::filesystem::exists(path + "-shm"));
        }
    }

private slots:
    void missingFile() {
        const std::string path = pathIn(m_dir, "missing.fabulist");
        EXPECT_STORAGE_ERROR(Project::open(path), Kind::NotFound);
        QVERIFY(!std::filesystem::exists(path)); // not created by the attempt
    }

    void emptyFile() {
        const std::string path = pathIn(m_dir, "empty.fabulist");
        writeBytes(path, "");
        expectOpenFails(path, Kind::NotAProject);
    }

    void textFile() {
        const std::string path = pathIn(m_dir, "notes.fabulist");
        writeBytes(path, std::string(5000, 'x') + "\nThis is a plain text file, not SQLite.\n");
        expectOpenFails(path, Kind::NotAProject);
    }

    void directory() {
        const std::string path = pathIn(m_dir, "folder.fabulist");
        std::filesystem::create_directory(path);
        EXPECT_STORAGE_ERROR(Project::open(path), Kind::NotAProject);
    }

    void otherApplicationsDatabase() {
        const std::string path = pathIn(m_dir, "other.db");
        rawSql(path,
               "PRAGMA application_id = 305419896; CREATE TABLE t(x); INSERT INTO t VALUES(1)");
        expectOpenFails(path, Kind::NotAProject);
    }

    void plainSqliteDatabase() {
        const std::string path = pathIn(m_dir, "plain.db");
        rawSql(path, "CREATE TABLE binder_node(x); INSERT INTO binder_node VALUES(1)");
        expectOpenFails(path, Kind::NotAProject);
    }

    void ourIdButNoSchema() {
        const std::string path = pathIn(m_dir, "noschema.fabulist");
        rawSql(path, "PRAGMA application_id = 1180846195; CREATE TABLE t(x)");
        expectOpenFails(path, Kind::NotAProject);
    }

    void newerSchema() {
        const std::string path = makeProject(m_dir, "newer.fabulist");
        rawSql(path, "PRAGMA user_version = 99");
        expectOpenFails(path, Kind::NewerSchema);
    }

    void corruptHeader() {
        const std::string path = makeProject(m_dir, "badheader.fabulist");
        std::string bytes = readBytes(path);
        bytes[16] = 0x03; // page size 0x0300 = 768: not a power of two
        bytes[17] = 0x00;
        writeBytes(path, bytes);
        expectOpenFails(path, Kind::Corrupt);
    }

    void damagedPages() {
        const std::string path = makeProject(m_dir, "damaged.fabulist");
        std::string bytes = readBytes(path);
        const size_t pageSize =
            (static_cast<unsigned char>(bytes[16]) << 8) | static_cast<unsigned char>(bytes[17]);
        QVERIFY(bytes.size() >= 8 * pageSize);
        // Scribble over pages 2..5 (b-tree pages of the schema's first tables).
        for (size_t i = pageSize; i < 5 * pageSize; ++i) bytes[i] = static_cast<char>(i * 131);
        writeBytes(path, bytes);
        expectOpenFails(path, Kind::Corrupt);
    }

    void truncatedFile() {
        const std::string path = makeProject(m_dir, "truncated.fabulist");
        const std::string bytes = readBytes(path);
        QVERIFY(bytes.size() > 16 * 4096);
        writeBytes(path, bytes.substr(0, bytes.size() / 2)); // whole pages, half of them
        expectOpenFails(path, Kind::Corrupt);
        writeBytes(path, bytes.substr(0, bytes.size() / 2 + 100)); // cut inside a page
        expectOpenFails(path, Kind::Corrupt);
        writeBytes(path, bytes.substr(0, 60)); // inside the header
        expectOpenFails(path, Kind::Corrupt);
    }

    void readOnlyFile() {
        const std::string path = makeProject(m_dir, "readonly.fabulist");
        QCOMPARE(::chmod(path.c_str(), 0444), 0);
        const std::string before = readBytes(path);
        EXPECT_STORAGE_ERROR(Project::open(path), Kind::ReadOnly);
        QCOMPARE(readBytes(path), before);

        // Viewing works in ReadOnly mode; any change is refused with ReadOnly.
        OpenOptions options;
        options.mode = OpenMode::ReadOnly;
        {
            auto project = Project::open(path, options);
            QVERIFY(project->isReadOnly());
            QCOMPARE(project->title(), std::string("The Salt Clock"));
            QVERIFY(project->binder().tree().size() > 10);
            QVERIFY(!project->search().search("clock").empty());
            const int64_t first = project->binder().tree().front().id;
            EXPECT_STORAGE_ERROR(project->binder().rename(first, "x"), Kind::ReadOnly);
            EXPECT_STORAGE_ERROR(project->documents().setText(first, "x"), Kind::ReadOnly);
            EXPECT_STORAGE_ERROR(project->binder().create(NodeKind::Scene, "x"), Kind::ReadOnly);
        }
        QCOMPARE(readBytes(path), before);
        QCOMPARE(::chmod(path.c_str(), 0644), 0);
        QCOMPARE(Project::open(path)->integrityCheck(), std::string("ok"));
    }

    void alreadyOpenInThisProcess() {
        const std::string path = makeProject(m_dir, "twice.fabulist");
        auto first = Project::open(path);
        try {
            Project::open(path);
            QFAIL("second open succeeded");
        } catch (const StorageError& error) {
            QCOMPARE(error.kind(), Kind::AlreadyOpen);
            QVERIFY(std::string(error.what()).find(path) != std::string::npos);
        }
        // Through another spelling of the path (a symbolic link) too.
        const std::string link = pathIn(m_dir, "twice-link.fabulist");
        std::filesystem::create_symlink(path, link);
        EXPECT_STORAGE_ERROR(Project::open(link), Kind::AlreadyOpen);
        // The first one is unharmed and still works; viewing alongside is allowed.
        first->binder().create(NodeKind::Scene, "still editable");
        OpenOptions viewOnly;
        viewOnly.mode = OpenMode::ReadOnly;
        QVERIFY(Project::open(path, viewOnly)->binder().tree().size() > 10);
        first.reset();
        QCOMPARE(Project::open(path)->binder().children(std::nullopt).back().title,
                 std::string("still editable"));
    }

    // The lock belongs to the file, not to the spelling of its path: a symbolic link to a
    // project another process edits is refused, both ways round.
    void symbolicLinkToAProjectOpenElsewhere() {
        const std::string path = makeProject(m_dir, "linked.fabulist");
        const std::string link = pathIn(m_dir, "linked-alias.fabulist");
        std::filesystem::create_symlink(path, link);
        for (const auto& [editing, other] : {std::pair{path, link}, std::pair{link, path}}) {
            QProcess writer;
            QVERIFY(startWriter(writer, editing));
            EXPECT_STORAGE_ERROR(Project::open(other), Kind::AlreadyOpen);
            writer.kill();
            QVERIFY(writer.waitForFinished(5000));
        }
        QCOMPARE(Project::open(link)->integrityCheck(), std::string("ok"));
    }

    // A second hard link is a second name the lock cannot see: editing is refused (viewing is
    // not), and the file is left as it was.
    void hardLinkedProjectIsRefused() {
        const std::string path = makeProject(m_dir, "hard.fabulist");
        const std::string link = pathIn(m_dir, "hard-link.fabulist");
        QCOMPARE(::link(path.c_str(), link.c_str()), 0);
        const std::string before = readBytes(path);
        for (const std::string& name : {path, link}) {
            try {
                Project::open(name);
                QFAIL("a hard-linked project opened for editing");
            } catch (const StorageError& error) {
                QCOMPARE(error.kind(), Kind::InvalidArgument);
                const std::string message = error.what();
                QVERIFY2(message.find(name) != std::string::npos &&
                             message.find("2 hard links") != std::string::npos,
                         error.what());
            }
        }
        OpenOptions viewOnly;
        viewOnly.mode = OpenMode::ReadOnly;
        QVERIFY(Project::open(link, viewOnly)->binder().tree().size() > 10);
        QVERIFY(readBytes(path) == before);
        QCOMPARE(::unlink(link.c_str()), 0);
        QCOMPARE(Project::open(path)->integrityCheck(), std::string("ok"));
    }

    // Damage that quick_check cannot see (an index that disagrees with its table) is found by
    // the integrity_check that an open after an unclean shutdown runs.
    void fullCheckAfterAnUncleanShutdown() {
        const std::string path = makeProject(m_dir, "unclean.fabulist");
        rawSql(path, "PRAGMA writable_schema = ON;"
                     "UPDATE sqlite_schema SET sql = 'CREATE INDEX binder_node_by_parent ON "
                     "binder_node(parent_id, id)' "
                     "WHERE name = 'binder_node_by_parent';");
        Project::open(path).reset(); // closed cleanly before: quick_check, which passes
        const std::string before = readBytes(path);
        writeBytes(ProjectLock::lockPathFor(path), ""); // as a killed editor leaves it
        for (OpenMode mode : {OpenMode::ReadWrite, OpenMode::ReadOnly}) {
            OpenOptions options;
            options.mode = mode;
            try {
                Project::open(path, options);
                QFAIL("a damaged project opened after an unclean shutdown");
            } catch (const StorageError& error) {
                QCOMPARE(error.kind(), Kind::Corrupt);
                QVERIFY2(std::string(error.what()).find("integrity_check") != std::string::npos,
                         error.what());
            }
        }
        QVERIFY(readBytes(path) == before);
    }

    // A project in a folder the writer may not write to: editing is refused with a message that
    // says so, viewing works (no -wal or -shm can be made there), and nothing is written.
    void projectInAReadOnlyFolder() {
        QTemporaryDir outer;
        ::chmod(outer.path().toUtf8().constData(), 0755); // others may pass through
        const std::string folder = pathIn(outer, "shelf");
        QVERIFY(std::filesystem::create_directory(folder));
        const std::string path = folder + "/novel.fabulist";
        Project::create(path, "Shelved").reset();
        ::chmod(path.c_str(), 0644);
        const std::string before = readBytes(path);
        const int result = runWithoutWriteAccess(folder, [&] {
            try {
                Project::open(path);
                return 1;
            } catch (const StorageError& error) {
                if (error.kind() != Kind::ReadOnly) return 2;
                if (std::string(error.what()).find("read-only") == std::string::npos) return 3;
            }
            try {
                OpenOptions viewOnly;
                viewOnly.mode = OpenMode::ReadOnly;
                auto project = Project::open(path, viewOnly);
                if (!project->isReadOnly() || project->title() != "Shelved") return 4;
                if (project->integrityCheck() != "ok") return 5;
            } catch (const StorageError& error) {
                qWarning("%s", error.what());
                return 6;
            }
            return 0;
        });
        QCOMPARE(result, 0);
        QVERIFY(readBytes(path) == before);
        QVERIFY(!std::filesystem::exists(path + "-wal") && !std::filesystem::exists(path + "-shm"));
    }

    // No network mount to test with here: the statfs classifier, and that this disk is local.
    void networkFileSystemsAreRecognised() {
        QCOMPARE(networkFileSystemName(0x6969), std::string("nfs"));
        QCOMPARE(networkFileSystemName(0xFF534D42), std::string("cifs"));
        QCOMPARE(networkFileSystemName(0xFE534D42), std::string("smb2"));
        QCOMPARE(networkFileSystemName(0x01021997), std::string("9p"));
        QCOMPARE(networkFileSystemName(0xEF53), std::string());     // ext4
        QCOMPARE(networkFileSystemName(0x01021994), std::string()); // tmpfs
        QCOMPARE(networkFileSystemOf(pathIn(m_dir, "")), std::string());
    }

    void alreadyOpenInAnotherProcess() {
        const std::string path = makeProject(m_dir, "shared.fabulist");
        QProcess writer;
        writer.start(QStringLiteral(FABULIST_KILL_WRITER), {QString::fromStdString(path), "1"});
        QVERIFY(writer.waitForStarted(5000));
        QByteArray output;
        while (!output.contains("ready\n") && writer.state() == QProcess::Running) {
            writer.waitForReadyRead(100);
            output += writer.peek(1 << 20);
        }
        QVERIFY2(output.contains("ready\n"), writer.readAllStandardError().constData());
        EXPECT_STORAGE_ERROR(Project::open(path), Kind::AlreadyOpen);
        writer.kill(); // SIGKILL: the writer cannot clean up
        QVERIFY(writer.waitForFinished(5000));
        const std::string lockFile = path + ".lock";
        QVERIFY(std::filesystem::exists(lockFile)); // left behind, but no longer locked
        {
            auto project = Project::open(path); // the lock went with the process
            QCOMPARE(project->integrityCheck(), std::string("ok"));
        }
        QVERIFY(!std::filesystem::exists(lockFile)); // a clean close removes it
    }
};

QTEST_GUILESS_MAIN(StorageOpenErrorsTest)
#include "storage_open_errors_test.moc"
