#include "ui/generate/story_task.h"

#include "inference/prompting/prompt_library.h"
#include "storage/project.h"
#include "ui/settings.h"

#include <QCoreApplication>

namespace fabulist::ui {

namespace prompting = inference::prompting;

namespace {

std::vector<prompting::BibleItem> bibleItems(storage::Project& project) {
    std::vector<prompting::BibleItem> items;
    for (const storage::BibleEntry& e : project.bible().entries())
        items.push_back({e.nodeId, e.name, e.aliases, e.textForModel(), e.alwaysIn});
    return items;
}

} // namespace

QString taskTitle(prompting::WritingTask task) {
    switch (task) {
    case prompting::WritingTask::Continue: return QCoreApplication::translate("Tasks", "Continue");
    case prompting::WritingTask::Brainstorm: return QCoreApplication::translate("Tasks", "Brainstorm");
    case prompting::WritingTask::Describe: return QCoreApplication::translate("Tasks", "Describe");
    case prompting::WritingTask::Rewrite: return QCoreApplication::translate("Tasks", "Rewrite");
    case prompting::WritingTask::Expand: return QCoreApplication::translate("Tasks", "Expand");
    case prompting::WritingTask::Shorten: return QCoreApplication::translate("Tasks", "Shorten");
    }
    return {};
}

StoryTaskResult makeStoryTask(storage::Project* project, const StoryTaskInput& input,
                              const Settings& settings, int budgetTokens,
                              const QString& userPromptsDir) {
    StoryTaskResult result;
    if (prompting::taskShape(input.task).needsSelection && input.selection.trimmed().isEmpty()) {
        result.error = QCoreApplication::translate("Tasks", "%1 works on a selection: select the "
                                                            "passage or the thing first.")
                           .arg(taskTitle(input.task));
        return result;
    }
    StoryTask task;
    prompting::StoryRequest& r = task.request;
    r.task = input.task;
    r.before = input.before.toStdString();
    r.selection = input.selection.toStdString();
    r.after = input.after.toStdString();
    r.instruction = input.instruction.trimmed().toStdString();
    r.title = input.title.toStdString();
    try {
        if (project) {
            r.memory = project->bible().storyNote(storage::StoryNoteKind::Memory);
            r.authorsNote = project->bible().storyNote(storage::StoryNoteKind::AuthorsNote);
            r.bible = bibleItems(*project);
        }
        const std::string userDir = userPromptsDir.isEmpty() ? prompting::userPromptsDir()
                                                             : userPromptsDir.toStdString();
        prompting::LoadedTemplate loaded = prompting::loadTemplate(input.task, userDir);
        task.promptTemplate = std::move(loaded.promptTemplate);
        result.warning = QString::fromStdString(loaded.warning);
        if (auto chat = prompting::loadChatTemplate(input.task, userDir)) {
            task.chatUserTemplate = std::move(chat->promptTemplate);
            if (result.warning.isEmpty()) result.warning = QString::fromStdString(chat->warning);
        }
    } catch (const std::exception& e) {
        result.error = QString::fromUtf8(e.what());
        return result;
    }
    task.settings.budgetTokens = budgetTokens;
    task.settings.scanWords = settings.bibleScanWords();
    task.settings.bibleBudgetTokens = settings.bibleBudgetTokens();
    task.settings.authorsNoteDepth = settings.authorsNoteDepth();
    result.task = std::move(task);
    return result;
}

} // namespace fabulist::ui
