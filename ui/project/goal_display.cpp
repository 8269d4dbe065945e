#include "ui/project/goal_display.h"

#include "storage/goal_repository.h"
#include "ui/project/binder_goal_delegate.h"
#include "ui/project/binder_view.h"
#include "ui/project/goal_bar.h"
#include "ui/project/goal_tracker.h"

#include <QDate>
#include <QLabel>
#include <QLocale>
#include <QStatusBar>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {
QString number(int64_t n) {
    return QLocale().toString(qint64(n));
}
} // namespace

GoalDisplay::GoalDisplay(GoalTracker* tracker, BinderView* binder, QObject* parent)
    : QObject(parent), m_tracker(tracker), m_binder(binder) {
    m_todayBar = new GoalBar;
    m_todayBar->setObjectName(QStringLiteral("todayGoalBar"));
    m_projectBar = new GoalBar;
    m_projectBar->setObjectName(QStringLiteral("projectGoalBar"));

    m_binderPage = new QWidget;
    m_binderPage->setObjectName(QStringLiteral("binderPage"));
    auto* layout = new QVBoxLayout(m_binderPage);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(binder, 1);
    // The binder is narrow: the words and the deadline go in a wrapped line over a thin bar.
    m_binderSummary = new QLabel(m_binderPage);
    m_binderSummary->setObjectName(QStringLiteral("binderProjectGoalText"));
    m_binderSummary->setWordWrap(true);
    m_binderProjectBar = new GoalBar(m_binderPage);
    m_binderProjectBar->setObjectName(QStringLiteral("binderProjectGoalBar"));
    m_binderProjectBar->setTextVisible(false);
    m_binderProjectBar->setFixedHeight(6);
    auto* barRow = new QVBoxLayout;
    barRow->setContentsMargins(6, 4, 6, 6);
    barRow->setSpacing(3);
    barRow->addWidget(m_binderSummary);
    barRow->addWidget(m_binderProjectBar);
    layout->addLayout(barRow);

    binder->setItemDelegate(new BinderGoalDelegate(tracker, binder));
    connect(tracker, &GoalTracker::changed, this, &GoalDisplay::update);
    update();
}

void GoalDisplay::addToStatusBar(QStatusBar* statusBar) {
    statusBar->addPermanentWidget(m_todayBar);
    statusBar->addPermanentWidget(m_projectBar);
    update();
}

QString GoalDisplay::projectSummary() const {
    const auto& goals = m_tracker->goals();
    QString text =
        tr("%1 of %2 words").arg(number(m_tracker->projectWords()), number(goals.projectWords));
    const QDate deadline = QDate::fromString(QString::fromStdString(goals.deadline), Qt::ISODate);
    if (!deadline.isValid()) return text;
    const QString date = QLocale().toString(deadline, QLocale::ShortFormat);
    if (m_tracker->isDeadlinePassed()) return tr("%1 \u00B7 deadline %2 passed").arg(text, date);
    if (const auto perDay = m_tracker->wordsPerDayNeeded(); perDay && *perDay > 0)
        return tr("%1 \u00B7 %2 a day until %3").arg(text, number(*perDay), date);
    return text;
}

void GoalDisplay::update() {
    const auto& goals = m_tracker->goals();
    const bool open = m_tracker->hasProject();
    const int64_t today = m_tracker->todayWords();
    m_todayBar->setProgress(today, open ? goals.sessionWords : 0,
                            tr("Today %1 / %2").arg(number(today), number(goals.sessionWords)),
                            tr("Words written today: %1 of your daily goal of %2")
                                .arg(number(today), number(goals.sessionWords)));
    const int64_t words = m_tracker->projectWords();
    const int64_t goal = open ? goals.projectWords : 0;
    const QString summary = projectSummary();
    m_projectBar->setProgress(words, goal,
                              tr("Project %1 / %2").arg(number(words), number(goals.projectWords)),
                              tr("Manuscript: %1").arg(summary));
    m_binderProjectBar->setProgress(words, goal, summary, tr("Manuscript: %1").arg(summary));
    m_binderSummary->setText(tr("Manuscript: %1").arg(summary));
    m_binderSummary->setVisible(goal > 0);
    m_binder->viewport()->update(); // the rows' bars
}

} // namespace fabulist::ui
