#include "ui/learn/learn_dialog.h"

#include <QCloseEvent>
#include <QDialogButtonBox>
#include <QJsonDocument>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace fabulist::ui {

namespace {

QString clock(double seconds) {
    const int s = qMax(0, qRound(seconds));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

} // namespace

LearnDialog::LearnDialog(const QString& cliPath, const QString& projectPath, const QString& folder,
                         const QStringList& extraArgs, QWidget* parent)
    : QDialog(parent), m_cli(cliPath), m_project(projectPath), m_folder(folder),
      m_extraArgs(extraArgs) {
    setObjectName(QStringLiteral("learnDialog"));
    setWindowTitle(tr("Learn This Book"));
    m_intro = new QLabel(
        tr("Fabulist's model studies this book (its scenes and its story bible) so that it "
           "writes with your characters, places and tone. It runs on this computer at low "
           "priority while you keep writing; nothing leaves the machine. A book of 100,000 "
           "words takes about a quarter of an hour. Cancel keeps what was done: Learn again "
           "continues from there."),
        this);
    m_intro->setWordWrap(true);
    m_bar = new QProgressBar(this);
    m_bar->setObjectName(QStringLiteral("learnProgress"));
    m_bar->setRange(0, 100);
    m_bar->setValue(0);
    m_status = new QLabel(tr("Not started."), this);
    m_status->setObjectName(QStringLiteral("learnStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_buttons = new QDialogButtonBox(this);
    m_start = m_buttons->addButton(tr("&Start Learning"), QDialogButtonBox::AcceptRole);
    m_start->setObjectName(QStringLiteral("learnStartButton"));
    m_cancel = m_buttons->addButton(tr("&Cancel Learning"), QDialogButtonBox::RejectRole);
    m_cancel->setObjectName(QStringLiteral("learnCancelButton"));
    QPushButton* close = m_buttons->addButton(QDialogButtonBox::Close);
    connect(m_start, &QPushButton::clicked, this, &LearnDialog::start);
    connect(m_cancel, &QPushButton::clicked, this, &LearnDialog::cancel);
    connect(close, &QPushButton::clicked, this, &QDialog::close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_intro);
    layout->addWidget(m_bar);
    layout->addWidget(m_status);
    layout->addStretch();
    layout->addWidget(m_buttons);
    // Room for the wrapped explanation and a three-line result at the usual font sizes.
    const int line = fontMetrics().lineSpacing();
    m_status->setMinimumHeight(4 * line);
    setMinimumSize(40 * fontMetrics().averageCharWidth() + 200, 16 * line);
    resize(60 * fontMetrics().averageCharWidth(), 17 * line);
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &LearnDialog::readOutput);
    connect(&m_process, &QProcess::finished, this, &LearnDialog::onFinished);
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart) return;
        m_status->setText(tr("Could not start %1: %2. Reinstall Fabulist (the fabulist-cli "
                             "program belongs beside the editor).")
                              .arg(m_cli, m_process.errorString()));
        setRunning(false);
    });
    setRunning(false);
}

LearnDialog::~LearnDialog() {
    cancel(); // a quit saves the run's state: Learn continues from it next time
    m_process.waitForFinished(30000);
}

void LearnDialog::start() {
    if (isRunning()) return;
    m_pending.clear();
    m_refusal.clear();
    m_done = {};
    m_bar->setRange(0, 0); // busy until the first step: preparing the text and the model
    m_status->setText(tr("Preparing the book\u2026"));
    QStringList args{QStringLiteral("learn"), m_project, QStringLiteral("--json")};
    if (!m_folder.isEmpty()) args << QStringLiteral("-o") << m_folder;
    m_process.start(m_cli, args + m_extraArgs);
    setRunning(true);
}

void LearnDialog::cancel() {
    if (!isRunning()) return;
    m_status->setText(tr("Stopping; what was learned so far is kept\u2026"));
    m_process.terminate(); // SIGTERM: fabulist-cli saves the state and ends
}

void LearnDialog::closeEvent(QCloseEvent* event) {
    // Closing only hides it: the run goes on while the writer writes.
    event->accept();
}

