#pragma once
// Zip archives in memory through libzip: DOCX and EPUB are zip files of XML. The writer keeps
// the order of entries (EPUB's "mimetype" must come first, stored uncompressed); the reader is
// for tests and checks.

#include <memory>
#include <string>
#include <vector>

namespace fabulist::exporting {

class ZipWriter {
public:
    ZipWriter();
    ~ZipWriter();
    ZipWriter(const ZipWriter&) = delete;
    ZipWriter& operator=(const ZipWriter&) = delete;

    // stored = true: no compression (EPUB's mimetype).
    void add(const std::string& name, std::string bytes, bool stored = false);
    // Closes the archive and returns its bytes. Throws std::runtime_error on a libzip failure.
    std::string finish();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

struct ZipEntry {
    std::string name;
    std::string bytes;
    bool stored = false; // no compression
};

// Every entry in archive order. Throws std::runtime_error when the bytes are no zip archive.
std::vector<ZipEntry> readZip(const std::string& archive);

} // namespace fabulist::exporting
