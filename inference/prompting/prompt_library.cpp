#include "inference/prompting/prompt_library.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#ifndef FABULIST_PROMPTS_DIR
#define FABULIST_PROMPTS_DIR ""
#endif

namespace fabulist::inference::prompting {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

std::string shippedPromptsDir() {
    // An installed binary uses its package's templates, never a source tree it was built from.
    std::error_code error;
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    if (!error) {
        const fs::path installed = exe.parent_path().parent_path() / "share/fabulist/prompts";
        if (fs::is_directory(installed, error)) return installed.string();
    }
    return FABULIST_PROMPTS_DIR;
}

std::string userPromptsDir() {
    const char* dataHome = std::getenv("XDG_DATA_HOME");
    const char* home = std::getenv("HOME");
    const fs::path base = dataHome && *dataHome ? fs::path(dataHome)
                                                : fs::path(home ? home : ".") / ".local/share";
    return (base / "fabulist/prompts").string();
}

namespace {

LoadedTemplate loadFile(const std::string& file, const std::string& userDir,
                        const std::string& shippedDir);

} // namespace

LoadedTemplate loadTemplate(WritingTask task, const std::string& userDir,
                            const std::string& shippedDir) {
    return loadFile(std::string(taskName(task)) + ".txt", userDir, shippedDir);
}

std::optional<LoadedTemplate> loadChatTemplate(WritingTask task, const std::string& userDir,
                                               const std::string& shippedDir) {
    const std::string file = std::string("chat/") + taskName(task) + ".txt";
    std::error_code error;
    if (task == WritingTask::Continue || !fs::is_regular_file(fs::path(shippedDir) / file, error))
        return std::nullopt;
    return loadFile(file, userDir, shippedDir);
}

namespace {

LoadedTemplate loadFile(const std::string& file, const std::string& userDir,
                        const std::string& shippedDir) {
    LoadedTemplate loaded;
    if (!userDir.empty()) {
        const fs::path own = fs::path(userDir) / file;
        if (const auto text = readFile(own)) {
            try {
                loaded.promptTemplate = PromptTemplate::parse(*text, own.string());
                loaded.path = own.string();
                return loaded;
            } catch (const TemplateError& e) {
                loaded.warning = std::string("Your prompt template has a mistake, so the shipped "
                                             "one is used instead: ") +
                                 e.what();
            }
        }
    }
    const fs::path shipped = fs::path(shippedDir) / file;
    const auto text = readFile(shipped);
    if (!text)
        throw TemplateError(shipped.string(), 0,
                            "the shipped prompt template is missing; reinstall Fabulist");
    loaded.promptTemplate = PromptTemplate::parse(*text, shipped.string());
    loaded.path = shipped.string();
    return loaded;
}

} // namespace

} // namespace fabulist::inference::prompting
