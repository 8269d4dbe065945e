// Choosing another model in the Generate panel, with real GGUF files: the shipped default and
// the small llama-architecture models of the shared reference dir ($FABULIST_REFERENCE_DIR).
// Switching and Continue (the record names the new model: general.name from the reference
// JSON, SHA-256 computed here), Use Default Model, a truncated file that fails while the model
// in use keeps working, the choice remembered in Settings (and cleared), and the start-up rule
// main.cpp uses (--model, remembered, missing file -> default with a message, kept choice).
#include "gui_test_support.h"
#include "storage/project.h"
#include "ui/editor/document_session.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/generate_panel.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"
#include "ui/settings.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTextCursor>

using namespace fabulist;
using namespace fabulist::ui;

namespace {

constexpr int kTimeoutMs = 30000;
const QString kParagraph = QStringLiteral(
    "The ferry left the harbour at dawn. Nobody on deck spoke, and the gulls followed it out.");

QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}

QString sha256Of(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file)) return {};
    return QString::fromLatin1(hash.result().toHex());
}

// general.name as llama.cpp's side of the reference recorded it (tiny-*.json beside models/).
QString referenceName(const QString& model) {
    QFile json(QDir(referenceDir()).filePath(model + QStringLiteral(".json")));
    if (!json.open(QIODevice::ReadOnly)) return {};
    const QJsonObject kv = QJsonDocument::fromJson(json.readAll())
                               .object()
                               .value(QStringLiteral("gguf"))
                               .toObject()
                               .value(QStringLiteral("kv"))
                               .toObject();
    return kv.value(QStringLiteral("general.name"))
        .toObject()
        .value(QStringLiteral("value"))
        .toString();
}

QString shippedSha256() {
    QFile sum(GeneratePanel::defaultModelPath() + QStringLiteral(".sha256"));
    if (!sum.open(QIODevice::ReadOnly)) return {};
    return QString::fromLatin1(sum.readLine()).section(QLatin1Char(' '), 0, 0).trimmed();
}

void closeDialogs(QWidget* window) {
    for (QMessageBox* box : window->findChildren<QMessageBox*>()) box->close();
}

} // namespace

class ModelChoiceTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void menuOffersChooseAndDefault();
    void switchToAnotherModelAndBack();
    void truncatedModelKeepsTheModelInUse();
    void startupWithMissingRememberedModelFallsBack();
    void startupLoadsTheRememberedModel();
    void commandLineModelIsNotRemembered();
    void brokenModelAtStartupFallsBackToDefault();

private:
    // Continue a few tokens in the fixture's window and return the recorded row.
    storage::Generation continueAndRecord();
    void waitReady(GeneratePanel* panel, QSignalSpy& ready, int count);

    QTemporaryDir m_dir;
    QString m_llama3;
    QString m_moe;
    std::unique_ptr<MainWindow> m_window;
    GeneratePanel* m_panel = nullptr;
};

void ModelChoiceTest::initTestCase() {
    const QDir models(QDir::cleanPath(QDir(referenceDir()).filePath(QStringLiteral("models"))));
    m_llama3 = models.filePath(QStringLiteral("tiny-llama3-f16.gguf"));
    m_moe = models.filePath(QStringLiteral("tiny-moe-q8_0.gguf"));
    if (!QFileInfo::exists(m_llama3) || !QFileInfo::exists(m_moe))
        QFAIL(qPrintable(QStringLiteral("reference models not found: set FABULIST_REFERENCE_DIR "
                                        "(now '%1') to the shared reference dir")
                             .arg(referenceDir())));
    QVERIFY(QFileInfo::exists(GeneratePanel::defaultModelPath()));
    QVERIFY(Settings().generateModelPath().isEmpty()); // a fresh sandbox

    m_window = std::make_unique<MainWindow>();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->newProject(m_dir.filePath(QStringLiteral("ferry.fabulist"))));
    m_window->binderView()->setCurrentIndex({});
    QVERIFY(m_window->binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Dawn")));
    m_window->editor()->setFocus();
    QTest::keyClicks(m_window->editor(), kParagraph);
    m_panel = m_window->generatePanel();
    m_panel->lengthBox()->setValue(4);

    // Nothing remembered: the start-up rule loads the default.
    QSignalSpy ready(m_panel, &GeneratePanel::modelReady);
    m_panel->loadStartupModel();
    waitReady(m_panel, ready, 1);
    QCOMPARE(m_panel->model().modelName, QStringLiteral("fabulist-default"));
}

