#include "ui/project/goal_bar.h"

#include <algorithm>

namespace fabulist::ui {

GoalBar::GoalBar(QWidget* parent) : QProgressBar(parent) {
    setTextVisible(true);
    setAlignment(Qt::AlignCenter);
    setFocusPolicy(Qt::NoFocus);
    hide();
}

void GoalBar::setProgress(int64_t words, int64_t goal, const QString& text,
                          const QString& toolTip) {
    setVisible(goal > 0);
    if (goal <= 0) return;
    // QProgressBar counts in int; a per-mille scale keeps any book length in range.
    setRange(0, 1000);
    setValue(static_cast<int>(std::clamp<int64_t>(words * 1000 / goal, 0, 1000)));
    setFormat(text);
    if (isTextVisible()) setMinimumWidth(fontMetrics().horizontalAdvance(text) + 24);
    setToolTip(toolTip);
    setAccessibleName(toolTip);
}

} // namespace fabulist::ui
