#include "storage/project_dictionary.h"

#include "storage/statement.h"
#include "storage/storage_error.h"

#include <algorithm>

namespace fabulist::storage {

namespace {

constexpr const char* kKey = "spelling_words";

std::string_view trimmed(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

} // namespace

std::vector<std::string> ProjectDictionary::words() const {
    Statement query(m_db, "SELECT value FROM project_meta WHERE key = ?");
    query.bind(1, kKey);
    std::vector<std::string> words;
    if (!query.step()) return words;
    const std::string value = query.columnText(0);
    size_t start = 0;
    while (start < value.size()) {
        size_t end = value.find('\n', start);
        if (end == std::string::npos) end = value.size();
        if (end > start) words.emplace_back(value, start, end - start);
        start = end + 1;
    }
    return words;
}

bool ProjectDictionary::add(std::string_view word) {
    word = trimmed(word);
    if (word.empty()) return false;
    if (word.find('\n') != std::string_view::npos)
        throw StorageError(StorageError::Kind::InvalidArgument,
                           "A dictionary word cannot contain a line break");
    std::vector<std::string> all = words();
    const auto at = std::lower_bound(all.begin(), all.end(), word);
    if (at != all.end() && *at == word) return false;
    all.insert(at, std::string(word));
    store(all);
    return true;
}

bool ProjectDictionary::remove(std::string_view word) {
    std::vector<std::string> all = words();
    const auto at = std::lower_bound(all.begin(), all.end(), trimmed(word));
    if (at == all.end() || *at != trimmed(word)) return false;
    all.erase(at);
    store(all);
    return true;
}

void ProjectDictionary::store(const std::vector<std::string>& words) {
    std::string value;
    for (const std::string& w : words) value += w + '\n';
    Statement update(m_db, "INSERT INTO project_meta(key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    update.bind(1, kKey).bind(2, value).exec();
}

} // namespace fabulist::storage