void ModelChoiceTest::waitReady(GeneratePanel* panel, QSignalSpy& ready, int count) {
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), count, kTimeoutMs);
    QVERIFY(panel->isModelReady());
}

storage::Generation ModelChoiceTest::continueAndRecord() {
    QSignalSpy recorded(m_panel, &GeneratePanel::generationRecorded);
    QSignalSpy failed(m_panel, &GeneratePanel::generationFailed);
    m_window->editor()->moveCursor(QTextCursor::End);
    if (!m_panel->continueWriting()) {
        qWarning("Continue did not start: %s", qPrintable(m_panel->statusText()));
        return {};
    }
    [&] { QTRY_VERIFY_WITH_TIMEOUT(!recorded.isEmpty() || !failed.isEmpty(), kTimeoutMs); }();
    if (recorded.isEmpty()) {
        qWarning("Continue failed: %s", qPrintable(m_panel->statusText()));
        return {};
    }
    const storage::Generation g =
        m_window->project()->generations().get(recorded.at(0).at(0).toLongLong());
    m_panel->discard();
    return g;
}

void ModelChoiceTest::menuOffersChooseAndDefault() {
    QMenu* menu = fabulist::test::menuBarMenu(*m_window, QStringLiteral("&Generate"));
    QVERIFY(menu);
    QVERIFY(menu->actions().contains(m_panel->chooseModelAction()));
    QVERIFY(menu->actions().contains(m_panel->defaultModelAction()));
    QVERIFY(m_panel->chooseModelAction()->text().startsWith(QStringLiteral("Choose &Model")));
    QVERIFY(m_panel->chooseModelAction()->isEnabled());
    QVERIFY(m_panel->defaultModelAction()->isEnabled());
}

void ModelChoiceTest::switchToAnotherModelAndBack() {
    const QString name = referenceName(QStringLiteral("tiny-llama3-f16"));
    QVERIFY(!name.isEmpty());
    const QString sha = sha256Of(m_llama3);
    QCOMPARE(sha.size(), 64);

    QSignalSpy ready(m_panel, &GeneratePanel::modelReady);
    m_panel->useModel(m_llama3);
    QVERIFY(m_panel->isLoadingModel());
    QVERIFY(!m_panel->chooseModelAction()->isEnabled()); // one load at a time from the menu
    waitReady(m_panel, ready, 1);
    QCOMPARE(ready.at(0).at(0).toString(), name);
    QCOMPARE(m_panel->model().modelPath, m_llama3);
    QVERIFY(!m_panel->hasAdapter()); // no tiny-llama3-f16.head.gguf beside it
    QVERIFY(!m_panel->alphaSlider()->isEnabled());
    // The label names the model in use; its tooltip gives the file.
    // (Its second line says which device runs it: ui_model_settings_test.)
    QCOMPARE(m_panel->modelLabel()->text().section(QLatin1Char('\n'), 0, 0),
             QStringLiteral("Model: ") + name);
    QCOMPARE(m_panel->modelLabel()->toolTip(), m_llama3);
    // Remembered for the next start (read back through a new Settings object).
    QCOMPARE(Settings().generateModelPath(), m_llama3);

    const storage::Generation g = continueAndRecord();
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(g.id > 0);
    QCOMPARE(QString::fromStdString(g.modelId), name);
    QCOMPARE(QString::fromStdString(g.modelSha256), sha);
    QVERIFY(g.adapterId.empty());
    QVERIFY(g.generatedTokens > 0);

    // Use Default Model: the shipped one again, and the choice is cleared.
    m_panel->defaultModelAction()->trigger();
    waitReady(m_panel, ready, 2);
    QCOMPARE(m_panel->model().modelName, QStringLiteral("fabulist-default"));
    QVERIFY(m_panel->hasAdapter());
    QVERIFY(Settings().generateModelPath().isEmpty());
    const storage::Generation back = continueAndRecord();
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(back.id > 0);
    QCOMPARE(back.modelId, std::string("fabulist-default"));
    QCOMPARE(QString::fromStdString(back.modelSha256), shippedSha256());
}

