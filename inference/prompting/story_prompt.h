#pragma once
// The prompt a writing task sends: the one code path that builds it, used by generation, by the
// context viewer and by the CLI, so what the writer is shown is what the model reads.
//
// Order, for the session's prefix reuse: what rarely changes comes first (Memory, then the
// bible entries in binder order, then the scene), what changes with every request last (the
// task's own text after the scene). The scene starts at a paragraph (a one-word edit at the
// end keeps its start, so the prefix stays cached) and is cut from the front to fit the budget;
// the Author's Note sits `authorsNoteDepth` paragraphs before the cursor.
#include "inference/prompting/bible_selection.h"
#include "inference/prompting/prompt_template.h"
#include "inference/prompting/writing_task.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {
class Tokenizer;
}

namespace fabulist::inference::prompting {

struct StoryRequest {
    WritingTask task = WritingTask::Continue;
    std::string before;      // the document's text before the cursor (or the selection)
    std::string selection;   // the selected text; empty for Continue
    std::string after;       // the text after the cursor (or the selection)
    std::string instruction; // "more tension", a brainstorm question; may be empty
    std::string title;       // the document's title
    std::string memory;
    std::string authorsNote;
    std::vector<BibleItem> bible; // every entry, in binder order
};

struct ContextSettings {
    int budgetTokens = 1500;     // the whole prompt, BOS included
    int scanWords = 300;         // how far from the cursor a name activates its entry
    int bibleBudgetTokens = 400; // for all bible entries together
    int authorsNoteDepth = 3;    // paragraphs before the cursor
    // Continue with text after the cursor, on a model with fill-in-the-middle tokens: the
    // prompt is <prefix>…<suffix>(the first suffixTokens of that text)<middle>.
    bool fillInTheMiddle = true;
    int suffixTokens = 256;
};

// An instruct model's chat format: its chat template (tokenizer.chat_template) and the special
// token texts it is rendered with, and the task's user-message template
// (resources/prompts/chat/<task>.txt). Tasks other than Continue are then sent as one user
// message rendered by that template, ending with the assistant's turn.
struct ChatPrompt {
    std::string chatTemplate;
    std::optional<std::string> bosToken, eosToken;
    PromptTemplate userTemplate;
};

struct PromptPart {
    std::string source; // "template", "memory", "bible", "authors_note", "scene", "selection", ...
    std::string label;  // the bible entry's name
    size_t start = 0;   // UTF-8 bytes of StoryPrompt::text
    size_t end = 0;
    int tokens = 0;     // the prompt's tokens that start inside this part
};

struct StoryPrompt {
    std::string text;
    std::vector<int32_t> ids; // exactly what the model reads (BOS included when it has one)
    int tokens = 0;           // its length: ids.size(), or (no tokenizer) the count + a BOS
    std::vector<PromptPart> parts;
    std::vector<EntryDecision> entries;
    std::vector<int64_t> includedEntries; // ids, in prompt order
    int budgetTokens = 0;
    size_t sceneStart = 0;  // bytes of StoryRequest::before left out (the scene's start)
    int selectionTokens = 0;
    // The model reads the text after the cursor as a fill-in-the-middle suffix (the last part,
    // source "after"); the ids hold the model's prefix, suffix and middle tokens.
    bool fillInTheMiddle = false;
    // Sent in the model's chat format (source "template" holds the chat template's own text).
    bool chat = false;
    // Why the chat format was not used although the model has one (empty otherwise).
    std::string warning;
};

// Throws TokenizerError on text it cannot encode (over 4 GiB).
// With `chat` (an instruct model), tasks other than Continue are sent in its chat format; a
// chat template that fails to render falls back to `promptTemplate`, with StoryPrompt::warning.
StoryPrompt buildStoryPrompt(const StoryRequest& request, const ContextSettings& settings,
                             const PromptTemplate& promptTemplate, const Tokenizer& tokenizer,
                             const ChatPrompt* chat = nullptr);

// A text's length in tokens (no BOS): a server's count (its /tokenize) or an estimate.
using TokenCounter = std::function<int(std::string_view)>;
// Without the model's tokenizer (a model on a server): the same prompt and parts, budgeted with
// `counter` (the BOS counts as one token); `ids` stay empty, part tokens are each part's own
// count, and the base-model template is used (no fill-in-the-middle, no chat format).
StoryPrompt buildStoryPrompt(const StoryRequest& request, const ContextSettings& settings,
                             const PromptTemplate& promptTemplate, const TokenCounter& counter);

// The byte offsets where each paragraph of `text` starts (0 first), a paragraph being a line
// that follows a line break.
std::vector<size_t> paragraphStarts(std::string_view text);

} // namespace fabulist::inference::prompting
