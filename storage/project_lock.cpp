#include "storage/project_lock.h"

#include "storage/storage_error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace fabulist::storage {

ProjectLock::ProjectLock(const std::string& path) {
    // O_RDONLY is enough for flock and works on read-only files; the file is never written
    // through this descriptor.
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
        const int error = errno;
        throw StorageError(error == ENOENT ? StorageError::Kind::NotFound : StorageError::Kind::Io,
                           "Cannot open '" + path + "': " + std::strerror(error) +
                               ". Check the path and the file's permissions.",
                           path);
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(m_fd);
        m_fd = -1;
        if (error == EWOULDBLOCK)
            throw StorageError(StorageError::Kind::AlreadyOpen,
                               "'" + path +
                                   "' is already open in another Fabulist window or process. "
                                   "Switch to that window, or close it and try again.",
                               path);
        throw StorageError(StorageError::Kind::Io,
                           "Cannot lock '" + path + "': " + std::strerror(error) +
                               ". Keep projects on a local disk.",
                           path);
    }
}

ProjectLock::~ProjectLock() {
    if (m_fd >= 0) ::close(m_fd); // closing the last descriptor releases the flock
}

} // namespace fabulist::storage
