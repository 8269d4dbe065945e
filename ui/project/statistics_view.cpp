#include "ui/project/statistics_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QDate>
#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>

namespace fabulist::ui {

namespace {

QString number(int64_t n) {
    return QLocale().toString(qint64(n));
}

QDate dateOf(int64_t day) {
    return QDate(1970, 1, 1).addDays(day);
}

bool isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < 128;
}

} // namespace

StatisticsView::StatisticsView(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("statisticsView"));
    setWindowTitle(tr("Statistics"));
    resize(920, 580);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("statisticsSummary"));
    m_summary->setTextFormat(Qt::RichText);
    m_chartView = new QChartView;
    m_chartView->setObjectName(QStringLiteral("wordsPerDayChart"));
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(280);
    m_ownership = new QLabel;
    m_ownership->setObjectName(QStringLiteral("statisticsOwnership"));
    m_ownership->setTextFormat(Qt::RichText);
    m_ownership->setWordWrap(true);
    auto* how = new QLabel(
        tr("Words a day are net, from the snapshots the project keeps: for each document, its "
           "word count at its last snapshot of the day minus its count at its last snapshot "
           "before that day (today: its current text); deleting words subtracts them. Days are "
           "in your time zone. Model words are the words of text you accepted from the model "
           "that is still in the manuscript word for word; text you reworded counts as yours."));
    how->setObjectName(QStringLiteral("statisticsExplanation"));
    how->setWordWrap(true);
    how->setForegroundRole(QPalette::PlaceholderText);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_chartView, 1);
    layout->addWidget(m_ownership);
    layout->addWidget(how);
    layout->addWidget(buttons);
}

void StatisticsView::setStatistics(const storage::WritingStatistics& stats) {
    m_stats = stats;
    const QString streak =
        stats.streak == 1 ? tr("1 day") : tr("%1 days").arg(number(stats.streak));
    m_summary->setText(tr("<b>Today:</b> %1 words &nbsp;&nbsp; <b>Streak:</b> %2")
                           .arg(number(stats.today), streak));
    const int64_t total = stats.manuscriptWords;
    const auto percent = [total](int64_t part) { return total > 0 ? part * 100 / total : 0; };
    m_ownership->setText(
        tr("<b>How much of this is mine:</b> of the manuscript's %1 words, %2 (%3%) are yours and "
           "%4 (%5%) were accepted from the model.")
            .arg(number(total), number(stats.writerWords()))
            .arg(percent(stats.writerWords()))
            .arg(number(stats.modelWords))
            .arg(total > 0 ? 100 - percent(stats.writerWords()) : 0));
    rebuildChart();
}

void StatisticsView::changeEvent(QEvent* event) {
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) rebuildChart();
}

void StatisticsView::rebuildChart() {
    // The last kDaysShown days, ending today, zero where nothing was written.
    const int64_t today = QDate(1970, 1, 1).daysTo(QDate::currentDate());
    auto* set = new QBarSet(tr("Words"));
    QStringList days;
    int64_t lowest = 0, highest = 0;
    for (int64_t day = today - kDaysShown + 1; day <= today; ++day) {
        const auto found = std::find_if(m_stats.perDay.begin(), m_stats.perDay.end(),
                                        [day](const storage::DayWords& d) { return d.day == day; });
        const int64_t words = found == m_stats.perDay.end() ? 0 : found->words;
        *set << double(words);
        lowest = std::min(lowest, words);
        highest = std::max(highest, words);
        days << QString::number(dateOf(day).day()); // the axis title names the months
    }
    const QPalette& palette = this->palette();
    set->setColor(palette.color(QPalette::Highlight));
    set->setBorderColor(palette.color(QPalette::Highlight));

    auto* chart = new QChart;
    chart->setTheme(isDark(palette) ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart->setBackgroundBrush(palette.color(QPalette::Base));
    chart->setTitle(tr("Words written per day"));
    chart->setTitleBrush(palette.color(QPalette::Text));
    chart->legend()->hide();
    auto* series = new QBarSeries;
    series->append(set);
    chart->addSeries(series);
    auto* axisX = new QBarCategoryAxis;
    axisX->append(days);
    const QLocale locale;
    axisX->setTitleText(
        tr("%1 to %2")
            .arg(locale.toString(dateOf(today - kDaysShown + 1), QLocale::ShortFormat),
                 locale.toString(dateOf(today), QLocale::ShortFormat)));
    axisX->setTitleBrush(palette.color(QPalette::Text));
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85); // two digits under each of 30 bars
    axisX->setLabelsFont(small);
    axisX->setLabelsBrush(palette.color(QPalette::Text));
    chart->addAxis(axisX, Qt::AlignBottom);
    series->attachAxis(axisX);
    auto* axisY = new QValueAxis;
    axisY->setRange(double(lowest), double(std::max<int64_t>(highest, 10)));
    axisY->setLabelFormat(QStringLiteral("%d"));
    axisY->applyNiceNumbers();
    axisY->setLabelsBrush(palette.color(QPalette::Text));
    chart->addAxis(axisY, Qt::AlignLeft);
    series->attachAxis(axisY);

    QChart* old = m_chartView->chart();
    m_chartView->setChart(chart);
    delete old;
}

} // namespace fabulist::ui
