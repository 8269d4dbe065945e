#pragma once
// GoalTracker: the writer's goals (storage::GoalRepository) and the progress toward them, for the
// status bar, the binder and the Goals dialog. It reads the stored word counts and where today
// started once (on open, after a save, when the binder changes), then follows the editor's live
// count of the current document (WordCountLabel already counts it): each keystroke costs a few
// additions, never a pass over the project.
#include "storage/goal_repository.h"
#include "storage/writing_statistics.h"

#include <QObject>
#include <QTimer>
#include <optional>
#include <set>

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class BinderModel;
class DocumentSession;

class GoalTracker : public QObject {
    Q_OBJECT
public:
    struct Progress {
        int64_t words = 0;
        int64_t goal = 0;
    };

    explicit GoalTracker(QObject* parent = nullptr);

    // nullptr project: no goals, no progress.
    void setContext(storage::Project* project, BinderModel* binder, DocumentSession* session);
    bool hasProject() const { return m_project != nullptr; }
    // Reads the goals, the counts and today's start again.
    void reload();

    const storage::ProjectGoals& goals() const { return m_goals; }
    int64_t documentGoal(int64_t nodeId) const;
    // A node with a goal: its words (a folder or chapter counts everything under it) and goal.
    std::optional<Progress> nodeProgress(int64_t nodeId) const;
    int64_t todayWords() const;
    int64_t projectWords() const; // the manuscript's
    // Words a day to reach the project goal by the deadline (today included); nullopt without a
    // goal and deadline, or when the deadline has passed.
    std::optional<int64_t> wordsPerDayNeeded() const;
    // The deadline's day when it has passed (for the status bar to say so).
    bool isDeadlinePassed() const;

    // Store a change; false with errorOccurred (e.g. a read-only project) when it failed.
    bool setGoals(const storage::ProjectGoals& goals);
    bool setDocumentGoal(int64_t nodeId, int64_t words);

public slots:
    // The current document's word count as the editor has it now.
    void setLiveWords(int words);

signals:
    void changed();
    void errorOccurred(const QString& message);

private:
    int64_t wordsOf(int64_t nodeId) const; // this node's own text, live for the current one
    int64_t subtreeWords(int64_t nodeId) const;
    void onSaved(int64_t nodeId);
    void recomputeOthers();

    storage::Project* m_project = nullptr;
    BinderModel* m_binder = nullptr;
    DocumentSession* m_session = nullptr;
    storage::ProjectGoals m_goals;
    std::map<int64_t, int64_t> m_documentGoals;
    storage::TodayBaseline m_today;
    std::set<int64_t> m_manuscript;
    std::optional<int64_t> m_current; // the document the live count belongs to
    int64_t m_liveWords = 0;
    // Sums over every document but the current one, kept so a keystroke adds only its own.
    int64_t m_todayOthers = 0;
    int64_t m_manuscriptOthers = 0;
    QTimer m_midnight; // a new day starts a new "today"
};

} // namespace fabulist::ui