void ModelChoiceTest::truncatedModelKeepsTheModelInUse() {
    // The model in use: the MoE reference model, chosen and remembered.
    QSignalSpy ready(m_panel, &GeneratePanel::modelReady);
    m_panel->useModel(m_moe);
    waitReady(m_panel, ready, 1);
    const QString name = referenceName(QStringLiteral("tiny-moe-q8_0"));
    QCOMPARE(m_panel->model().modelName, name);
    QCOMPARE(Settings().generateModelPath(), m_moe);

    // Its first 1,000 bytes as a model of its own.
    QFile source(m_moe);
    QVERIFY(source.open(QIODevice::ReadOnly));
    const QString truncated = m_dir.filePath(QStringLiteral("truncated.gguf"));
    QFile cut(truncated);
    QVERIFY(cut.open(QIODevice::WriteOnly));
    QCOMPARE(cut.write(source.read(1000)), qint64(1000));
    cut.close();

    QSignalSpy failed(m_panel, &GeneratePanel::modelFailed);
    m_panel->useModel(truncated);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
    const QString message = failed.at(0).at(0).toString();
    qInfo("the truncated model: %s", qPrintable(message));
    QVERIFY2(message.contains(truncated), qPrintable(message));
    QVERIFY2(m_panel->statusText().contains(message), qPrintable(m_panel->statusText()));
    QVERIFY2(m_panel->statusText().contains(QStringLiteral("Still using ") + name),
             qPrintable(m_panel->statusText()));
    QCOMPARE(m_window->lastError(), message); // the window's dialog shows it too
    closeDialogs(m_window.get());
    QCOMPARE(ready.count(), 1); // nothing new was loaded

    // The previous model is still the one in use, and writes.
    QVERIFY(m_panel->isModelReady());
    QCOMPARE(m_panel->model().modelPath, m_moe);
    // (Its second line says which device runs it: ui_model_settings_test.)
    QCOMPARE(m_panel->modelLabel()->text().section(QLatin1Char('\n'), 0, 0),
             QStringLiteral("Model: ") + name);
    QCOMPARE(m_panel->modelLabel()->toolTip(), m_moe);
    QCOMPARE(Settings().generateModelPath(), m_moe); // a failed choice is not remembered
    const storage::Generation g = continueAndRecord();
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY(g.id > 0);
    QCOMPARE(QString::fromStdString(g.modelId), name);
    QCOMPARE(QString::fromStdString(g.modelSha256), sha256Of(m_moe));

    // A missing file fails the same way and keeps it too.
    const QString gone = m_dir.filePath(QStringLiteral("gone.gguf"));
    m_panel->useModel(gone);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, kTimeoutMs);
    QVERIFY(failed.at(1).at(0).toString().contains(gone));
    closeDialogs(m_window.get());
    QVERIFY(m_panel->isModelReady());
    QCOMPARE(m_panel->model().modelPath, m_moe);
    QCOMPARE(Settings().generateModelPath(), m_moe);

    // So does a whole, valid GGUF of an architecture the engine does not run: the same model
    // with general.architecture "llama" changed to "bloom" in place (same length).
    QVERIFY(source.seek(0));
    QByteArray bytes = source.readAll();
    const QByteArray key("general.architecture");
    const qsizetype at = bytes.indexOf(key);
    QVERIFY(at > 0);
    const qsizetype value = at + key.size() + 4 + 8; // type (uint32), length (uint64), text
    QCOMPARE(bytes.mid(value, 5), QByteArray("llama"));
    bytes.replace(value, 5, "bloom");
    const QString bloom = m_dir.filePath(QStringLiteral("bloom.gguf"));
    QFile other(bloom);
    QVERIFY(other.open(QIODevice::WriteOnly));
    QCOMPARE(other.write(bytes), bytes.size());
    other.close();
    m_panel->useModel(bloom);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 3, kTimeoutMs);
    const QString unsupported = failed.at(2).at(0).toString();
    QVERIFY2(unsupported.contains(bloom) && unsupported.contains(QStringLiteral("'bloom'")),
             qPrintable(unsupported));
    closeDialogs(m_window.get());
    QVERIFY(m_panel->isModelReady());
    QCOMPARE(m_panel->model().modelPath, m_moe);
    const storage::Generation after = continueAndRecord();
    QVERIFY(!QTest::currentTestFailed());
    QCOMPARE(QString::fromStdString(after.modelId), name);
}

