#include "storage/file_output.h"

#include "storage/storage_error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace fabulist::storage {

namespace {

using Kind = StorageError::Kind;

bool sameFile(const struct stat& a, const struct stat& b) {
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
    throw StorageError(Kind::InvalidArgument, "Not writing '" + path + "': " + why, path);
}

[[noreturn]] void writeFailed(const std::string& path, int error) {
    const bool full = error == ENOSPC || error == EDQUOT;
    const bool denied = error == EACCES || error == EPERM || error == EROFS;
    const std::string hint = full     ? "The disk is full. Free some space and try again."
                             : denied ? "Choose a folder you may write to."
                                      : "Check the disk and try again.";
    throw StorageError(denied ? Kind::ReadOnly : Kind::Io,
                       "Cannot write '" + path + "': " + std::strerror(error) + ". " + hint +
                           " Nothing was replaced.",
                       path);
}

void checkTarget(const std::string& path, const FileOutputOptions& options) {
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0) return; // a new file
    for (const std::string& input : options.inputs) {
        struct stat in {};
        if (::stat(input.c_str(), &in) == 0 && sameFile(in, target))
            refuse(path,
                   "it is the file being read ('" + input + "'). Choose another output file.");
    }
    if (!S_ISREG(target.st_mode)) refuse(path, "it exists and is not a regular file.");
    if (!options.replaceExisting)
        refuse(path, "the file already exists. Choose another name, or pass --force to "
                     "replace it.");
}

// Writes all bytes to fd and syncs them; returns 0 or the errno of the failure.
int writeAndSync(int fd, std::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        done += size_t(n);
    }
    return ::fsync(fd) == 0 ? 0 : errno;
}

// Moves tmp to path; without replaceExisting it never replaces a file that appeared meanwhile.
int moveIntoPlace(const std::string& tmp, const std::string& path, bool replaceExisting) {
    if (replaceExisting) return std::rename(tmp.c_str(), path.c_str()) == 0 ? 0 : errno;
    if (::link(tmp.c_str(), path.c_str()) != 0) return errno; // fails with EEXIST, never replaces
    ::unlink(tmp.c_str());
    return 0;
}

// 0666 less the umask, as open(O_CREAT) would give.
mode_t newFileMode() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

void syncFolder(const std::string& path) {
    const std::string folder = std::filesystem::absolute(path).parent_path().string();
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd); // the new name survives a power cut too
    ::close(fd);
}

} // namespace

void writeFileSafely(const std::string& path, std::string_view bytes,
                     const FileOutputOptions& options) {
    checkTarget(path, options);
    std::string tmp = path + ".partial-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) writeFailed(path, errno);
    ::fchmod(fd, newFileMode()); // mkstemp makes 0600; an export is an ordinary file
    int error = writeAndSync(fd, bytes);
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error == 0) error = moveIntoPlace(tmp, path, options.replaceExisting);
    if (error != 0) {
        ::unlink(tmp.c_str());
        if (error == EEXIST) refuse(path, "the file appeared while writing. Nothing was replaced.");
        writeFailed(path, error);
    }
    syncFolder(path);
}

} // namespace fabulist::storage
