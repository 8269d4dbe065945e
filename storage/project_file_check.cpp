#include "storage/project_file_check.h"

#include "storage/project.h"
#include "storage/storage_error.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <utility>

namespace fabulist::storage {

namespace {

using Kind = StorageError::Kind;

constexpr char kSqliteMagic[] = "SQLite format 3"; // followed by a NUL: 16 bytes
constexpr size_t kHeaderSize = 100;

uint32_t readBigEndian32(const unsigned char* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}

std::string hex32(uint32_t value) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "0x%08X", value);
    return buffer;
}

[[noreturn]] void notAProject(const std::string& path, const std::string& why) {
    throw StorageError(Kind::NotAProject,
                       "'" + path + "' is not a Fabulist project (" + why +
                           "). Choose a .fabulist file, or create a new project.",
                       path);
}

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
    throw StorageError(Kind::Corrupt,
                       "'" + path + "' is damaged (" + why +
                           "). Fabulist left it unchanged; restore it from a backup.",
                       path);
}

} // namespace

void checkFileHeader(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        const int error = errno;
        if (error == ENOENT)
            throw StorageError(Kind::NotFound,
                               "'" + path +
                                   "' does not exist. Check the path, or create a new "
                                   "project.",
                               path);
        throw StorageError(Kind::Io, "Cannot read '" + path + "': " + std::strerror(error) + ".",
                           path);
    }
    if (!S_ISREG(info.st_mode)) notAProject(path, "not a regular file");
    const auto fileSize = static_cast<uint64_t>(info.st_size);
    if (fileSize == 0) notAProject(path, "the file is empty");

    std::array<unsigned char, kHeaderSize> header{};
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw StorageError(Kind::ReadOnly,
                           "Cannot read '" + path +
                               "': permission denied. Check the file's "
                               "permissions.",
                           path);
    in.read(reinterpret_cast<char*>(header.data()), kHeaderSize);
    const auto got = static_cast<size_t>(in.gcount());

    const size_t magicCompare = std::min(got, sizeof kSqliteMagic);
    if (std::memcmp(header.data(), kSqliteMagic, magicCompare) != 0)
        notAProject(path, "it is not an SQLite database");
    if (got < kHeaderSize) corrupt(path, "the file is truncated: its header is incomplete");

    // Page size: offset 16, big-endian 16 bits; the value 1 means 65536.
    uint32_t pageSize = (uint32_t(header[16]) << 8) | header[17];
    if (pageSize == 1) pageSize = 65536;
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) != 0)
        corrupt(path, "invalid page size " + std::to_string(pageSize));

    // Page count at offset 28 is valid when the version-valid-for number (92) equals the
    // change counter (24); then the file must hold at least that many pages.
    const uint32_t changeCounter = readBigEndian32(&header[24]);
    const uint32_t validFor = readBigEndian32(&header[92]);
    const uint32_t pageCount = readBigEndian32(&header[28]);
    // A write-ahead log beside the file may still hold pages a checkpoint was copying in when
    // Fabulist was killed; SQLite replays it, so only a file without a log must be complete.
    std::error_code error;
    const auto walSize = std::filesystem::file_size(path + "-wal", error);
    const bool hasLog = !error && walSize > 0;
    if (!hasLog && changeCounter == validFor && uint64_t(pageCount) * pageSize > fileSize)
        corrupt(path, "the file is truncated: " + std::to_string(fileSize / pageSize) + " of " +
                          std::to_string(pageCount) + " pages present");
    if (!hasLog && fileSize % pageSize != 0)
        corrupt(path, "the file is truncated: its size is not a whole number of pages");

    // application_id: offset 68. Fabulist sets it when it creates the file, before anything
    // else, so a project's header always carries it.
    const uint32_t applicationId = readBigEndian32(&header[68]);
    if (applicationId != static_cast<uint32_t>(kApplicationId))
        notAProject(path, applicationId == 0 ? "an SQLite database without Fabulist's id"
                                             : "an SQLite database of another application, id " +
                                                   hex32(applicationId));
}

