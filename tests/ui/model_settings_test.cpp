// Per-model settings and the device (#18 item 5) on the real window: settings remembered per
// model file across a restart of the window and applied at load; Auto's choice on this machine
// and the label that says why; explicit Vulkan on lavapipe generating with the default model;
// a model the Vulkan backend cannot run falling back to the CPU with one message, the
// generation completing; the experts-per-token Measure row (tiny MoE reference model);
// screenshots of the settings dialog, light and dark.
#include "generation_fixture.h"
#include "inference/backend/backend_choice.h"
#include "storage/project.h"
#include "ui/editor/editor_view.h"
#include "ui/generate/generation_controller.h"
#include "ui/main_window.h"
#include "ui/models/model_settings_dialog.h"
#include "ui/models/models_dialog.h"
#include "ui/settings.h"
#include "ui/theme.h"

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QScopeGuard>
#include <QSpinBox>
#include <QTreeWidget>

using namespace fabulist;
using namespace fabulist::ui;
using inference::BackendPreference;
using inference::ComputeDevice;

namespace {

QString referenceModel(const char* variable, const QString& name) {
    const QString dir = qEnvironmentVariable(variable);
    const QString path = dir + QStringLiteral("/models/") + name;
    return !dir.isEmpty() && QFileInfo::exists(path) ? path : QString();
}

// A copy of a reference model in the window's models folder (its own file: its own settings).
QString copyIntoFolder(const QString& source, const QString& folder) {
    const QString copy = QDir(folder).filePath(QFileInfo(source).fileName());
    QFile::remove(copy);
    return QFile::copy(source, copy) ? copy : QString();
}

// Selects the installed row whose path is `path`; false when it is not listed.
bool selectInstalled(ModelsDialog* dialog, const QString& path) {
    QTreeWidget* list = dialog->installedList();
    for (int i = 0; i < list->topLevelItemCount(); ++i)
        if (list->topLevelItem(i)->data(0, Qt::UserRole).toString() == path) {
            list->setFocus();
            list->setCurrentItem(list->topLevelItem(i));
            return true;
        }
    return false;
}

// Model Settings… by the keyboard.
ModelSettingsDialog* openSettingsByKeyboard(ModelsDialog* dialog) {
    dialog->activateWindow();
    if (!QTest::qWaitFor([&] { return dialog->isActiveWindow(); })) {
        qWarning("the Models dialog is not active");
        return nullptr;
    }
    if (!dialog->settingsButton()->isEnabled()) {
        qWarning("Model Settings is disabled");
        return nullptr;
    }
    // From the list: Tab reaches Use, Tab again Model Settings…, Space presses it.
    dialog->installedList()->setFocus();
    QTest::keyClick(dialog->installedList(), Qt::Key_Tab);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
    if (QApplication::focusWidget() != dialog->settingsButton()) {
        qWarning("Tab does not reach Model Settings");
        return nullptr;
    }
    QTest::keyClick(dialog->settingsButton(), Qt::Key_Space);
    return dialog->findChild<ModelSettingsDialog*>();
}

bool hasVulkanDevice() {
    return !inference::listComputeDevices().devices.empty();
}

bool waitForModel(MainWindow& window, const QString& path) {
    return QTest::qWaitFor(
        [&] {
            const GenerationController* g = window.generationController();
            return !g->isLoadingModel() && g->isModelReady() &&
                   QFileInfo(g->model().modelPath) == QFileInfo(path);
        },
        test::kTimeoutMs);
}

// Continue in the open scene; the generated text once recorded ("" when it failed).
QString generateOnce(MainWindow& window) {
    GeneratePanel* panel = window.generatePanel();
    window.editor()->setFocus();
    QTest::keyClicks(window.editor(), test::kParagraph);
    panel->lengthBox()->setValue(8);
    QSignalSpy recorded(panel, &GeneratePanel::generationRecorded);
    if (!panel->continueWriting()) return {};
    if (!QTest::qWaitFor([&] { return !recorded.isEmpty(); }, test::kTimeoutMs)) return {};
    return QString::fromStdString(
        window.project()->generations().get(recorded.at(0).at(0).toLongLong()).output);
}

} // namespace

class ModelSettingsTest : public QObject {
    Q_OBJECT
private slots:
    // Each test starts with the default model on its default settings (Auto).
    void init() { Settings().setModelSettings(GenerationController::defaultModelPath(), {}); }
    void autoOrderOfDevices();
    void settingsRememberedPerModel();
    void autoOnThisMachine();
    void explicitVulkanGenerates();
    void failingVulkanFallsBackToCpu();
    void expertsPerTokenMeasured();
};

