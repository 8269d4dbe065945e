// LD_PRELOAD library for storage_power_cut_test: models the disk a power cut leaves behind.
// The kernel's page cache dies with the power, so only what a file held at its last fsync or
// fdatasync survives. Every sync of a regular file in FABULIST_POWER_CUT_WATCH copies that
// file's whole content, read through the syncing descriptor itself (a descriptor of our own
// on an SQLite file would drop SQLite's POSIX locks when closed), to the same name in
// FABULIST_POWER_CUT_DISK. That folder is then the disk as it is after the cut.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using SyncFunction = int (*)(int);

std::string pathOf(int fd) {
    char buffer[4096];
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), buffer, sizeof buffer - 1);
    return n > 0 ? std::string(buffer, size_t(n)) : std::string();
}

void copyToDisk(int fd) {
    const char* watch = std::getenv("FABULIST_POWER_CUT_WATCH");
    const char* disk = std::getenv("FABULIST_POWER_CUT_DISK");
    struct stat info {};
    if (!watch || !disk || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return;
    const std::string path = pathOf(fd);
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos || path.substr(0, slash) != watch) return;
    std::vector<char> bytes(size_t(info.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, off_t(done));
        if (n <= 0) return; // leave the disk's old copy: nothing newer is known to be there
        done += size_t(n);
    }
    const std::string target = std::string(disk) + path.substr(slash);
    const std::string partial = target + ".copying";
    const int out = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) return;
    const bool ok = ::write(out, bytes.data(), bytes.size()) == ssize_t(bytes.size());
    ::close(out);
    if (ok) ::rename(partial.c_str(), target.c_str()); // whole or not at all
}

int forward(const char* name, int fd) {
    static SyncFunction fsyncNext = reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fsync"));
    static SyncFunction fdatasyncNext =
        reinterpret_cast<SyncFunction>(dlsym(RTLD_NEXT, "fdatasync"));
    const SyncFunction next = std::strcmp(name, "fsync") == 0 ? fsyncNext : fdatasyncNext;
    const int result = next ? next(fd) : 0;
    const int savedErrno = errno;
    if (result == 0) copyToDisk(fd);
    errno = savedErrno;
    return result;
}

} // namespace

extern "C" int fsync(int fd) {
    return forward("fsync", fd);
}

extern "C" int fdatasync(int fd) {
    return forward("fdatasync", fd);
}
