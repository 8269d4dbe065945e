#pragma once
// BinderGoalDelegate: the binder's rows, with a small progress bar at the right of every node that
// has a word goal (a folder or chapter counts the words of everything under it). The tooltip
// gives the numbers.
#include <QStyledItemDelegate>

namespace fabulist::ui {

class GoalTracker;

class BinderGoalDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    BinderGoalDelegate(GoalTracker* tracker, QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    bool helpEvent(QHelpEvent* event, QAbstractItemView* view, const QStyleOptionViewItem& option,
                   const QModelIndex& index) override;

    // "1,234 of 2,500 words (49%)"
    static QString progressText(int64_t words, int64_t goal);

private:
    GoalTracker* m_tracker;
};

} // namespace fabulist::ui
