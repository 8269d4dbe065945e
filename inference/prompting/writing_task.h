#pragma once
// The writing tasks beyond Continue, and what shape each one's answer has: how many candidates
// by default, where a candidate stops, how long it may run, and how its raw text becomes what
// the writer sees (an idea per card, a paragraph to swap in).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference::prompting {

enum class WritingTask { Continue, Brainstorm, Describe, Rewrite, Expand, Shorten };

// "continue", "brainstorm", ... (the template's file name and the generation record's task).
const char* taskName(WritingTask task) noexcept;
std::optional<WritingTask> taskFromName(std::string_view name) noexcept;
const std::vector<WritingTask>& allTasks();

struct TaskShape {
    int candidates = 1;      // the default count the writer sees
    bool oneLine = false;    // stops at the first line break (an idea, a paragraph)
    bool needsSelection = false;
    bool replacesSelection = false; // Rewrite, Expand, Shorten: the answer takes its place
    // The length limit in tokens from the selection's length (0 selection: `maxTokens`).
    int maxTokens = 80;
    double perSelectionToken = 0.0; // Expand 2.5, Shorten 0.8, Rewrite 1.5
};

TaskShape taskShape(WritingTask task);

// The token limit for a selection of `selectionTokens` tokens (at least 8).
int maxTokensFor(WritingTask task, int selectionTokens);

// A candidate's text as the writer sees it: cut at the first line break for one-line tasks,
// trimmed, with a list marker ("- ", "1. ") dropped from an idea.
std::string shapeOutput(WritingTask task, std::string_view raw);

// Whether a candidate stops at its line's end: one-line tasks, and Continue with text after the
// cursor (the continuation must fit before the paragraph that follows) unless its prompt fills
// in the middle (StoryPrompt::fillInTheMiddle: the model reads that text and ends by itself).
bool stopsAtLineEnd(WritingTask task, std::string_view after);

// True when `text` holds a line break outside leading white space: a one-line task's candidate
// is done.
bool endsLine(std::string_view text);

} // namespace fabulist::inference::prompting