// Auto's order: discrete before integrated; a CPU implementation is never Auto's GPU.
void ModelSettingsTest::autoOrderOfDevices() {
    inference::DeviceList list;
    list.devices = {{"vulkan", "llvmpipe (LLVM 15)", ComputeDevice::Kind::Cpu},
                    {"vulkan", "Intel UHD 770", ComputeDevice::Kind::Integrated},
                    {"vulkan", "NVIDIA RTX 4070", ComputeDevice::Kind::Discrete}};
    auto c = inference::chooseBackend(BackendPreference::Auto, list);
    QCOMPARE(c.device, std::string("vulkan"));
    QCOMPARE(c.deviceName, std::string("NVIDIA RTX 4070"));
    QVERIFY(!c.allowCpuDevice);
    list.devices.pop_back();
    QCOMPARE(inference::chooseBackend(BackendPreference::Auto, list).deviceName,
             std::string("Intel UHD 770"));
    list.devices.pop_back();
    c = inference::chooseBackend(BackendPreference::Auto, list);
    QCOMPARE(c.device, std::string("cpu"));
    QCOMPARE(c.reason, std::string("only a software Vulkan device (llvmpipe (LLVM 15))"));
    c = inference::chooseBackend(BackendPreference::Vulkan, list); // explicit: lavapipe is fine
    QCOMPARE(c.device, std::string("vulkan"));
    QVERIFY(c.allowCpuDevice);
    QCOMPARE(inference::chooseBackend(BackendPreference::Auto, {}).reason,
             std::string("no GPU found"));
    QCOMPARE(inference::chooseBackend(BackendPreference::Cuda, {}).device, std::string("cpu"));
}

// Two reference models get different contexts in Model Settings…; a new window (a restart)
// shows each its own, and the model in use is loaded with its own.
void ModelSettingsTest::settingsRememberedPerModel() {
    const QString moe = referenceModel("FABULIST_REFERENCE_DIR", "tiny-moe-q4_k_m.gguf");
    const QString dense = referenceModel("FABULIST_REFERENCE_DIR", "tiny-dense-f32.gguf");
    if (moe.isEmpty() || dense.isEmpty()) QSKIP("no reference models ($FABULIST_REFERENCE_DIR)");
    const QString folder = test::sandbox().filePath(QStringLiteral("remembered-models"));
    QVERIFY(QDir().mkpath(folder));
    const QString moeCopy = copyIntoFolder(moe, folder);
    const QString denseCopy = copyIntoFolder(dense, folder);
    QVERIFY(!moeCopy.isEmpty() && !denseCopy.isEmpty());
    Settings().setModelsFolder(folder);
    {
        MainWindow window;
        int64_t scene = 0;
        const QString problem = test::openGenerationWindow(
            window, test::sandbox().filePath(QStringLiteral("remember.fabulist")), scene);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        ModelsDialog* models = window.modelsDialog();
        models->show();
        QTRY_VERIFY(models->installedList()->topLevelItemCount() >= 3);
        for (const auto& [path, context] : {std::pair{moeCopy, 128}, std::pair{denseCopy, 192}}) {
            QVERIFY(selectInstalled(models, path));
            ModelSettingsDialog* dialog = openSettingsByKeyboard(models);
            QVERIFY(dialog);
            QTRY_VERIFY(dialog->isVisible());
            dialog->contextBox()->setFocus();
            dialog->contextBox()->selectAll();
            QTest::keyClicks(dialog->contextBox(), QString::number(context));
            QPointer<ModelSettingsDialog> closing(dialog);
            QTest::keyClick(dialog->contextBox(), Qt::Key_Return); // Save
            QTRY_VERIFY(closing.isNull());                         // closed and gone
        }
        QCOMPARE(Settings().modelSettings(moeCopy).contextLength, 128);
        QCOMPARE(Settings().modelSettings(denseCopy).contextLength, 192);
    }
    // The window again, as after a restart: each model shows and loads with its own context.
    MainWindow window;
    int64_t scene = 0;
    const QString problem = test::openGenerationWindow(
        window, test::sandbox().filePath(QStringLiteral("remember-2.fabulist")), scene);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    ModelsDialog* models = window.modelsDialog();
    models->show();
    QTRY_VERIFY(models->installedList()->topLevelItemCount() >= 3);
    for (const auto& [path, context] : {std::pair{moeCopy, 128}, std::pair{denseCopy, 192}}) {
        QVERIFY(selectInstalled(models, path));
        ModelSettingsDialog* dialog = models->openModelSettings();
        QVERIFY(dialog);
        QCOMPARE(dialog->contextBox()->value(), context);
        dialog->reject();
    }
    window.generationController()->useModel(denseCopy);
    QVERIFY(waitForModel(window, denseCopy));
    QCOMPARE(window.generationController()->model().contextLength, 192);
    models->close();
}

