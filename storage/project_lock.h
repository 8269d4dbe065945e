#pragma once
// ProjectLock: makes sure only one Fabulist (window or process) edits a project at a time.
//
// It holds flock(LOCK_EX | LOCK_NB) on a sidecar file `<project>.lock`, never on the project
// file itself: closing any descriptor of a database file drops every POSIX lock the process
// holds on it, SQLite's included (SQLite's "how to corrupt" notes), so Fabulist opens no
// descriptor of its own on a project that SQLite has open. flock locks belong to the open
// file description, so a second open in the same process conflicts too, and the kernel drops
// the lock when the holder dies (even by SIGKILL). The lock file is removed on release; one
// left by a killed process is unlocked and simply reused. Taking the lock re-checks that the
// locked file is still the one at the path, so removal cannot let two holders in. The sidecar
// is named after the project's resolved path (symbolic links followed), so every spelling of
// the path shares one lock; hard links are refused by Project::open before it gets here.
// (On NFS, flock may be emulated or unsupported; Project::open refuses network file systems.)

#include <string>

namespace fabulist::storage {

class ProjectLock {
public:
    // Throws StorageError(AlreadyOpen) when another holder has the lock, Io/ReadOnly when the
    // lock file cannot be created.
    explicit ProjectLock(const std::string& projectPath);
    ~ProjectLock();
    ProjectLock(const ProjectLock&) = delete;
    ProjectLock& operator=(const ProjectLock&) = delete;

    // "<resolved project path>.lock" (the path itself when it cannot be resolved).
    static std::string lockPathFor(const std::string& projectPath);

    // Absent: no lock file. Held: an editor has the project open. LeftBehind: the file is there
    // but nobody holds it, so its last editor did not close the project (crash, SIGKILL, power
    // cut). Probes with a shared lock that is released at once; creates nothing.
    enum class State { Absent, Held, LeftBehind };
    static State probe(const std::string& projectPath);

private:
    std::string m_lockPath;
    int m_fd = -1;
};

} // namespace fabulist::storage
