#pragma once
// Which story-bible entries a prompt reads: an entry is in when the writer has marked it
// "always in" or its name or an alias is named near the cursor (in the last `scanWords` words
// before it, the selection, or the first `scanWords` words after it), as long as the entries
// fit the bible's token budget; those that do not fit are dropped, the least recently named
// first. Every entry gets a decision with the reason, for the context viewer.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference::prompting {

struct BibleItem {
    int64_t id = 0;
    std::string name;
    std::vector<std::string> aliases;
    std::string text; // what the model should know
    bool alwaysIn = false;
};

struct EntryDecision {
    int64_t id = 0;
    std::string name;
    bool included = false;
    int tokens = 0;      // of its line in the prompt
    std::string reason;  // "named “the lane” 12 words before the cursor", "over the budget", ...
};

// Where a name may be found: the text around the cursor, cut to the scan window.
struct MentionScope {
    std::string_view before;    // text before the cursor (or the selection)
    std::string_view selection; // may be empty
    std::string_view after;     // text after the cursor (or the selection)
    int scanWords = 300;
};

// The line an entry puts into the prompt: "Name: text\n".
std::string bibleLine(const BibleItem& item);

// Decisions for every item, in the items' order. `countTokens` counts a line's tokens.
std::vector<EntryDecision> selectBibleEntries(const std::vector<BibleItem>& items,
                                              const MentionScope& scope, int budgetTokens,
                                              const std::function<int(std::string_view)>& countTokens);

// The last `words` words of `text` (from the start of the first of them).
std::string_view lastWords(std::string_view text, int words);
// The first `words` words of `text`.
std::string_view firstWords(std::string_view text, int words);

} // namespace fabulist::inference::prompting
