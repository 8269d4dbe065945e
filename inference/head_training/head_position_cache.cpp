#include "inference/head_training/head_position_cache.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fabulist::inference {

namespace {

constexpr char kMagic[8] = {'F', 'A', 'B', 'H', 'P', 'C', '0', '1'};
// magic, header bytes, nEmbd, nVocab, positions, evaluated tokens, fingerprint bytes.
constexpr size_t kFixedHeader = 8 + 8 + 4 + 4 + 8 + 8 + 4;
constexpr uint64_t kMaxHeader = 1 << 20;

uint64_t headerBytesFor(size_t fingerprintBytes) {
    return (kFixedHeader + fingerprintBytes + 63) / 64 * 64;
}

std::shared_ptr<const void> mapFile(int fd, uint64_t bytes, const std::string& path) {
    void* p = mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        throw EngineError("head training: cannot map the position cache " + path + " (" +
                          std::strerror(errno) + ")");
    return std::shared_ptr<const void>(
        p, [bytes](const void* q) { munmap(const_cast<void*>(q), bytes); });
}

bool readAt(int fd, void* out, size_t count, uint64_t offset) {
    char* p = static_cast<char*>(out);
    while (count > 0) {
        const ssize_t n = pread(fd, p, count, off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        count -= size_t(n);
        offset += uint64_t(n);
    }
    return true;
}

} // namespace

std::unique_ptr<HeadPositionCacheFile>
HeadPositionCacheFile::temporary(const std::string& directory, int nEmbd, int nVocab,
                                 uint64_t positions) {
    std::string dir = directory;
    if (dir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        dir = tmp && *tmp ? tmp : "/tmp";
    }
    std::string path = dir + "/fabulist-head-cache-XXXXXX";
    std::unique_ptr<HeadPositionCacheFile> f(new HeadPositionCacheFile);
    f->m_fd = mkstemp(path.data());
    if (f->m_fd < 0)
        throw EngineError("head training: cannot create a cache file in " + dir + ": " +
                          std::strerror(errno) + "; choose another cache directory");
    unlink(path.c_str()); // it disappears with the process
    f->m_path = dir;
    f->m_recordBytes = positions * (uint64_t(nEmbd) + uint64_t(nVocab)) * 4;
    return f;
}

std::unique_ptr<HeadPositionCacheFile> HeadPositionCacheFile::named(const std::string& path,
                                                                    const std::string& fingerprint,
                                                                    int nEmbd, int nVocab,
                                                                    uint64_t positions) {
    std::unique_ptr<HeadPositionCacheFile> f(new HeadPositionCacheFile);
    f->m_path = path;
    f->m_partPath = path + ".part";
    f->m_fd = open(f->m_partPath.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->m_fd < 0)
        throw EngineError("head training: cannot create the position cache " + f->m_partPath +
                          ": " + std::strerror(errno) + "; choose another --cache-dir");
    f->m_headerBytes = headerBytesFor(fingerprint.size());
    f->m_recordBytes = positions * (uint64_t(nEmbd) + uint64_t(nVocab)) * 4;
    // The header is complete except for the evaluated tokens, written again by finish().
    std::vector<char> header(size_t(f->m_headerBytes), 0);
    char* p = header.data();
    auto put = [&p](const void* v, size_t n) {
        std::memcpy(p, v, n);
        p += n;
    };
    const uint32_t embd = uint32_t(nEmbd), vocab = uint32_t(nVocab),
                   fpBytes = uint32_t(fingerprint.size());
    const uint64_t evaluated = 0;
    put(kMagic, 8);
    put(&f->m_headerBytes, 8);
    put(&embd, 4);
    put(&vocab, 4);
    put(&positions, 8);
    put(&evaluated, 8);
    put(&fpBytes, 4);
    put(fingerprint.data(), fingerprint.size());
    f->writeAt(header.data(), header.size(), 0);
    return f;
}

HeadPositionCacheFile::~HeadPositionCacheFile() {
    if (m_fd >= 0) close(m_fd);
    if (!m_partPath.empty()) unlink(m_partPath.c_str()); // left only by a failed run
}

void HeadPositionCacheFile::writeAt(const void* bytes, size_t count, uint64_t offset) {
    const char* p = static_cast<const char*>(bytes);
    while (count > 0) {
        const ssize_t n = pwrite(m_fd, p, count, off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw EngineError("head training: writing the position cache in " + m_path +
                              " failed (" + std::strerror(errno) +
                              "); free disk space or choose another cache directory");
        p += n;
        count -= size_t(n);
        offset += uint64_t(n);
    }
}

void HeadPositionCacheFile::write(const float* values, size_t count) {
    writeAt(values, count * sizeof(float), m_headerBytes + m_written);
    m_written += count * sizeof(float);
}

void HeadPositionCacheFile::finish(HeadTrainingData& data) {
    if (m_written != m_recordBytes)
        throw EngineError("head training: the position cache " + m_path + " holds " +
                          std::to_string(m_written) + " bytes of records, expected " +
                          std::to_string(m_recordBytes));
    uint64_t fileBytes = m_recordBytes;
    if (!m_partPath.empty()) {
        writeAt(data.targets.data(), data.targets.size() * 4, m_headerBytes + m_recordBytes);
        const uint64_t evaluated = uint64_t(data.evaluatedTokens);
        writeAt(&evaluated, 8, 8 + 8 + 4 + 4 + 8);
        // Durable before it gets its final name: a crash must not leave a complete-looking
        // file with missing data.
        if (fsync(m_fd) != 0 || rename(m_partPath.c_str(), m_path.c_str()) != 0)
            throw EngineError("head training: cannot complete the position cache " + m_path + " (" +
                              std::strerror(errno) + ")");
        m_partPath.clear();
        fileBytes = m_headerBytes + m_recordBytes + data.targets.size() * 4;
    }
    if (data.targets.empty()) return;
    data.owner = mapFile(m_fd, fileBytes, m_path);
    data.records =
        reinterpret_cast<const float*>(static_cast<const char*>(data.owner.get()) + m_headerBytes);
}

bool openHeadPositionCache(const std::string& path, const std::string& fingerprint, int nEmbd,
                           int nVocab, uint64_t positions, HeadTrainingData& data) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct Closer {
        int fd;
        ~Closer() { close(fd); }
    } closer{fd};
    struct stat st {};
    if (fstat(fd, &st) != 0 || positions == 0) return false;
    char fixed[kFixedHeader];
    if (!readAt(fd, fixed, kFixedHeader, 0) || std::memcmp(fixed, kMagic, 8) != 0) return false;
    uint64_t headerBytes, count, evaluated;
    uint32_t embd, vocab, fpBytes;
    std::memcpy(&headerBytes, fixed + 8, 8);
    std::memcpy(&embd, fixed + 16, 4);
    std::memcpy(&vocab, fixed + 20, 4);
    std::memcpy(&count, fixed + 24, 8);
    std::memcpy(&evaluated, fixed + 32, 8);
    std::memcpy(&fpBytes, fixed + 40, 4);
    if (embd != uint32_t(nEmbd) || vocab != uint32_t(nVocab) || count != positions ||
        fpBytes != fingerprint.size() || headerBytes != headerBytesFor(fpBytes) ||
        headerBytes > kMaxHeader)
        return false;
    std::string storedFingerprint(fpBytes, '\0');
    if (!readAt(fd, storedFingerprint.data(), fpBytes, kFixedHeader) ||
        storedFingerprint != fingerprint)
        return false;
    const uint64_t recordBytes = positions * (uint64_t(nEmbd) + uint64_t(nVocab)) * 4;
    const uint64_t fileBytes = headerBytes + recordBytes + positions * 4;
    if (uint64_t(st.st_size) != fileBytes) return false;
    std::vector<int32_t> targets(static_cast<size_t>(positions));
    if (!readAt(fd, targets.data(), targets.size() * 4, headerBytes + recordBytes)) return false;
    for (int32_t t : targets)
        if (t < 0 || t >= nVocab) return false;
    data.owner = mapFile(fd, fileBytes, path);
    data.records =
        reinterpret_cast<const float*>(static_cast<const char*>(data.owner.get()) + headerBytes);
    data.nEmbd = nEmbd;
    data.nVocab = nVocab;
    data.targets = std::move(targets);
    data.evaluatedTokens = int64_t(evaluated);
    data.hidden.clear();
    data.logits.clear();
    return true;
}

} // namespace fabulist::inference
