#include "storage/writing_statistics.h"

#include "storage/document_repository.h"
#include "storage/project.h"
#include "storage/statement.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>
#include <unordered_map>

namespace fabulist::storage {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// Hinnant's civil_from_days / days_from_civil, to step between local dates and day numbers.
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct RevisionPoint {
    int64_t day = 0;
    int64_t words = 0;
};

// Each node's revisions, oldest first, as (local day, word count).
std::unordered_map<int64_t, std::vector<RevisionPoint>> revisionsByNode(Database& db) {
    std::unordered_map<int64_t, std::vector<RevisionPoint>> byNode;
    Statement query(db, "SELECT node_id, created_at, word_count FROM revision "
                        "ORDER BY node_id, created_at, id");
    while (query.step())
        byNode[query.columnInt64(0)].push_back(
            {localDay(query.columnInt64(1)), query.columnInt64(2)});
    return byNode;
}

// The manuscript's documents with their current text.
std::vector<std::pair<int64_t, std::string>> manuscriptTexts(Project& project) {
    std::vector<std::pair<int64_t, std::string>> texts;
    for (int64_t id : manuscriptNodeIds(project))
        texts.emplace_back(id, project.documents().text(id));
    return texts;
}

int64_t modelWordsIn(Database& db, int64_t nodeId, const std::string& text) {
    Statement query(db, "SELECT DISTINCT CASE WHEN status = 'edited' AND edited_output <> '' "
                        "THEN edited_output ELSE output END FROM generation "
                        "WHERE document_id = ? AND status IN ('accepted', 'edited')");
    query.bind(1, nodeId);
    int64_t words = 0;
    std::set<std::string> seen; // the same text accepted twice is still there once
    while (query.step()) {
        std::string accepted = query.columnText(0);
        const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
        accepted.erase(accepted.begin(), std::find_if(accepted.begin(), accepted.end(), notSpace));
        accepted.erase(std::find_if(accepted.rbegin(), accepted.rend(), notSpace).base(),
                       accepted.end());
        if (accepted.empty() || !seen.insert(accepted).second) continue;
        if (text.find(accepted) != std::string::npos) words += countWords(accepted);
    }
    return std::min(words, countWords(text));
}

} // namespace

int64_t localDay(int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    std::tm parts{};
    localtime_r(&seconds, &parts);
    return daysFromCivil(parts.tm_year + 1900, static_cast<unsigned>(parts.tm_mon + 1),
                         static_cast<unsigned>(parts.tm_mday));
}

int64_t localDayStartMs(int64_t day) {
    // Start from UTC midnight of that date read as local time; mktime normalises DST gaps.
    const std::time_t utcMidnight = static_cast<std::time_t>(day * (kDayMs / 1000));
    std::tm parts{};
    gmtime_r(&utcMidnight, &parts);
    parts.tm_isdst = -1;
    return static_cast<int64_t>(std::mktime(&parts)) * 1000;
}

std::vector<int64_t> manuscriptNodeIds(Project& project) {
    std::vector<int64_t> ids;
    std::set<int64_t> outside; // notes, characters, places and everything under them
    for (const BinderNode& node : project.binder().tree()) {
        const bool aside = node.kind == NodeKind::Note || node.kind == NodeKind::Character ||
                           node.kind == NodeKind::Place;
        if (aside || (node.parentId && outside.count(*node.parentId))) {
            outside.insert(node.id);
            continue;
        }
        if (node.kind == NodeKind::Chapter || node.kind == NodeKind::Scene) ids.push_back(node.id);
    }
    return ids;
}

int64_t TodayBaseline::todayWords() const {
    int64_t words = 0;
    for (const auto& [id, document] : documents)
        if (document.changedToday) words += document.words - document.startWords;
    return words;
}

TodayBaseline todayBaseline(Project& project, int64_t nowMs) {
    TodayBaseline baseline;
    baseline.day = localDay(nowMs);
    const int64_t dayStart = localDayStartMs(baseline.day);
    Statement query(project.database(),
                    "SELECT d.node_id, d.word_count, d.modified_at >= ?1, "
                    "(SELECT r.word_count FROM revision r WHERE r.node_id = d.node_id AND "
                    " r.created_at < ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT 1), "
                    "EXISTS (SELECT 1 FROM revision r WHERE r.node_id = d.node_id AND "
                    " r.created_at >= ?1) FROM document d");
    query.bind(1, dayStart);
    while (query.step()) {
        TodayBaseline::Document& document = baseline.documents[query.columnInt64(0)];
        document.words = query.columnInt64(1);
        document.startWords = query.columnOptionalInt64(3).value_or(0);
        document.changedToday = query.columnInt64(2) != 0 || query.columnInt64(4) != 0;
    }
    return baseline;
}

WritingStatistics computeWritingStatistics(Project& project, int64_t nowMs) {
    WritingStatistics stats;
    const int64_t today = localDay(nowMs);
    std::map<int64_t, int64_t> byDay;
    for (const auto& [nodeId, points] : revisionsByNode(project.database())) {
        int64_t before = 0; // the count at the end of the previous day with a revision
        for (size_t i = 0; i < points.size(); ++i) {
            const bool lastOfDay = i + 1 == points.size() || points[i + 1].day != points[i].day;
            if (!lastOfDay || points[i].day >= today) continue; // today: from the baseline
            byDay[points[i].day] += points[i].words - before;
            before = points[i].words;
        }
    }
    stats.today = todayBaseline(project, nowMs).todayWords();
    byDay[today] = stats.today;
    for (int64_t day = byDay.begin()->first; day <= today; ++day) {
        const auto found = byDay.find(day);
        stats.perDay.push_back({day, found == byDay.end() ? 0 : found->second});
    }
    if (stats.perDay.size() == 1 && stats.today == 0) stats.perDay.clear(); // nothing written yet

    auto day = stats.perDay.rbegin();
    if (day != stats.perDay.rend() && day->words <= 0) ++day; // today is not over yet
    for (; day != stats.perDay.rend() && day->words > 0; ++day) ++stats.streak;

    for (const auto& [id, text] : manuscriptTexts(project)) {
        stats.manuscriptWords += countWords(text);
        stats.modelWords += modelWordsIn(project.database(), id, text);
    }
    return stats;
}

} // namespace fabulist::storage
