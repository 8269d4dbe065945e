#pragma once
// Where a task's template comes from: the writer's copy (<user folder>/<task>.txt) when there is
// one and it parses, else the shipped one (resources/prompts/, or <prefix>/share/fabulist/prompts
// for an installed binary). A writer's copy that does not parse is reported, with its file and
// line, and the shipped template is used instead.
#include "inference/prompting/prompt_template.h"
#include "inference/prompting/writing_task.h"

#include <optional>
#include <string>

namespace fabulist::inference::prompting {

struct LoadedTemplate {
    PromptTemplate promptTemplate;
    std::string path;    // the file it came from
    std::string warning; // why the writer's copy was not used; empty when nothing went wrong
};

// The shipped templates' folder.
std::string shippedPromptsDir();
// The writer's folder: $XDG_DATA_HOME/fabulist/prompts (~/.local/share/fabulist/prompts).
std::string userPromptsDir();

// Throws TemplateError when the shipped template itself is missing or broken (an install
// problem, named with its file).
LoadedTemplate loadTemplate(WritingTask task, const std::string& userDir = userPromptsDir(),
                            const std::string& shippedDir = shippedPromptsDir());

// The user-message template for instruct models (chat/<task>.txt, the writer's copy first);
// nullopt for Continue (it writes on the scene itself) or when there is no such file. `warning`
// as loadTemplate's.
std::optional<LoadedTemplate> loadChatTemplate(WritingTask task,
                                               const std::string& userDir = userPromptsDir(),
                                               const std::string& shippedDir = shippedPromptsDir());

} // namespace fabulist::inference::prompting
