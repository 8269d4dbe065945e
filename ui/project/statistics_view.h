#pragma once
// StatisticsView (Project > Statistics…): words written per day over the last weeks as a bar
// chart (Qt Charts), words today, the streak, and how much of the manuscript is the writer's own
// and how much was accepted from the model. The figures are storage::computeWritingStatistics's
// (see storage/writing_statistics.h for exactly how each is counted); the view says so in words.
#include "storage/writing_statistics.h"

#include <QDialog>

class QLabel;

class QChartView;

namespace fabulist::ui {

class StatisticsView : public QDialog {
    Q_OBJECT
public:
    static constexpr int kDaysShown = 30;

    explicit StatisticsView(QWidget* parent = nullptr);

    void setStatistics(const storage::WritingStatistics& stats);
    const storage::WritingStatistics& statistics() const { return m_stats; }

    QChartView* chartView() const { return m_chartView; }
    QLabel* summaryLabel() const { return m_summary; }
    QLabel* ownershipLabel() const { return m_ownership; }

protected:
    void changeEvent(QEvent* event) override; // light/dark: the chart follows the palette

private:
    void rebuildChart();

    storage::WritingStatistics m_stats;
    QChartView* m_chartView;
    QLabel* m_summary;
    QLabel* m_ownership;
};

} // namespace fabulist::ui
