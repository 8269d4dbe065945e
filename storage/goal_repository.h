#pragma once
// GoalRepository: the writer's word goals for this project, kept in the project file so they
// travel with the book. Stored as project_meta rows (no schema change):
//   goal.project.words     the manuscript's target length in words
//   goal.project.deadline  the date it should be reached, "YYYY-MM-DD" (the writer's calendar)
//   goal.session.words     words to write each day ("today's goal")
//   goal.document.<id>     a binder node's target (a chapter or folder counts its subtree)
// A goal of 0 (or an empty deadline) is no goal: its row is removed.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fabulist::storage {

class Database;

struct ProjectGoals {
    int64_t projectWords = 0; // 0: none
    std::string deadline;     // "YYYY-MM-DD"; empty: none
    int64_t sessionWords = 0; // 0: none
    bool operator==(const ProjectGoals&) const = default;
};

class GoalRepository {
public:
    explicit GoalRepository(Database& db) : m_db(db) {}

    ProjectGoals projectGoals() const;
    // Throws InvalidArgument for a negative count or a deadline that is not a valid
    // YYYY-MM-DD date, StorageError(ReadOnly) on a viewed project.
    void setProjectGoals(const ProjectGoals& goals);

    // Every node's goal, by node id (nodes purged since keep no goal: they are left out).
    std::map<int64_t, int64_t> documentGoals() const;
    int64_t documentGoal(int64_t nodeId) const; // 0: none
    void setDocumentGoal(int64_t nodeId, int64_t words);

private:
    std::optional<std::string> value(std::string_view key) const;
    void store(std::string_view key, const std::string& value); // empty: removes the row

    Database& m_db;
};

// Days since 1970-01-01 of a "YYYY-MM-DD" date; nullopt when it is not a valid date.
std::optional<int64_t> civilDayFromIso(std::string_view date);
// The words to write each day, today included, to reach `remaining` by the deadline's day
// (`today` and `deadline` in days since 1970-01-01). Rounded up; 0 when nothing remains;
// nullopt when the deadline has passed.
std::optional<int64_t> wordsPerDayNeeded(int64_t remaining, int64_t today, int64_t deadline);

} // namespace fabulist::storage
