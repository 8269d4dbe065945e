#pragma once
// GoalDisplay: where the goals show. The status bar gets today's words toward the daily goal and
// the manuscript toward the project goal (with the words a day the deadline needs); the binder
// gets the project's bar under its tree and a bar on every row with a goal
// (BinderGoalDelegate). Everything follows GoalTracker::changed.
#include <QObject>

class QLabel;
class QStatusBar;
class QWidget;

namespace fabulist::ui {

class BinderView;
class GoalBar;
class GoalTracker;

class GoalDisplay : public QObject {
    Q_OBJECT
public:
    GoalDisplay(GoalTracker* tracker, BinderView* binder, QObject* parent = nullptr);

    // Adds the two bars to the status bar (right, before the word count the caller adds next).
    void addToStatusBar(QStatusBar* statusBar);
    // The binder tab's page: the tree with the project's bar under it.
    QWidget* binderPage() const { return m_binderPage; }

    GoalBar* todayBar() const { return m_todayBar; }
    GoalBar* projectBar() const { return m_projectBar; }
    GoalBar* binderProjectBar() const { return m_binderProjectBar; }
    QLabel* binderSummary() const { return m_binderSummary; }

    // "12,345 of 80,000 words · 650 a day until 28 Feb 2027" (the binder's and tooltips' text).
    QString projectSummary() const;

private:
    void update();

    GoalTracker* m_tracker;
    BinderView* m_binder;
    QWidget* m_binderPage;
    GoalBar* m_todayBar;
    GoalBar* m_projectBar;
    GoalBar* m_binderProjectBar; // a thin bar without text, under m_binderSummary
    QLabel* m_binderSummary;
};

} // namespace fabulist::ui