// Auto on this machine: the CPU unless a real GPU exists, and the label says why.
void ModelSettingsTest::autoOnThisMachine() {
    MainWindow window;
    int64_t scene = 0;
    const QString problem = test::openGenerationWindow(
        window, test::sandbox().filePath(QStringLiteral("auto.fabulist")), scene);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    const LoadedModel& model = window.generationController()->model();
    const inference::BackendChoice expected =
        inference::chooseBackend(BackendPreference::Auto, inference::listComputeDevices());
    const QString label = window.generatePanel()->modelLabel()->text();
    if (expected.device == "vulkan") {
        QCOMPARE(model.device, QStringLiteral("Vulkan"));
        QVERIFY2(label.contains(QStringLiteral("Vulkan \u00B7 ")), qPrintable(label));
        return;
    }
    QCOMPARE(model.device, QStringLiteral("CPU"));
    const QString why = QString::fromStdString(expected.reason);
    QVERIFY(why.startsWith(QLatin1String("no GPU found")) ||
            why.startsWith(QLatin1String("only a software Vulkan device (")));
    QVERIFY2(label.contains(QStringLiteral("CPU \u00B7 ") + why), qPrintable(label));
}

// Vulkan chosen by hand runs on lavapipe here: the default model generates, and the label
// names Vulkan and the device.
void ModelSettingsTest::explicitVulkanGenerates() {
#ifndef FABULIST_HAVE_VULKAN
    QSKIP("this build has no Vulkan backend (FABULIST_VULKAN=OFF, or Vulkan headers/glslc not "
          "found)");
#endif
    if (!hasVulkanDevice()) QSKIP("no Vulkan device (install mesa-vulkan-drivers for lavapipe)");
    MainWindow window;
    int64_t scene = 0;
    const QString problem = test::openGenerationWindow(
        window, test::sandbox().filePath(QStringLiteral("vulkan.fabulist")), scene);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    GenerationController* g = window.generationController();
    ModelSettings s;
    s.backend = BackendPreference::Vulkan;
    QSignalSpy loaded(g, &GenerationController::modelLoaded);
    g->setModelSettings(GenerationController::defaultModelPath(), s); // reloads the model in use
    QVERIFY(loaded.wait(test::kTimeoutMs));
    QCOMPARE(g->model().device, QStringLiteral("Vulkan"));
    const QString device = QString::fromStdString(
        inference::chooseBackend(BackendPreference::Vulkan, inference::listComputeDevices())
            .deviceName);
    QVERIFY(!device.isEmpty());
    const QString label = window.generatePanel()->modelLabel()->text();
    QVERIFY2(label.contains(QStringLiteral("Vulkan \u00B7 ") + device), qPrintable(label));
    QSignalSpy notices(g, &GenerationController::deviceNotice);
    QVERIFY(!generateOnce(window).trimmed().isEmpty());
    QVERIFY2(notices.isEmpty(),
             notices.isEmpty() ? "" : qPrintable(notices.at(0).at(0).toString()));
    QCOMPARE(g->model().device, QStringLiteral("Vulkan")); // it stayed there
}

// Vulkan chosen, but the Vulkan loader finds no driver (VK_ICD_FILENAMES / VK_DRIVER_FILES, the
// loader's own variables, name a file that does not exist): the model loads on the CPU, the
// writer sees one message saying so, and a generation completes.
void ModelSettingsTest::failingVulkanFallsBackToCpu() {
    MainWindow window;
    int64_t scene = 0;
    const QString problem = test::openGenerationWindow(
        window, test::sandbox().filePath(QStringLiteral("fallback.fabulist")), scene);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    GenerationController* g = window.generationController();
    const QString missing = test::sandbox().filePath(QStringLiteral("no-such-icd.json"));
    qputenv("VK_ICD_FILENAMES", missing.toUtf8());
    qputenv("VK_DRIVER_FILES", missing.toUtf8());
    const auto restore = qScopeGuard([] {
        qunsetenv("VK_ICD_FILENAMES");
        qunsetenv("VK_DRIVER_FILES");
    });
    ModelSettings s;
    s.backend = BackendPreference::Vulkan;
    QSignalSpy notices(g, &GenerationController::deviceNotice);
    QSignalSpy loaded(g, &GenerationController::modelLoaded);
    g->setModelSettings(GenerationController::defaultModelPath(), s); // reloads the model in use
    QVERIFY(loaded.wait(test::kTimeoutMs));
    QCOMPARE(g->model().device, QStringLiteral("CPU"));
    QVERIFY2(g->model().deviceDetail.startsWith(QLatin1String("Vulkan failed: ")),
             qPrintable(g->model().deviceDetail));
    QCOMPARE(notices.size(), 1);
    const QString notice = notices.at(0).at(0).toString();
    QVERIFY2(notice.contains(QLatin1String("runs on the CPU instead")), qPrintable(notice));
    const QString label = window.generatePanel()->modelLabel()->text();
    QVERIFY2(label.contains(QStringLiteral("CPU \u00B7 Vulkan failed: ")), qPrintable(label));
    QVERIFY2(window.generatePanel()->statusLabel()->text() == notice,
             qPrintable(window.generatePanel()->statusLabel()->text()));
    QVERIFY(!generateOnce(window).isEmpty());
    QCOMPARE(notices.size(), 1); // one message, not one per request
}

