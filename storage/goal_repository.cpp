#include "storage/goal_repository.h"

#include "storage/statement.h"
#include "storage/storage_error.h"

#include <charconv>

namespace fabulist::storage {

namespace {

constexpr std::string_view kProjectWords = "goal.project.words";
constexpr std::string_view kDeadline = "goal.project.deadline";
constexpr std::string_view kSessionWords = "goal.session.words";
constexpr std::string_view kDocumentPrefix = "goal.document.";

int64_t toCount(const std::optional<std::string>& text) {
    int64_t n = 0;
    if (text) std::from_chars(text->data(), text->data() + text->size(), n);
    return n > 0 ? n : 0;
}

std::string countText(int64_t words) {
    if (words < 0)
        throw StorageError(StorageError::Kind::InvalidArgument, "A word goal cannot be negative");
    return words == 0 ? std::string() : std::to_string(words);
}

std::string documentKey(int64_t nodeId) {
    return std::string(kDocumentPrefix) + std::to_string(nodeId);
}

// Howard Hinnant's days_from_civil: the proleptic Gregorian calendar, no time zone involved.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

} // namespace

std::optional<int64_t> civilDayFromIso(std::string_view date) {
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
    int y = 0;
    unsigned m = 0, d = 0;
    const char* s = date.data();
    if (std::from_chars(s, s + 4, y).ptr != s + 4 ||
        std::from_chars(s + 5, s + 7, m).ptr != s + 7 ||
        std::from_chars(s + 8, s + 10, d).ptr != s + 10)
        return std::nullopt;
    static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1] || (m == 2 && d == 29 && !leap))
        return std::nullopt;
    return daysFromCivil(y, m, d);
}

std::optional<int64_t> wordsPerDayNeeded(int64_t remaining, int64_t today, int64_t deadline) {
    if (remaining <= 0) return 0;
    if (deadline < today) return std::nullopt;
    const int64_t days = deadline - today + 1; // today and the deadline's day both count
    return (remaining + days - 1) / days;
}

ProjectGoals GoalRepository::projectGoals() const {
    ProjectGoals goals;
    goals.projectWords = toCount(value(kProjectWords));
    goals.deadline = value(kDeadline).value_or(std::string());
    goals.sessionWords = toCount(value(kSessionWords));
    return goals;
}

void GoalRepository::setProjectGoals(const ProjectGoals& goals) {
    if (!goals.deadline.empty() && !civilDayFromIso(goals.deadline))
        throw StorageError(StorageError::Kind::InvalidArgument,
                           "A goal deadline must be a date written YYYY-MM-DD, not '" +
                               goals.deadline + "'");
    const std::string project = countText(goals.projectWords);
    const std::string session = countText(goals.sessionWords);
    store(kProjectWords, project);
    store(kDeadline, goals.deadline);
    store(kSessionWords, session);
}

std::map<int64_t, int64_t> GoalRepository::documentGoals() const {
    Statement query(m_db, "SELECT m.key, m.value FROM project_meta m JOIN binder_node n "
                          "ON n.id = CAST(substr(m.key, ?2) AS INTEGER) "
                          "WHERE m.key LIKE ?1 || '%'");
    query.bind(1, kDocumentPrefix).bind(2, static_cast<int64_t>(kDocumentPrefix.size() + 1));
    std::map<int64_t, int64_t> goals;
    while (query.step()) {
        const std::string key = query.columnText(0);
        int64_t id = 0;
        std::from_chars(key.data() + kDocumentPrefix.size(), key.data() + key.size(), id);
        if (const int64_t words = toCount(query.columnText(1)); words > 0) goals[id] = words;
    }
    return goals;
}

int64_t GoalRepository::documentGoal(int64_t nodeId) const {
    return toCount(value(documentKey(nodeId)));
}

void GoalRepository::setDocumentGoal(int64_t nodeId, int64_t words) {
    store(documentKey(nodeId), countText(words));
}

std::optional<std::string> GoalRepository::value(std::string_view key) const {
    Statement query(m_db, "SELECT value FROM project_meta WHERE key = ?");
    query.bind(1, key);
    if (!query.step()) return std::nullopt;
    return query.columnText(0);
}

void GoalRepository::store(std::string_view key, const std::string& value) {
    if (value.empty()) {
        Statement remove(m_db, "DELETE FROM project_meta WHERE key = ?");
        remove.bind(1, key).exec();
        return;
    }
    Statement update(m_db, "INSERT INTO project_meta(key, value) VALUES (?, ?) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    update.bind(1, key).bind(2, value).exec();
}

} // namespace fabulist::storage
