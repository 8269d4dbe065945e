#include "inference/prompting/bible_selection.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

namespace fabulist::inference::prompting {

namespace {

bool isSpace(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Letters, digits and every byte of a non-ASCII character are parts of a word.
bool isWordByte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalnum(u) || c == '\'' || c == '_';
}

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// `name` at `at` in `text` as whole words (ASCII case ignored). "Mira's" names Mira: a
// possessive ending is not another word.
bool wholeMatchAt(std::string_view text, std::string_view name, size_t at) {
    for (size_t i = 0; i < name.size(); ++i)
        if (lower(text[at + i]) != lower(name[i])) return false;
    const bool startOk = at == 0 || !isWordByte(text[at - 1]) || !isWordByte(name.front());
    const size_t end = at + name.size();
    if (end == text.size()) return startOk;
    const bool possessive =
        text[end] == '\'' && (end + 1 == text.size() || lower(text[end + 1]) == 's');
    const bool endOk = !isWordByte(text[end]) || !isWordByte(name.back()) || possessive;
    return startOk && endOk;
}

constexpr size_t kNone = std::string_view::npos;

size_t lastWholeMatch(std::string_view text, std::string_view name) {
    if (name.empty() || name.size() > text.size()) return kNone;
    for (size_t at = text.size() - name.size() + 1; at-- > 0;)
        if (wholeMatchAt(text, name, at)) return at;
    return kNone;
}

size_t firstWholeMatch(std::string_view text, std::string_view name) {
    if (name.empty() || name.size() > text.size()) return kNone;
    for (size_t at = 0; at + name.size() <= text.size(); ++at)
        if (wholeMatchAt(text, name, at)) return at;
    return kNone;
}

int countWords(std::string_view text) {
    int words = 0;
    bool inWord = false;
    for (char c : text) {
        if (isSpace(c)) {
            inWord = false;
        } else if (!inWord) {
            inWord = true;
            ++words;
        }
    }
    return words;
}

struct Mention {
    int distance = std::numeric_limits<int>::max(); // in words from the cursor
    std::string matched;
    std::string where; // "before the cursor", "in the selection", "after the cursor"
};

std::optional<Mention> nearestMention(const BibleItem& item, const MentionScope& scope) {
    const std::string_view before = lastWords(scope.before, scope.scanWords);
    const std::string_view after = firstWords(scope.after, scope.scanWords);
    std::vector<std::string_view> names = {item.name};
    for (const std::string& alias : item.aliases) names.push_back(alias);
    std::optional<Mention> best;
    auto consider = [&](int distance, std::string_view name, const char* where) {
        if (!best || distance < best->distance) best = Mention{distance, std::string(name), where};
    };
    for (std::string_view name : names) {
        if (lastWholeMatch(scope.selection, name) != kNone) consider(0, name, "in the selection");
        if (const size_t at = lastWholeMatch(before, name); at != kNone)
            consider(countWords(before.substr(at)) - 1, name, "before the cursor");
        if (const size_t at = firstWholeMatch(after, name); at != kNone)
            consider(countWords(after.substr(0, at)) + 1, name, "after the cursor");
    }
    return best;
}

} // namespace

std::string_view lastWords(std::string_view text, int words) {
    size_t at = text.size();
    size_t wordStart = text.size();
    for (int seen = 0; seen < words; ++seen) {
        while (at > 0 && isSpace(text[at - 1])) --at;
        if (at == 0) break;
        while (at > 0 && !isSpace(text[at - 1])) --at;
        wordStart = at;
    }
    return text.substr(wordStart);
}

std::string_view firstWords(std::string_view text, int words) {
    size_t at = 0;
    int seen = 0;
    size_t end = 0;
    while (at < text.size() && seen < words) {
        while (at < text.size() && isSpace(text[at])) ++at;
        if (at == text.size()) break;
        while (at < text.size() && !isSpace(text[at])) ++at;
        end = at;
        ++seen;
    }
    return text.substr(0, end);
}

std::string bibleLine(const BibleItem& item) {
    std::string text = item.text;
    while (!text.empty() && isSpace(text.back())) text.pop_back();
    return item.name + ": " + text + "\n";
}

std::vector<EntryDecision> selectBibleEntries(
    const std::vector<BibleItem>& items, const MentionScope& scope, int budgetTokens,
    const std::function<int(std::string_view)>& countTokens) {
    std::vector<EntryDecision> decisions(items.size());
    struct Candidate {
        size_t index;
        int distance; // -1: always in
    };
    std::vector<Candidate> candidates;
    for (size_t i = 0; i < items.size(); ++i) {
        const BibleItem& item = items[i];
        EntryDecision& d = decisions[i];
        d.id = item.id;
        d.name = item.name;
        if (item.text.find_first_not_of(" \t\r\n") == std::string::npos) {
            d.reason = "has nothing for the model yet (no note, no text)";
            continue;
        }
        d.tokens = countTokens(bibleLine(item));
        if (item.alwaysIn) {
            d.reason = "always in";
            candidates.push_back({i, -1});
        } else if (const auto m = nearestMention(item, scope)) {
            d.reason = "named \xE2\x80\x9C" + m->matched + "\xE2\x80\x9D " + m->where;
            if (m->where != std::string("in the selection"))
                d.reason += " (" + std::to_string(m->distance) + " words away)";
            candidates.push_back({i, m->distance});
        } else {
            d.reason = "not named in the last " + std::to_string(scope.scanWords) +
                       " words, the selection or the text after the cursor";
        }
    }
    // Always-in first, then the most recently named: the budget keeps those.
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.distance < b.distance; });
    int left = budgetTokens;
    for (const Candidate& c : candidates) {
        EntryDecision& d = decisions[c.index];
        if (d.tokens <= left) {
            d.included = true;
            left -= d.tokens;
        } else {
            d.reason += "; left out: it needs " + std::to_string(d.tokens) + " tokens and " +
                        std::to_string(left) + " of the bible's " + std::to_string(budgetTokens) +
                        " are left";
        }
    }
    return decisions;
}

} // namespace fabulist::inference::prompting
