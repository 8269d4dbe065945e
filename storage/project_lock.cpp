#include "storage/project_lock.h"

#include "storage/storage_error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fabulist::storage {

std::string ProjectLock::lockPathFor(const std::string& projectPath) {
    std::error_code error;
    const auto resolved = std::filesystem::canonical(projectPath, error);
    return (error ? projectPath : resolved.string()) + ".lock";
}

ProjectLock::ProjectLock(const std::string& projectPath) : m_lockPath(lockPathFor(projectPath)) {
    // A few tries: each one fails only if a releasing holder removed the file in between.
    for (int attempt = 0; attempt < 10; ++attempt) {
        const int fd = ::open(m_lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            const int error = errno;
            throw StorageError(error == EACCES || error == EROFS ? StorageError::Kind::ReadOnly
                                                                 : StorageError::Kind::Io,
                               "Cannot create the lock file '" + m_lockPath + "' for project '" +
                                   projectPath + "': " + std::strerror(error) +
                                   ". Make the project's folder writable.",
                               projectPath);
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            ::close(fd);
            if (error == EWOULDBLOCK)
                throw StorageError(StorageError::Kind::AlreadyOpen,
                                   "'" + projectPath +
                                       "' is already open in another Fabulist window or process. "
                                       "Switch to that window, or close it and try again.",
                                   projectPath);
            throw StorageError(StorageError::Kind::Io,
                               "Cannot lock '" + m_lockPath + "': " + std::strerror(error) +
                                   ". Keep projects on a local disk.",
                               projectPath);
        }
        // The holder before us may have removed the file after we opened it: then we locked
        // an orphan and must start again with the file now at the path.
        struct stat locked {
        }, current{};
        if (::fstat(fd, &locked) == 0 && ::stat(m_lockPath.c_str(), &current) == 0 &&
            locked.st_dev == current.st_dev && locked.st_ino == current.st_ino) {
            m_fd = fd;
            return;
        }
        ::close(fd);
    }
    throw StorageError(StorageError::Kind::Io,
                       "Cannot lock '" + m_lockPath + "': it keeps changing. Try again.",
                       projectPath);
}

ProjectLock::State ProjectLock::probe(const std::string& projectPath) {
    const int fd = ::open(lockPathFor(projectPath).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return State::Absent;
    const bool unheld = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
    ::close(fd); // closing drops the probe's lock
    return unheld ? State::LeftBehind : State::Held;
}

ProjectLock::~ProjectLock() {
    if (m_fd < 0) return;
    // Remove while still holding the lock, then release: see the re-check above.
    ::unlink(m_lockPath.c_str());
    ::close(m_fd);
}

} // namespace fabulist::storage
