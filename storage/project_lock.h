#pragma once
// ProjectLock: makes sure only one Fabulist (window or process) edits a project at a time.
// It takes an advisory flock(LOCK_EX | LOCK_NB) on the project file through its own file
// descriptor. flock locks belong to the open file description, so a second open in the same
// process conflicts too, and the kernel drops the lock when the holder dies (even by SIGKILL):
// no stale lock files. It is independent of SQLite's own POSIX byte-range locks. (On NFS,
// flock may be emulated or unsupported; Fabulist projects are meant to live on local disks.)

#include <string>

namespace fabulist::storage {

class ProjectLock {
public:
    // Throws StorageError(AlreadyOpen) when another holder has the lock, NotFound/Io otherwise.
    explicit ProjectLock(const std::string& path);
    ~ProjectLock();
    ProjectLock(const ProjectLock&) = delete;
    ProjectLock& operator=(const ProjectLock&) = delete;

private:
    int m_fd = -1;
};

} // namespace fabulist::storage
