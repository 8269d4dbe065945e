// Project > Learn This Book (#20) on the real MainWindow: the dialog runs the real fabulist-cli
// learn (the default model, Debian's PyTorch) with a tiny step count on a project of 6,000 words.
// Start shows progress; Cancel stops it with no model published; Start again resumes and
// finishes; the project then uses the learned model (the model label says so); Use Learned Model
// switches back to the default and again; reopening the project loads the learned model; Delete
// removes it and the project is back on the default.
// Screenshots of the dialog (running and done, light and dark) go to build/artifacts/.
#include "gui_test_support.h"
#include "inference/learning/learned_model.h"
#include "storage/document_repository.h"
#include "storage/project.h"
#include "ui/generate/generate_panel.h"
#include "ui/learn/learn_controller.h"
#include "ui/learn/learn_dialog.h"
#include "ui/main_window.h"
#include "ui/theme.h"

#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStyleFactory>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

constexpr int kLearnTimeoutMs = 300000;

// The recipe's validation chapters (text the default model never trained on), one scene per
// chapter, until the project holds `words` words.
bool makeProject(const QString& path, int words) {
    QFile f(QStringLiteral(FABULIST_SOURCE_DIR "/resources/learn/replay-valid.txt"));
    if (!f.open(QIODevice::ReadOnly)) return false;
    auto project = storage::Project::create(path.toStdString(), "Learned");
    int total = 0, n = 0;
    for (const QString& chapter : QString::fromUtf8(f.readAll()).split(QChar('\f'))) {
        const QStringList all = chapter.split(QRegularExpression("\\s+"), Qt::SkipEmptyParts);
        const QString text = all.mid(0, words - total).join(' ');
        const int64_t c =
            project->binder().create(storage::NodeKind::Chapter, "Chapter " + std::to_string(++n));
        const int64_t s = project->binder().create(storage::NodeKind::Scene, "Scene", c);
        project->documents().setText(s, text.toStdString());
        total += int(storage::countWords(text.toStdString()));
        if (total >= words) break;
    }
    return true;
}

void shoot(QWidget* w, const QString& name) {
    for (auto scheme : {ColorScheme::Light, ColorScheme::Dark}) {
        QApplication::setPalette(Theme::paletteFor(scheme));
        QApplication::processEvents();
        w->grab().save(
            test::artifactPath(name + (scheme == ColorScheme::Dark ? QStringLiteral("-dark.png")
                                                                   : QStringLiteral(".png"))));
    }
    QApplication::setPalette(Theme::paletteFor(ColorScheme::Light));
}

} // namespace

class LearnBookTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        qputenv("FABULIST_CLI", FABULIST_CLI_PATH);
        m_path = m_dir.filePath(QStringLiteral("book.fabulist"));
        QVERIFY(makeProject(m_path, 6000));
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1200, 800);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(m_window->openProject(m_path));
        QSignalSpy ready(m_window->generatePanel(), &GeneratePanel::modelReady);
        m_window->generatePanel()->loadDefaultModel();
        QVERIFY(ready.wait(60000) || !ready.isEmpty());
    }

    void startProgressCancelResumeUseAndBack() {
        LearnController* learn = m_window->learnController();
        learn->setExtraArguments(
            {"--steps", "12", "--head-steps", "4", "--eval-tokens", "4096", "-t", "2"});
        QMenu* project = test::menuBarMenu(*m_window, tr("&Project"));
        QVERIFY(project);
        QVERIFY(project->actions().contains(learn->learnAction()));
        QVERIFY(learn->learnAction()->isEnabled());
        QVERIFY(!learn->useLearnedAction()->isEnabled()); // nothing learned yet
        learn->learnAction()->trigger();
        LearnDialog* dialog = learn->dialog();
        QVERIFY(dialog && dialog->isVisible());

        // Start from the keyboard: Start Learning is the default button.
        QVERIFY(dialog->startButton()->isDefault());
        QTest::keyClick(dialog, Qt::Key_Return);
        QVERIFY(dialog->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(dialog->progressBar()->value() > 0, kLearnTimeoutMs);
        QVERIFY2(dialog->statusLabel()->text().contains(tr("Time left")),
                 qPrintable(dialog->statusLabel()->text()));
        shoot(dialog, QStringLiteral("learn-dialog-running"));

        // Cancel: stopped, nothing published, the state kept.
        QVERIFY(dialog->cancelButton()->isEnabled());
        QTest::mouseClick(dialog->cancelButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isRunning(), 60000);
        QVERIFY2(dialog->statusLabel()->text().contains(tr("Stopped")),
                 qPrintable(dialog->statusLabel()->text()));
        const std::string folder = learn->folder().toStdString();
        QVERIFY(!inference::findLearnedModel(folder));
        QVERIFY(QFileInfo::exists(learn->folder() + "/work/learn.pt"));
        QVERIFY(!learn->useLearnedAction()->isEnabled());

        // Start again: it continues and finishes; the project uses the result.
        QSignalSpy learned(dialog, &LearnDialog::learned);
        QSignalSpy ready(m_window->generatePanel(), &GeneratePanel::modelReady);
        QTest::mouseClick(dialog->startButton(), Qt::LeftButton);
        QVERIFY(learned.wait(kLearnTimeoutMs) || !learned.isEmpty());
        QVERIFY(ready.wait(60000) || !ready.isEmpty());
        QLabel* label = m_window->generatePanel()->modelLabel();
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("learned from book")),
                                 30000);
        QVERIFY(learn->useLearnedAction()->isChecked());
        QVERIFY(inference::findLearnedModel(folder));
        QCOMPARE(m_window->generatePanel()->model().modelPath,
                 QString::fromStdString(inference::findLearnedModel(folder)->modelPath));
        QVERIFY(!m_window->generatePanel()->model().adapterPath.isEmpty());
        shoot(dialog, QStringLiteral("learn-dialog-done"));
        dialog->close();

        // One click back to the default, remembered for this project; and again.
        learn->useLearnedAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!label->text().contains(QStringLiteral("learned")) &&
                                     m_window->generatePanel()->isModelReady(),
                                 60000);
        QVERIFY(label->text().contains(QStringLiteral("fabulist-default")));
        QVERIFY(inference::prefersDefaultModel(folder));
        learn->useLearnedAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("learned from book")),
                                 60000);
        QVERIFY(!inference::prefersDefaultModel(folder));

        // Reopening the project loads its learned model by itself.
        m_window->closeProject();
        m_window->generatePanel()->loadDefaultModel();
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("fabulist-default")), 60000);
        QVERIFY(m_window->openProject(m_path));
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("learned from book")),
                                 60000);

        // Delete: the files go, the project is back on the usual model, Learn is offered again.
        QVERIFY(learn->deleteAction()->isEnabled());
        learn->deleteLearnedModel();
        QVERIFY(!QFileInfo::exists(learn->folder()));
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(QStringLiteral("fabulist-default")), 60000);
        QVERIFY(!learn->useLearnedAction()->isEnabled());
        QVERIFY(!learn->deleteAction()->isEnabled());
        QVERIFY(learn->learnAction()->isEnabled());
    }

    void cleanupTestCase() { m_window.reset(); }

private:
    QTemporaryDir m_dir;
    QString m_path;
    std::unique_ptr<MainWindow> m_window;
};

FABULIST_GUI_TEST_MAIN(LearnBookTest)
#include "learn_book_test.moc"
