#include "ui/learn/learn_controller.h"

#include "inference/engine_error.h"
#include "inference/learning/learned_model.h"
#include "storage/project.h"
#include "storage/project_identity.h"
#include "ui/generate/generate_panel.h"
#include "ui/learn/learn_dialog.h"

#include <QAction>
#include <QCoreApplication>
#include <QFileInfo>
#include <QMessageBox>
#include <QStandardPaths>
#include <QWidget>

namespace fabulist::ui {

LearnController::LearnController(GeneratePanel* generate, QWidget* window)
    : QObject(window), m_generate(generate), m_window(window) {
    m_learnAction = new QAction(tr("&Learn This Book\u2026"), this);
    m_learnAction->setObjectName(QStringLiteral("learnBookAction"));
    m_learnAction->setToolTip(tr("Teach the model this book's characters, places and tone, on "
                                 "this computer"));
    connect(m_learnAction, &QAction::triggered, this, [this] { showDialog(); });
    m_useLearnedAction = new QAction(tr("Use L&earned Model"), this);
    m_useLearnedAction->setObjectName(QStringLiteral("useLearnedModelAction"));
    m_useLearnedAction->setCheckable(true);
    connect(m_useLearnedAction, &QAction::triggered, this,
            [this](bool checked) { useLearnedModel(checked); });
    m_deleteAction = new QAction(tr("Delete Learned Model\u2026"), this);
    m_deleteAction->setObjectName(QStringLiteral("deleteLearnedModelAction"));
    connect(m_deleteAction, &QAction::triggered, this, [this] {
        if (QMessageBox::question(m_window, tr("Delete Learned Model"),
                                  tr("Delete the model learned from this book? The project goes "
                                     "back to the default model; you can learn it again.")) ==
            QMessageBox::Yes)
            deleteLearnedModel();
    });
    // Generate > Use Default Model is a choice for this project too.
    connect(m_generate->defaultModelAction(), &QAction::triggered, this, [this] {
        if (!m_folder.isEmpty() && m_usingLearned) {
            inference::setPrefersDefaultModel(m_folder.toStdString(), true);
            m_usingLearned = false;
            updateActions();
        }
    });
    updateActions();
}

QString LearnController::cliPath() {
    const QString env = qEnvironmentVariable("FABULIST_CLI");
    if (!env.isEmpty()) return env;
    const QString beside = QCoreApplication::applicationDirPath() + QStringLiteral("/fabulist-cli");
    if (QFileInfo(beside).isExecutable()) return beside;
    const QString found = QStandardPaths::findExecutable(QStringLiteral("fabulist-cli"));
    return found.isEmpty() ? beside : found;
}

void LearnController::setProject(storage::Project* project) {
    const bool wasLearned = m_usingLearned;
    m_project = project;
    m_folder.clear();
    m_usingLearned = false;
    if (m_dialog) m_dialog->deleteLater(); // its run stops with its state saved
    if (project) {
        const std::string identity = storage::projectIdentity(*project);
        if (!identity.empty())
            m_folder = QString::fromStdString(inference::learnedModelFolder(identity));
    }
    const bool loaded = !m_folder.isEmpty() &&
                        !inference::prefersDefaultModel(m_folder.toStdString()) && loadLearned();
    if (wasLearned && !loaded) m_generate->loadStartupModel(); // the writer's usual model
    updateActions();
}

bool LearnController::loadLearned() {
    const auto learned = inference::findLearnedModel(m_folder.toStdString());
    if (!learned) return false;
    try {
        inference::verifyLearnedModel(*learned);
    } catch (const inference::EngineError& e) {
        emit message(QString::fromStdString(e.what()));
        return false;
    }
    m_generate->loadModel(QString::fromStdString(learned->modelPath),
                          QString::fromStdString(learned->headPath));
    m_usingLearned = true;
    return true;
}

void LearnController::useLearnedModel(bool use) {
    if (m_folder.isEmpty()) return;
    inference::setPrefersDefaultModel(m_folder.toStdString(), !use);
    if (use) {
        if (!loadLearned()) emit message(tr("This project has no usable learned model yet."));
    } else if (m_usingLearned) {
        m_usingLearned = false;
        m_generate->loadStartupModel();
        emit message(tr("Back to your usual model; Project > Use Learned Model switches again."));
    }
    updateActions();
}

LearnDialog* LearnController::dialog() const {
    return m_dialog.data();
}

LearnDialog* LearnController::showDialog() {
    if (!m_project) return nullptr;
    if (!m_dialog) {
        m_dialog = new LearnDialog(cliPath(), QString::fromStdString(m_project->path()), {},
                                   m_extraArgs, m_window);
        connect(m_dialog, &LearnDialog::learned, this, [this](const QJsonObject&) {
            inference::setPrefersDefaultModel(m_folder.toStdString(), false);
            loadLearned();
            updateActions();
        });
    }
    m_dialog->show();
    m_dialog->raise();
    m_dialog->activateWindow();
    return m_dialog;
}

void LearnController::deleteLearnedModel() {
    if (m_folder.isEmpty()) return;
    if (m_dialog && m_dialog->isRunning()) {
        emit message(tr("Cancel the learning first."));
        return;
    }
    const bool was = m_usingLearned;
    try {
        inference::deleteLearnedModel(m_folder.toStdString());
    } catch (const inference::EngineError& e) {
        emit message(QString::fromStdString(e.what()));
        return;
    }
    m_usingLearned = false;
    if (was) m_generate->loadStartupModel();
    updateActions();
}

void LearnController::updateActions() {
    const bool has = !m_folder.isEmpty() && inference::findLearnedModel(m_folder.toStdString());
    m_learnAction->setEnabled(m_project != nullptr && !m_folder.isEmpty());
    m_useLearnedAction->setEnabled(has);
    m_useLearnedAction->setChecked(has && m_usingLearned);
    m_deleteAction->setEnabled(has);
}

} // namespace fabulist::ui
