#pragma once
// The learned model of the open project (#20): Project > Learn This Book… (the LearnDialog),
// Project > Use Learned Model (checked while the project uses it; unchecking goes back to the
// default, and Generate > Use Default Model does too), Project > Delete Learned Model….
// When a project opens that has a learned model (inference/learning/learned_model.h, keyed by
// storage::projectIdentity), it is verified by SHA-256 and loaded, unless the writer went back
// to the default for this project. The Generate panel's model label then names it ("learned from
// <file>"), and every generation records it like any model.

#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

class QAction;
class QWidget;

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class GeneratePanel;
class LearnDialog;

class LearnController : public QObject {
    Q_OBJECT
public:
    LearnController(GeneratePanel* generate, QWidget* window);

    // The open project (nullptr when none): loads its learned model when it has one.
    void setProject(storage::Project* project);

    QAction* learnAction() const { return m_learnAction; }
    QAction* useLearnedAction() const { return m_useLearnedAction; }
    QAction* deleteAction() const { return m_deleteAction; }

    // Opens (or raises) the dialog.
    LearnDialog* showDialog();
    // More options for every `learn` run (tests: a tiny --steps).
    void setExtraArguments(const QStringList& args) { m_extraArgs = args; }
    LearnDialog* dialog() const;
    // The project's folder of learned models; empty without a project.
    QString folder() const { return m_folder; }
    bool usesLearnedModel() const { return m_usingLearned; }
    // Switches between the learned model and the default for this project (remembered).
    void useLearnedModel(bool use);
    // Removes the project's learned model (Delete Learned Model… asks first); the project goes
    // back to the writer's usual model.
    void deleteLearnedModel();
    // fabulist-cli: $FABULIST_CLI, else beside the running program, else from PATH.
    static QString cliPath();

signals:
    // A message for the status bar (a damaged learned model, a switch).
    void message(const QString& text);

private:
    void updateActions();
    bool loadLearned();

    GeneratePanel* m_generate;
    QWidget* m_window;
    storage::Project* m_project = nullptr;
    QString m_folder;
    bool m_usingLearned = false;
    QPointer<LearnDialog> m_dialog;
    QStringList m_extraArgs;
    QAction* m_learnAction = nullptr;
    QAction* m_useLearnedAction = nullptr;
    QAction* m_deleteAction = nullptr;
};

} // namespace fabulist::ui
