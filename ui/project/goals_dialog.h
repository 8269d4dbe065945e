#pragma once
// GoalsDialog (Project > Goals…, and Set Word Goal… on a binder row): the project's word goal
// and deadline, the daily goal, and the goal of one binder node when one is given. 0 means no
// goal. A line under the fields says what the numbers mean today (words a day to the deadline).
#include <QDialog>
#include <optional>

class QCheckBox;
class QDateEdit;
class QLabel;
class QSpinBox;

namespace fabulist::ui {

class GoalTracker;

class GoalsDialog : public QDialog {
    Q_OBJECT
public:
    // nodeId/nodeTitle: the binder node whose goal the dialog also sets (nullopt: none).
    GoalsDialog(GoalTracker* tracker, std::optional<int64_t> nodeId, const QString& nodeTitle,
                QWidget* parent = nullptr);

    QSpinBox* projectWordsBox() const { return m_projectWords; }
    QCheckBox* deadlineBox() const { return m_hasDeadline; }
    QDateEdit* deadlineEdit() const { return m_deadline; }
    QSpinBox* sessionWordsBox() const { return m_sessionWords; }
    QSpinBox* documentWordsBox() const { return m_documentWords; } // nullptr without a node

    void accept() override; // stores; stays open when storing failed

private:
    void updateSummary();

    GoalTracker* m_tracker;
    std::optional<int64_t> m_nodeId;
    QSpinBox* m_projectWords;
    QCheckBox* m_hasDeadline;
    QDateEdit* m_deadline;
    QSpinBox* m_sessionWords;
    QSpinBox* m_documentWords = nullptr;
    QLabel* m_summary;
};

} // namespace fabulist::ui