void LearnDialog::readOutput() {
    m_pending += m_process.readAllStandardOutput();
    int end;
    while ((end = int(m_pending.indexOf('\n'))) >= 0) {
        const QByteArray line = m_pending.left(end);
        m_pending.remove(0, end + 1);
        const QJsonObject r = QJsonDocument::fromJson(line).object();
        if (!r.isEmpty()) showRecord(r);
    }
}

void LearnDialog::showRecord(const QJsonObject& r) {
    const QString event = r[QStringLiteral("event")].toString();
    if (event == QLatin1String("progress")) {
        const qint64 step = r[QStringLiteral("step")].toInteger();
        const qint64 steps = qMax<qint64>(1, r[QStringLiteral("steps")].toInteger());
        const QString phase = r[QStringLiteral("phase")].toString();
        // The model's training is most of the time; the head's reading and steps the last tenth.
        const qint64 percent = phase == QLatin1String("head")        ? 95 + 5 * step / steps
                               : phase == QLatin1String("head_pass") ? 90 + 5 * step / steps
                                                                     : 90 * step / steps;
        m_bar->setRange(0, 100);
        m_bar->setValue(int(percent));
        const QString what =
            phase == QLatin1String("head")
                ? tr("Retraining the diversity head: step %1 of %2").arg(step).arg(steps)
            : phase == QLatin1String("head_pass")
                ? tr("Reading the book for the diversity head: %1%").arg(100 * step / steps)
                : tr("Studying the book: step %1 of %2").arg(step).arg(steps);
        m_status->setText(what + QStringLiteral("\n") +
                          tr("Time left: %1").arg(clock(r[QStringLiteral("eta_s")].toDouble())));
    } else if (event == QLatin1String("refused")) {
        m_refusal = r[QStringLiteral("message")].toString();
    } else if (event == QLatin1String("resumed")) {
        m_status->setText(
            tr("Continuing from step %1\u2026").arg(r[QStringLiteral("step")].toInt()));
    } else if (event == QLatin1String("done")) {
        m_done = r;
    }
}

void LearnDialog::onFinished(int exitCode, QProcess::ExitStatus status) {
    readOutput();
    setRunning(false);
    m_bar->setRange(0, 100);
    if (!m_done.isEmpty()) {
        m_bar->setValue(100);
        const QJsonObject before = m_done[QStringLiteral("perplexity_before")].toObject();
        const QJsonObject after = m_done[QStringLiteral("perplexity_after")].toObject();
        m_status->setText(
            tr("Learned %1 words. The project now uses the learned model (Project > Use "
               "Learned Model switches back and forth).\nPerplexity on the book: %2 \u2192 %3; "
               "on ordinary fiction: %4 \u2192 %5 (lower is better).")
                .arg(m_done[QStringLiteral("words")].toInteger())
                .arg(before[QStringLiteral("book")].toDouble(), 0, 'f', 1)
                .arg(after[QStringLiteral("book")].toDouble(), 0, 'f', 1)
                .arg(before[QStringLiteral("base_validation")].toDouble(), 0, 'f', 1)
                .arg(after[QStringLiteral("base_validation")].toDouble(), 0, 'f', 1));
        emit learned(m_done);
        return;
    }
    if (!m_refusal.isEmpty()) {
        m_status->setText(m_refusal.left(1).toUpper() + m_refusal.mid(1) + QLatin1Char('.'));
    } else if (exitCode == 130 || status == QProcess::CrashExit) {
        m_status->setText(status == QProcess::CrashExit && exitCode != 130
                              ? tr("The learning process ended unexpectedly (out of memory?). "
                                   "The editor is unaffected; Start Learning continues from "
                                   "the last saved step.")
                              : tr("Stopped. What was learned so far is kept: Start Learning "
                                   "continues from there."));
    } else {
        const QString err = QString::fromUtf8(m_process.readAllStandardError()).trimmed();
        m_status->setText(tr("Learning failed: %1").arg(err.section(QLatin1Char('\n'), -3)));
    }
    m_bar->setValue(0);
}

void LearnDialog::setRunning(bool running) {
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    (running ? m_cancel : m_start)->setDefault(true);
}

} // namespace fabulist::ui
