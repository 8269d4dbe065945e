#include "ui/project/goals_dialog.h"

#include "storage/goal_repository.h"
#include "ui/project/goal_tracker.h"

#include <QCheckBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QSpinBox>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {

QSpinBox* wordBox(int64_t value, const QString& name) {
    auto* box = new QSpinBox;
    box->setObjectName(name);
    box->setRange(0, 10'000'000);
    box->setSingleStep(100);
    box->setGroupSeparatorShown(true);
    box->setSpecialValueText(GoalsDialog::tr("No goal"));
    box->setSuffix(GoalsDialog::tr(" words"));
    box->setValue(static_cast<int>(value));
    return box;
}

} // namespace

GoalsDialog::GoalsDialog(GoalTracker* tracker, std::optional<int64_t> nodeId,
                         const QString& nodeTitle, QWidget* parent)
    : QDialog(parent), m_tracker(tracker), m_nodeId(nodeId) {
    setObjectName(QStringLiteral("goalsDialog"));
    setWindowTitle(tr("Goals"));
    setMinimumWidth(fontMetrics().averageCharWidth() * 60);
    const storage::ProjectGoals& goals = tracker->goals();

    m_projectWords = wordBox(goals.projectWords, QStringLiteral("projectWords"));
    m_hasDeadline = new QCheckBox(tr("&Deadline:"));
    m_hasDeadline->setObjectName(QStringLiteral("hasDeadline"));
    m_deadline = new QDateEdit;
    m_deadline->setObjectName(QStringLiteral("deadline"));
    m_deadline->setCalendarPopup(true);
    const QDate deadline = QDate::fromString(QString::fromStdString(goals.deadline), Qt::ISODate);
    m_hasDeadline->setChecked(deadline.isValid());
    m_deadline->setDate(deadline.isValid() ? deadline : QDate::currentDate().addMonths(3));
    m_deadline->setEnabled(deadline.isValid());
    m_sessionWords = wordBox(goals.sessionWords, QStringLiteral("sessionWords"));

    auto* form = new QFormLayout;
    form->addRow(tr("&Manuscript:"), m_projectWords);
    form->addRow(m_hasDeadline, m_deadline);
    form->addRow(tr("&Each day:"), m_sessionWords);
    if (nodeId) {
        m_documentWords = wordBox(tracker->documentGoal(*nodeId), QStringLiteral("documentWords"));
        auto* label = new QLabel;
        label->setTextFormat(Qt::PlainText); // a title is never markup
        label->setText(tr("\u201C%1\u201D:").arg(nodeTitle));
        label->setBuddy(m_documentWords);
        form->addRow(label, m_documentWords);
    }
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("goalsSummary"));
    m_summary->setWordWrap(true);
    m_summary->setForegroundRole(QPalette::PlaceholderText);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_summary);
    layout->addWidget(buttons);

    connect(m_hasDeadline, &QCheckBox::toggled, m_deadline, &QWidget::setEnabled);
    connect(m_hasDeadline, &QCheckBox::toggled, this, &GoalsDialog::updateSummary);
    connect(m_deadline, &QDateEdit::dateChanged, this, &GoalsDialog::updateSummary);
    connect(m_projectWords, &QSpinBox::valueChanged, this, &GoalsDialog::updateSummary);
    connect(m_sessionWords, &QSpinBox::valueChanged, this, &GoalsDialog::updateSummary);
    updateSummary();
    // The writer opened it for this node's goal: start there.
    (m_documentWords ? m_documentWords : m_projectWords)->setFocus();
}

void GoalsDialog::updateSummary() {
    const QLocale locale;
    QStringList lines;
    const int64_t words = m_tracker->projectWords();
    lines << tr("The manuscript has %1 words; today you wrote %2.")
                 .arg(locale.toString(qint64(words)),
                      locale.toString(qint64(m_tracker->todayWords())));
    const int64_t goal = m_projectWords->value();
    if (goal > 0 && m_hasDeadline->isChecked()) {
        const int64_t today = QDate(1970, 1, 1).daysTo(QDate::currentDate());
        const int64_t deadline = QDate(1970, 1, 1).daysTo(m_deadline->date());
        if (const auto perDay = storage::wordsPerDayNeeded(goal - words, today, deadline))
            lines << tr("To reach %1 words by %2: %3 words a day, today included.")
                         .arg(locale.toString(goal),
                              locale.toString(m_deadline->date(), QLocale::LongFormat),
                              locale.toString(qint64(*perDay)));
        else
            lines << tr("The deadline has passed.");
    }
    m_summary->setText(lines.join(QLatin1Char('\n')));
}

void GoalsDialog::accept() {
    storage::ProjectGoals goals;
    goals.projectWords = m_projectWords->value();
    if (m_hasDeadline->isChecked())
        goals.deadline = m_deadline->date().toString(Qt::ISODate).toStdString();
    goals.sessionWords = m_sessionWords->value();
    if (!m_tracker->setGoals(goals)) return;
    if (m_documentWords && !m_tracker->setDocumentGoal(*m_nodeId, m_documentWords->value())) return;
    QDialog::accept();
}

} // namespace fabulist::ui
