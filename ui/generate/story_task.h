#pragma once
// Assembling a writing task on the GUI side: the editor's text around the cursor or selection,
// the project's story bible, Memory and Author's Note, the template for the task (the writer's
// copy or the shipped one) and the context settings, as the StoryTask the worker builds the
// prompt from. Reading the project and the template file happens here, on the GUI thread; the
// tokens are counted on the worker.
#include "inference/prompting/writing_task.h"
#include "ui/generate/generation_request.h"

#include <QString>
#include <optional>

namespace fabulist::storage {
class Project;
}

namespace fabulist::ui {

class Settings;

struct StoryTaskInput {
    inference::prompting::WritingTask task = inference::prompting::WritingTask::Continue;
    QString before;    // the document's text before the cursor (or the selection)
    QString selection; // the selected text
    QString after;     // the document's text after the cursor (or the selection)
    QString instruction;
    QString title;
};

struct StoryTaskResult {
    std::optional<StoryTask> task; // nullopt: `error` says why
    QString warning;               // a writer's template was broken: the shipped one is used
    QString error;
};

// `project` may be nullptr (no bible, Memory or Author's Note then). `userPromptsDir` empty:
// inference::prompting::userPromptsDir().
StoryTaskResult makeStoryTask(storage::Project* project, const StoryTaskInput& input,
                              const Settings& settings, int budgetTokens,
                              const QString& userPromptsDir = {});

// The task's name as the writer reads it ("Brainstorm").
QString taskTitle(inference::prompting::WritingTask task);

} // namespace fabulist::ui
