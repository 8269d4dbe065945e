#include "ui/export/zip_archive.h"

#include <list>
#include <stdexcept>
#include <zip.h>

namespace fabulist::exporting {

namespace {

[[noreturn]] void fail(const std::string& what, zip_error_t* error) {
    const std::string message = what + ": " + zip_error_strerror(error);
    throw std::runtime_error(message);
}

[[noreturn]] void fail(const std::string& what, zip_t* archive) {
    fail(what, zip_get_error(archive));
}

std::string readAll(zip_source_t* source) {
    zip_stat_t stat;
    if (zip_source_open(source) < 0) fail("zip: cannot open the archive", zip_source_error(source));
    zip_stat_init(&stat);
    if (zip_source_stat(source, &stat) < 0) fail("zip: no size", zip_source_error(source));
    std::string bytes(static_cast<size_t>(stat.size), '\0');
    const zip_int64_t read = zip_source_read(source, bytes.data(), bytes.size());
    zip_source_close(source);
    if (read < 0 || static_cast<size_t>(read) != bytes.size())
        fail("zip: short read", zip_source_error(source));
    return bytes;
}

} // namespace

struct ZipWriter::State {
    zip_source_t* buffer = nullptr; // the archive's bytes, kept past zip_close
    zip_t* archive = nullptr;
    std::list<std::string> contents; // libzip reads the entries' bytes only at zip_close
};

ZipWriter::ZipWriter() : m_state(std::make_unique<State>()) {
    zip_error_t error;
    zip_error_init(&error);
    m_state->buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
    if (!m_state->buffer) fail("zip: no buffer", &error);
    m_state->archive = zip_open_from_source(m_state->buffer, ZIP_TRUNCATE, &error);
    if (!m_state->archive) {
        zip_source_free(m_state->buffer);
        fail("zip: cannot start an archive", &error);
    }
    zip_source_keep(m_state->buffer);
}

ZipWriter::~ZipWriter() {
    if (m_state->archive) zip_discard(m_state->archive);
    if (m_state->buffer) zip_source_free(m_state->buffer);
}

void ZipWriter::add(const std::string& name, std::string bytes, bool stored) {
    const std::string& kept = m_state->contents.emplace_back(std::move(bytes));
    zip_source_t* source = zip_source_buffer(m_state->archive, kept.data(), kept.size(), 0);
    if (!source) fail("zip: cannot add " + name, m_state->archive);
    const zip_int64_t index =
        zip_file_add(m_state->archive, name.c_str(), source, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (index < 0) {
        zip_source_free(source);
        fail("zip: cannot add " + name, m_state->archive);
    }
    const zip_int32_t method = stored ? ZIP_CM_STORE : ZIP_CM_DEFLATE;
    if (zip_set_file_compression(m_state->archive, static_cast<zip_uint64_t>(index), method, 0) < 0)
        fail("zip: cannot set the compression of " + name, m_state->archive);
}

std::string ZipWriter::finish() {
    if (zip_close(m_state->archive) < 0) fail("zip: cannot close the archive", m_state->archive);
    m_state->archive = nullptr;
    return readAll(m_state->buffer);
}

std::vector<ZipEntry> readZip(const std::string& bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!source) fail("zip: no buffer", &error);
    zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (!archive) {
        zip_source_free(source);
        fail("zip: not a zip archive", &error);
    }
    std::vector<ZipEntry> entries;
    const zip_int64_t count = zip_get_num_entries(archive, 0);
    for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
        zip_stat_t stat;
        zip_stat_init(&stat);
        zip_stat_index(archive, i, 0, &stat);
        ZipEntry entry{stat.name, std::string(static_cast<size_t>(stat.size), '\0'),
                       stat.comp_method == ZIP_CM_STORE};
        zip_file_t* file = zip_fopen_index(archive, i, 0);
        const zip_int64_t read =
            file ? zip_fread(file, entry.bytes.data(), entry.bytes.size()) : -1;
        if (file) zip_fclose(file);
        if (read != static_cast<zip_int64_t>(entry.bytes.size())) {
            zip_discard(archive);
            throw std::runtime_error("zip: cannot read " + entry.name);
        }
        entries.push_back(std::move(entry));
    }
    zip_discard(archive);
    return entries;
}

} // namespace fabulist::exporting
