#pragma once
// Project > Learn This Book…: runs `fabulist-cli learn PROJECT --json` as a QProcess (a crash or
// an out-of-memory in it never takes the editor down; it runs at low priority, so typing stays
// fluid) and shows its progress: a bar, the phase, time left, and Cancel. The dialog is not
// modal: the writer keeps writing while it trains. Cancel (or closing the window) stops the run
// with its state saved; Learn again continues from there.

#include <QDialog>
#include <QJsonObject>
#include <QProcess>

class QDialogButtonBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace fabulist::ui {

class LearnDialog : public QDialog {
    Q_OBJECT
public:
    // `extraArgs`: more options for `learn` (tests pass a tiny --steps).
    LearnDialog(const QString& cliPath, const QString& projectPath, const QString& folder,
                const QStringList& extraArgs, QWidget* parent = nullptr);
    ~LearnDialog() override;

    void start();
    void cancel();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    QProgressBar* progressBar() const { return m_bar; }
    QLabel* statusLabel() const { return m_status; }
    QPushButton* startButton() const { return m_start; }
    QPushButton* cancelButton() const { return m_cancel; }

signals:
    // The run published a model (the card's record: model_path, head_path, perplexities).
    void learned(const QJsonObject& result);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void readOutput();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void showRecord(const QJsonObject& r);
    void setRunning(bool running);

    QString m_cli, m_project, m_folder;
    QStringList m_extraArgs;
    QProcess m_process;
    QByteArray m_pending;
    QString m_refusal;
    QJsonObject m_done;
    QLabel* m_intro = nullptr;
    QLabel* m_status = nullptr;
    QProgressBar* m_bar = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_cancel = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace fabulist::ui
