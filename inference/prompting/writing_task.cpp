#include "inference/prompting/writing_task.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace fabulist::inference::prompting {

namespace {

constexpr std::array<const char*, 6> kNames = {"continue", "brainstorm", "describe",
                                               "rewrite",  "expand",     "shorten"};

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// "- ", "* ", "• ", "1. ", "2) "
std::string_view dropListMarker(std::string_view s) {
    if (s.starts_with("- ") || s.starts_with("* ")) return trim(s.substr(2));
    if (s.starts_with("\xE2\x80\xA2")) return trim(s.substr(3));
    size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    if (digits > 0 && digits + 1 < s.size() && (s[digits] == '.' || s[digits] == ')') &&
        s[digits + 1] == ' ')
        return trim(s.substr(digits + 2));
    return s;
}

} // namespace

const char* taskName(WritingTask task) noexcept {
    return kNames[static_cast<size_t>(task)];
}

std::optional<WritingTask> taskFromName(std::string_view name) noexcept {
    for (size_t i = 0; i < kNames.size(); ++i)
        if (name == kNames[i]) return static_cast<WritingTask>(i);
    return std::nullopt;
}

const std::vector<WritingTask>& allTasks() {
    static const std::vector<WritingTask> tasks = {
        WritingTask::Continue, WritingTask::Brainstorm, WritingTask::Describe,
        WritingTask::Rewrite,  WritingTask::Expand,     WritingTask::Shorten};
    return tasks;
}

TaskShape taskShape(WritingTask task) {
    TaskShape s;
    switch (task) {
    case WritingTask::Continue: break;
    case WritingTask::Brainstorm:
        s = {.candidates = 5, .oneLine = true, .maxTokens = 40};
        break;
    case WritingTask::Describe:
        s = {.candidates = 3, .oneLine = true, .needsSelection = true, .maxTokens = 90};
        break;
    case WritingTask::Rewrite:
        s = {.candidates = 3, .oneLine = true, .needsSelection = true, .replacesSelection = true,
             .maxTokens = 80, .perSelectionToken = 1.5};
        break;
    case WritingTask::Expand:
        s = {.candidates = 2, .oneLine = true, .needsSelection = true, .replacesSelection = true,
             .maxTokens = 120, .perSelectionToken = 2.5};
        break;
    case WritingTask::Shorten:
        s = {.candidates = 2, .oneLine = true, .needsSelection = true, .replacesSelection = true,
             .maxTokens = 40, .perSelectionToken = 0.8};
        break;
    }
    return s;
}

int maxTokensFor(WritingTask task, int selectionTokens) {
    const TaskShape s = taskShape(task);
    if (s.perSelectionToken <= 0.0 || selectionTokens <= 0) return s.maxTokens;
    return std::max(8, int(selectionTokens * s.perSelectionToken + 0.5));
}

bool stopsAtLineEnd(WritingTask task, std::string_view after) {
    return taskShape(task).oneLine || (task == WritingTask::Continue &&
                                       after.find_first_not_of(" \t\r\n") != std::string_view::npos);
}

bool endsLine(std::string_view text) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && text.find('\n', first) != std::string_view::npos;
}

std::string shapeOutput(WritingTask task, std::string_view raw) {
    std::string_view text = trim(raw);
    if (taskShape(task).oneLine) text = trim(text.substr(0, std::min(text.find('\n'), text.size())));
    if (task == WritingTask::Brainstorm) text = dropListMarker(text);
    return std::string(text);
}

} // namespace fabulist::inference::prompting
