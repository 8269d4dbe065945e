#include "ui/project/goal_tracker.h"

#include "storage/project.h"
#include "storage/storage_error.h"
#include "ui/editor/document_session.h"
#include "ui/project/binder_model.h"

namespace fabulist::ui {

GoalTracker::GoalTracker(QObject* parent) : QObject(parent) {
    m_midnight.setInterval(60'000);
    connect(&m_midnight, &QTimer::timeout, this, [this] {
        if (m_project && storage::localDay(storage::currentTimeMs()) != m_today.day) reload();
    });
}

void GoalTracker::setContext(storage::Project* project, BinderModel* binder,
                             DocumentSession* session) {
    if (m_binder) disconnect(m_binder, nullptr, this, nullptr);
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_project = project;
    m_binder = binder;
    m_session = session;
    m_current.reset();
    if (binder) connect(binder, &BinderModel::binderChanged, this, &GoalTracker::reload);
    if (session) connect(session, &DocumentSession::saved, this, &GoalTracker::onSaved);
    if (project)
        m_midnight.start();
    else
        m_midnight.stop();
    reload();
}

void GoalTracker::reload() {
    m_goals = {};
    m_documentGoals.clear();
    m_today = {};
    m_manuscript.clear();
    if (m_project) {
        try {
            storage::GoalRepository goals(m_project->database());
            m_goals = goals.projectGoals();
            m_documentGoals = goals.documentGoals();
            m_today = storage::todayBaseline(*m_project, storage::currentTimeMs());
            const auto ids = storage::manuscriptNodeIds(*m_project);
            m_manuscript.insert(ids.begin(), ids.end());
        } catch (const storage::StorageError& e) {
            emit errorOccurred(QString::fromStdString(e.what()));
        }
    }
    recomputeOthers();
    emit changed();
}

int64_t GoalTracker::documentGoal(int64_t nodeId) const {
    const auto it = m_documentGoals.find(nodeId);
    return it == m_documentGoals.end() ? 0 : it->second;
}

std::optional<GoalTracker::Progress> GoalTracker::nodeProgress(int64_t nodeId) const {
    const int64_t goal = documentGoal(nodeId);
    if (goal <= 0) return std::nullopt;
    return Progress{subtreeWords(nodeId), goal};
}

int64_t GoalTracker::wordsOf(int64_t nodeId) const {
    if (nodeId == m_current) return m_liveWords;
    const auto it = m_today.documents.find(nodeId);
    return it == m_today.documents.end() ? 0 : it->second.words;
}

int64_t GoalTracker::subtreeWords(int64_t nodeId) const {
    int64_t words = wordsOf(nodeId);
    if (!m_binder) return words;
    const QModelIndex index = m_binder->indexOf(nodeId);
    for (int row = 0; row < m_binder->rowCount(index); ++row)
        if (const auto child = m_binder->nodeId(m_binder->index(row, 0, index)))
            words += subtreeWords(*child);
    return words;
}

int64_t GoalTracker::todayWords() const {
    if (!m_current) return m_todayOthers;
    const auto it = m_today.documents.find(*m_current);
    if (it == m_today.documents.end()) return m_todayOthers;
    const auto& document = it->second;
    const bool changed = document.changedToday || m_liveWords != document.words;
    return m_todayOthers + (changed ? m_liveWords - document.startWords : 0);
}

int64_t GoalTracker::projectWords() const {
    return m_manuscriptOthers + (m_current && m_manuscript.count(*m_current) ? m_liveWords : 0);
}

std::optional<int64_t> GoalTracker::wordsPerDayNeeded() const {
    const auto deadline = storage::civilDayFromIso(m_goals.deadline);
    if (m_goals.projectWords <= 0 || !deadline) return std::nullopt;
    return storage::wordsPerDayNeeded(m_goals.projectWords - projectWords(), m_today.day,
                                      *deadline);
}

bool GoalTracker::isDeadlinePassed() const {
    const auto deadline = storage::civilDayFromIso(m_goals.deadline);
    return deadline && *deadline < m_today.day;
}

bool GoalTracker::setGoals(const storage::ProjectGoals& goals) {
    if (!m_project) return false;
    try {
        storage::GoalRepository(m_project->database()).setProjectGoals(goals);
    } catch (const storage::StorageError& e) {
        emit errorOccurred(QString::fromStdString(e.what()));
        return false;
    }
    m_goals = goals;
    emit changed();
    return true;
}

bool GoalTracker::setDocumentGoal(int64_t nodeId, int64_t words) {
    if (!m_project) return false;
    try {
        storage::GoalRepository(m_project->database()).setDocumentGoal(nodeId, words);
    } catch (const storage::StorageError& e) {
        emit errorOccurred(QString::fromStdString(e.what()));
        return false;
    }
    if (words > 0)
        m_documentGoals[nodeId] = words;
    else
        m_documentGoals.erase(nodeId);
    emit changed();
    return true;
}

void GoalTracker::setLiveWords(int words) {
    if (!m_project || !m_session) return;
    const std::optional<int64_t> current = m_session->currentId();
    if (current != m_current) {
        m_current = current;
        recomputeOthers();
    }
    if (!m_current) return;
    m_liveWords = words;
    emit changed();
}

void GoalTracker::onSaved(int64_t nodeId) {
    const auto it = m_today.documents.find(nodeId);
    if (!m_project || it == m_today.documents.end()) return;
    try {
        it->second.words = m_project->documents().wordCount(nodeId);
        it->second.changedToday = true;
    } catch (const storage::StorageError&) {
        return; // the node went (trash emptied); the binder's reload follows
    }
    recomputeOthers();
    emit changed();
}

void GoalTracker::recomputeOthers() {
    m_todayOthers = 0;
    m_manuscriptOthers = 0;
    for (const auto& [id, document] : m_today.documents) {
        if (id == m_current) continue; // the live count stands for it
        if (document.changedToday) m_todayOthers += document.words - document.startWords;
        if (m_manuscript.count(id)) m_manuscriptOthers += document.words;
    }
}

} // namespace fabulist::ui