// Experts per token on a tiny MoE: Measure (keyboard) shows perplexity and speed at the chosen
// k and at the GGUF's k, cached per model and k; screenshots light and dark.
void ModelSettingsTest::expertsPerTokenMeasured() {
    const QString moe = referenceModel("FABULIST_REFERENCE_DIR", "tiny-moe-q4_k_m.gguf");
    if (moe.isEmpty()) QSKIP("no reference models ($FABULIST_REFERENCE_DIR)");
    const QString folder = test::sandbox().filePath(QStringLiteral("measure-models"));
    QVERIFY(QDir().mkpath(folder));
    const QString copy = copyIntoFolder(moe, folder);
    QVERIFY(!copy.isEmpty());
    Settings().setModelsFolder(folder);
    MainWindow window;
    int64_t scene = 0;
    const QString problem = test::openGenerationWindow(
        window, test::sandbox().filePath(QStringLiteral("measure.fabulist")), scene);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    ModelsDialog* models = window.modelsDialog();
    models->show();
    QTRY_VERIFY(selectInstalled(models, copy));
    ModelSettingsDialog* dialog = openSettingsByKeyboard(models);
    QVERIFY(dialog);
    const int gguf = dialog->model().expertsUsed;
    QVERIFY(dialog->model().expertCount > 1 && gguf > 1);
    QVERIFY(dialog->expertsBox()->isEnabled());
    QVERIFY(
        dialog->measurementLabel()->text().startsWith(QLatin1String("Measure shows perplexity")));
    dialog->expertsBox()->setFocus();
    dialog->expertsBox()->setValue(1);
    QSignalSpy shown(dialog, &ModelSettingsDialog::measurementShown);
    QTRY_VERIFY(dialog->isActiveWindow());
    QTest::keyClick(dialog->expertsBox(), Qt::Key_Tab); // the Measure button beside it
    QCOMPARE(QApplication::focusWidget(), dialog->measureButton());
    QTest::keyClick(dialog->measureButton(), Qt::Key_Space);
    QVERIFY(shown.wait(test::kTimeoutMs * 2));
    const QString text = dialog->measurementLabel()->text();
    QVERIFY2(text.contains(QStringLiteral("Chosen (k = 1): perplexity ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("GGUF's (k = %1): perplexity ").arg(gguf)),
             qPrintable(text));
    const auto one = Settings().expertsMeasurement(copy, 1);
    const auto all = Settings().expertsMeasurement(copy, gguf);
    QVERIFY(one && all);
    QVERIFY(one->perplexity > 1.0 && all->perplexity > 1.0 && one->tokensPerSecond > 0.0);
    QVERIFY(one->scoredTokens >= 150); // a few hundred tokens of the sample novel's prose
    // Cached: a second Measure answers from Settings at once.
    QTest::keyClick(dialog->measureButton(), Qt::Key_Space);
    QCOMPARE(shown.size(), 2);

    // The CUDA choice is shown greyed with the device probe's reason (no NVIDIA driver here, or
    // not built), the whole reason in its tooltip.
    QComboBox* backend = dialog->backendBox();
    const int cuda = backend->findData(int(BackendPreference::Cuda));
    QVERIFY(cuda >= 0);
    QVERIFY(!(backend->model()->flags(backend->model()->index(cuda, 0)) & Qt::ItemIsEnabled));
    const QString cudaWhy = QString::fromStdString(inference::cudaUnavailableReason());
    QVERIFY(!cudaWhy.isEmpty());
    QCOMPARE(backend->itemText(cuda), "CUDA (" + cudaWhy.section(u';', 0, 0) + ")");
    QCOMPARE(backend->itemData(cuda, Qt::ToolTipRole).toString(), cudaWhy);

    QTest::qWait(50);
    // Every row shows.
    QVERIFY(dialog->measurementLabel()->height() >=
            dialog->measurementLabel()->sizeHint().height());
    QVERIFY(dialog->grab().save(test::artifactPath(QStringLiteral("model-settings.png"))));
    const QPalette saved = QApplication::palette();
    QApplication::setPalette(Theme::paletteFor(ColorScheme::Dark));
    QTest::qWait(50);
    QVERIFY(dialog->grab().save(test::artifactPath(QStringLiteral("model-settings-dark.png"))));
    QApplication::setPalette(saved);
    dialog->reject();
    models->close();
}

FABULIST_GUI_TEST_MAIN(ModelSettingsTest)
#include "model_settings_test.moc"
