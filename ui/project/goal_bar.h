#pragma once
// GoalBar: one goal's progress, a thin bar with its text in it ("Today 230 / 500"). Hidden while
// there is no goal. Colours come from the palette, so light and dark both read.
#include <QProgressBar>

namespace fabulist::ui {

class GoalBar : public QProgressBar {
    Q_OBJECT
public:
    explicit GoalBar(QWidget* parent = nullptr);

    // goal <= 0 hides the bar. Words past the goal fill it; the text says how far past.
    void setProgress(int64_t words, int64_t goal, const QString& text, const QString& toolTip);
};

} // namespace fabulist::ui
