#pragma once
// Writing a file the writer asked for (an export, later downloads and backups) without ever
// destroying one they did not: the output may not be an input of the same command (same device
// and inode, whatever the path's spelling), an existing file is replaced only when the caller
// says so, and the bytes go to a temporary file beside the target that is synced and renamed
// into place, so a failed write (full disk, I/O error) leaves the old file, or none, behind.

#include <string>
#include <string_view>
#include <vector>

namespace fabulist::storage {

struct FileOutputOptions {
    bool replaceExisting = false;    // --force: an existing file (not an input) is replaced
    std::vector<std::string> inputs; // files the command reads; never written to
};

// Throws StorageError (InvalidArgument for a refused target, Io/ReadOnly for a failed write)
// with a message that names the file and says what to do.
void writeFileSafely(const std::string& path, std::string_view bytes,
                     const FileOutputOptions& options = {});

} // namespace fabulist::storage
