#pragma once
// Shared by the GUI tests that generate with the shipped default model: the wait for a
// generation, the scene they continue, and the window they start from.
#include "gui_test_support.h"
#include "inference/engine/default_model.h"
#include "ui/generate/generate_panel.h"
#include "ui/main_window.h"
#include "ui/project/binder_view.h"

#include <QFileInfo>
#include <QSignalSpy>
#include <QStyleFactory>

namespace fabulist::test {

inline constexpr int kTimeoutMs = 30000; // a model load or a generation, on a slow machine
inline const QString kParagraph = QStringLiteral(
    "The lighthouse keeper climbed the stairs slowly. At the top, the lamp was dark, and the sea "
    "below was restless.");

// Shows `window` at the usual size with a new project at `projectPath`, loads the default model
// and creates the scene "Lamp" (open in the editor). Returns what went wrong, or "" and the
// scene's id in `scene`.
inline QString openGenerationWindow(ui::MainWindow& window, const QString& projectPath,
                                    int64_t& scene) {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    if (!QFileInfo::exists(QString::fromStdString(inference::defaultModelPath())))
        return QStringLiteral("the default model is missing: git checkout resources/models/");
    window.resize(1360, 860);
    window.show();
    if (!QTest::qWaitForWindowExposed(&window)) return QStringLiteral("window not exposed");
    if (!window.newProject(projectPath)) return QStringLiteral("cannot create ") + projectPath;
    QSignalSpy ready(window.generatePanel(), &ui::GeneratePanel::modelReady);
    window.generatePanel()->loadDefaultModel();
    if (!ready.wait(kTimeoutMs) && ready.isEmpty())
        return QStringLiteral("the default model did not load");
    window.binderView()->setCurrentIndex({});
    const auto created =
        window.binderView()->createNode(storage::NodeKind::Scene, QStringLiteral("Lamp"));
    if (!created) return QStringLiteral("cannot create the scene");
    scene = *created;
    return {};
}

} // namespace fabulist::test