void ModelChoiceTest::startupWithMissingRememberedModelFallsBack() {
    const QString gone = m_dir.filePath(QStringLiteral("unmounted/big-model.gguf"));
    Settings().setGenerateModelPath(gone);
    MainWindow w;
    GeneratePanel* panel = w.generatePanel();
    QSignalSpy ready(panel, &GeneratePanel::modelReady);
    panel->loadStartupModel();
    QVERIFY2(panel->statusText().contains(gone), qPrintable(panel->statusText()));
    waitReady(panel, ready, 1);
    QCOMPARE(panel->model().modelName, QStringLiteral("fabulist-default"));
    QVERIFY2(panel->statusText().contains(gone), qPrintable(panel->statusText()));
    // Kept: the disk may only be unmounted.
    QCOMPARE(Settings().generateModelPath(), gone);
}

void ModelChoiceTest::startupLoadsTheRememberedModel() {
    Settings().setGenerateModelPath(m_llama3);
    MainWindow w;
    GeneratePanel* panel = w.generatePanel();
    QSignalSpy ready(panel, &GeneratePanel::modelReady);
    panel->loadStartupModel();
    waitReady(panel, ready, 1);
    QCOMPARE(panel->model().modelPath, m_llama3);
    QVERIFY(panel->statusText().isEmpty());
}

void ModelChoiceTest::commandLineModelIsNotRemembered() {
    Settings().setGenerateModelPath(m_llama3);
    MainWindow w;
    GeneratePanel* panel = w.generatePanel();
    QSignalSpy ready(panel, &GeneratePanel::modelReady);
    panel->loadStartupModel(m_moe); // --model
    waitReady(panel, ready, 1);
    QCOMPARE(panel->model().modelPath, m_moe);
    QCOMPARE(Settings().generateModelPath(), m_llama3);
}

void ModelChoiceTest::brokenModelAtStartupFallsBackToDefault() {
    // A remembered file that is there but is no model: there is nothing to keep, so the
    // default is loaded rather than leaving the writer with no model.
    const QString broken = m_dir.filePath(QStringLiteral("broken.gguf"));
    QFile file(broken);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'x'));
    file.close();
    Settings().setGenerateModelPath(broken);
    MainWindow w;
    GeneratePanel* panel = w.generatePanel();
    QSignalSpy ready(panel, &GeneratePanel::modelReady);
    QSignalSpy failed(panel, &GeneratePanel::modelFailed);
    panel->loadStartupModel();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
    QVERIFY2(failed.at(0).at(0).toString().contains(broken),
             qPrintable(failed.at(0).at(0).toString()));
    waitReady(panel, ready, 1);
    QCOMPARE(panel->model().modelName, QStringLiteral("fabulist-default"));
    QVERIFY2(panel->statusText().contains(broken), qPrintable(panel->statusText()));
    closeDialogs(&w);
    Settings().setGenerateModelPath({});
}

FABULIST_GUI_TEST_MAIN(ModelChoiceTest)
#include "model_choice_test.moc"