std::unique_ptr<Database> openAndCheckReadOnly(const std::string& path,
                                               std::span<const MigrationStep> migrations,
                                               CheckDepth depth, Database::Access access) {
    auto db = std::make_unique<Database>(path, access);
    try {
        const auto applicationId = static_cast<uint32_t>(db->queryInt64("PRAGMA application_id"));
        if (applicationId != static_cast<uint32_t>(kApplicationId))
            notAProject(path, "application id " + hex32(applicationId));
        const int64_t version = db->queryInt64("PRAGMA user_version");
        const int latest = migrations.empty() ? 0 : migrations.back().toVersion;
        if (version > latest)
            throw StorageError(Kind::NewerSchema,
                               "'" + path +
                                   "' was saved by a newer version of Fabulist (schema version " +
                                   std::to_string(version) + "; this version knows up to " +
                                   std::to_string(latest) + "). Update Fabulist to open it.",
                               path);
        if (version < 1) notAProject(path, "no Fabulist schema in it");
        const bool full = depth == CheckDepth::Full;
        std::string check = db->queryText(full ? "PRAGMA integrity_check" : "PRAGMA quick_check");
        if (check != "ok") {
            // Keep the first finding: the full report can run to pages.
            const std::string banner = "*** in database main ***\n";
            if (check.rfind(banner, 0) == 0) check.erase(0, banner.size());
            corrupt(path, std::string(full ? "integrity_check after an unclean shutdown: "
                                           : "quick_check: ") +
                              check.substr(0, check.find('\n')));
        }
    } catch (const StorageError& error) {
        // SQLite's own verdict on a damaged file (SQLITE_CORRUPT / SQLITE_NOTADB) gets the
        // same wording as ours.
        if (error.kind() == Kind::Corrupt && error.what()[0] != '\'') corrupt(path, error.what());
        throw;
    }
    return db;
}

SidecarCleanup::SidecarCleanup(const std::string& path) : m_path(path) {
    std::error_code error;
    m_hadWal = std::filesystem::exists(path + "-wal", error);
    m_hadShm = std::filesystem::exists(path + "-shm", error);
}

void SidecarCleanup::removeCreated() {
    // Only files this attempt created, and only an empty log: nothing anyone wrote is lost.
    std::error_code error;
    if (m_hadWal || m_hadShm) return;
    const auto walSize = std::filesystem::file_size(m_path + "-wal", error);
    if (!error && walSize != 0) return;
    std::filesystem::remove(m_path + "-wal", error);
    std::filesystem::remove(m_path + "-shm", error);
}

std::string networkFileSystemName(long fileSystemType) {
    // statfs f_type magic numbers (linux/magic.h and the file systems' own headers).
    static constexpr std::pair<unsigned long, const char*> kNetwork[] = {
        {0x6969, "nfs"},        {0x517B, "smb"},      {0xFF534D42, "cifs"}, {0xFE534D42, "smb2"},
        {0x564C, "ncp"},        {0x73757245, "coda"}, {0x5346414F, "afs"},  {0x6B414653, "afs"},
        {0x00C36400, "ceph"},   {0x01021997, "9p"},   {0x01161970, "gfs2"}, {0x7461636F, "ocfs2"},
        {0x0BD00BD0, "lustre"}, {0x47504653, "gpfs"},
    };
    const unsigned long type = static_cast<unsigned long>(fileSystemType) & 0xFFFFFFFFul;
    for (const auto& [magic, name] : kNetwork)
        if (magic == type) return name;
    return {};
}

std::string networkFileSystemOf(const std::string& path) {
    struct statfs info {};
    if (::statfs(path.c_str(), &info) != 0) return {};
    return networkFileSystemName(static_cast<long>(info.f_type));
}

bool folderIsWritable(const std::string& path) {
    const std::filesystem::path folder = std::filesystem::absolute(path).parent_path();
    return ::access(folder.c_str(), W_OK) == 0;
}

unsigned long hardLinkCount(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return 0;
    return static_cast<unsigned long>(info.st_nlink);
}

bool isWriteProtected(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return true;
    if ((info.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0) return true;
    if (::access(path.c_str(), W_OK) != 0) return true;
    return !folderIsWritable(path);
}

} // namespace fabulist::storage
