#include "inference/prompting/story_prompt.h"

#include "inference/chat/chat_template.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <optional>

namespace fabulist::inference::prompting {

namespace {

// The Author's Note as its own paragraph, NovelAI-style: set apart so it reads as direction.
std::string authorsNoteLine(const std::string& note) {
    std::string text = note;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text.empty() ? std::string() : "[Author's note: " + text + "]\n";
}

// The scene slot: the scene text with the Author's Note `depth` paragraphs before its end.
Slot sceneSlot(std::string_view scene, const std::string& noteLine, int depth) {
    Slot slot;
    const std::vector<size_t> starts = paragraphStarts(scene);
    size_t at = 0;
    if (!noteLine.empty() && !scene.empty()) {
        const int count = int(starts.size());
        at = starts[size_t(std::max(0, count - std::max(1, depth)))];
    }
    if (at > 0) slot.push_back({"scene", "", std::string(scene.substr(0, at))});
    if (!noteLine.empty()) slot.push_back({"authors_note", "", noteLine});
    slot.push_back({"scene", "", std::string(scene.substr(at))});
    return slot;
}

SlotValues fixedSlots(const StoryRequest& r, const std::vector<BibleItem>& included) {
    SlotValues values;
    auto put = [&](const char* name, const std::string& text) {
        if (!text.empty()) values[name] = {{name, "", text}};
    };
    std::string memory = r.memory;
    while (!memory.empty() && (memory.back() == '\n' || memory.back() == ' ')) memory.pop_back();
    put("memory", memory);
    put("selection", r.selection);
    put("after", r.after);
    put("instruction", r.instruction);
    put("title", r.title);
    // The subject of a Describe or a Brainstorm: the selection, else the writer's question.
    put("subject", r.selection.empty() ? r.instruction : r.selection);
    Slot bible;
    for (const BibleItem& item : included) bible.push_back({"bible", item.name, bibleLine(item)});
    if (!bible.empty()) values["bible"] = std::move(bible);
    return values;
}

std::string joined(const std::vector<PromptPiece>& pieces) {
    std::string text;
    for (const PromptPiece& p : pieces) text += p.text;
    return text;
}

// The start (a paragraph start when one fits) of the longest end of `before` whose tokens fit.
size_t sceneStartFitting(const TokenCounter& count, std::string_view before, int tokens) {
    if (tokens <= 0) return before.size();
    auto fits = [&](size_t start) { return count(before.substr(start)) <= tokens; };
    if (fits(0)) return 0;
    const std::vector<size_t> starts = paragraphStarts(before);
    // Paragraph starts: the earliest that fits (a fitting start stays fitting further on).
    size_t lo = 0, hi = starts.size(); // starts[lo] does not fit; hi: none tried that fits
    while (hi - lo > 1) {
        const size_t mid = (lo + hi) / 2;
        if (fits(starts[mid])) hi = mid;
        else lo = mid;
    }
    if (hi < starts.size()) return starts[hi];
    // The last paragraph alone is too long: the earliest word start in it that fits.
    size_t wlo = starts.back(), whi = before.size();
    while (whi - wlo > 1) {
        size_t mid = wlo + (whi - wlo) / 2;
        while (mid < whi && before[mid - 1] != ' ' && before[mid - 1] != '\n') ++mid;
        if (mid >= whi) break;
        if (fits(mid)) whi = mid;
        else wlo = mid;
    }
    return whi;
}

// Token counts per part: each token counts for the part its first byte falls in.
void countPartTokens(const Tokenizer& tokenizer, const std::vector<int32_t>& ids,
                     std::vector<PromptPart>& parts, size_t textSize) {
    size_t total = 0;
    for (int32_t id : ids) total += tokenizer.tokenBytes(id).size();
    // SentencePiece adds one space in front of the text: it belongs to no part.
    long long offset = -static_cast<long long>(total > textSize ? total - textSize : 0);
    size_t part = 0;
    for (int32_t id : ids) {
        const size_t bytes = tokenizer.tokenBytes(id).size();
        const size_t at = size_t(std::max(0LL, offset));
        while (part + 1 < parts.size() && at >= parts[part].end) ++part;
        if (!parts.empty()) ++parts[part].tokens;
        offset += static_cast<long long>(bytes);
    }
}

bool hasText(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") != std::string_view::npos;
}

// The longest start of `text`, cut after a word, whose tokens fit.
std::string suffixFitting(const TokenCounter& count, std::string_view text, int tokens) {
    if (count(text) <= tokens) return std::string(text);
    int lo = 0, hi = tokens; // words: lo fits, hi does not (a word is at least one token)
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (count(firstWords(text, mid)) <= tokens) lo = mid;
        else hi = mid;
    }
    return std::string(firstWords(text, lo));
}

// The task's pieces as one user message in the model's chat template: the template's text
// around the message is source "template", the message keeps its parts.
std::vector<PromptPiece> inChat(std::vector<PromptPiece> pieces, const ChatPrompt& chat) {
    const std::string message = joined(pieces);
    chat::ChatRequest request;
    request.messages = chat::Value(chat::List{chat::Value(
        chat::Dict{{"role", chat::Value("user")}, {"content", chat::Value(message)}})});
    request.addGenerationPrompt = true;
    request.bosToken = chat.bosToken;
    request.eosToken = chat.eosToken;
    const std::string rendered = chat::renderChatTemplate(chat.chatTemplate, request);
    const size_t at = rendered.find(message);
    if (at == std::string::npos) return {{"template", "", rendered}};
    std::vector<PromptPiece> out;
    if (at > 0) out.push_back({"template", "", rendered.substr(0, at)});
    for (PromptPiece& p : pieces) out.push_back(std::move(p));
    if (at + message.size() < rendered.size())
        out.push_back({"template", "", rendered.substr(at + message.size())});
    return out;
}

// The prompt's ids: the text as it is, a chat-formatted text (its special token texts are
// tokens, and its own BOS text is not doubled), or a fill-in-the-middle prompt around `suffix`.
struct PromptEncoder {
    const Tokenizer* tokenizer; // nullptr: no tokenizer here (only counts, via `count`)
    TokenCounter count;
    std::optional<Tokenizer::FimTokens> fim; // set: fill in the middle
    std::string suffix;
    const ChatPrompt* chat = nullptr;

    // The prompt's length in tokens: its ids, or the count plus one for a BOS.
    int size(const std::string& prefix) const {
        return tokenizer ? int((*this)(prefix).size()) : count(prefix) + 1;
    }
    std::vector<int32_t> operator()(const std::string& prefix) const {
        if (!tokenizer) return {};
        const Tokenizer& tokenizer = *this->tokenizer;
        if (chat) {
            const bool hasBos = chat->bosToken && !chat->bosToken->empty() &&
                                prefix.starts_with(*chat->bosToken);
            return tokenizer.encode(prefix, !hasBos, true);
        }
        if (!fim) return tokenizer.encode(prefix, true, false);
        std::vector<int32_t> ids;
        if (tokenizer.addsBos() && tokenizer.bos() >= 0) ids.push_back(tokenizer.bos());
        ids.push_back(fim->prefix);
        const auto append = [&](const std::vector<int32_t>& more) {
            ids.insert(ids.end(), more.begin(), more.end());
        };
        append(tokenizer.encode(prefix, false, false));
        ids.push_back(fim->suffix);
        append(tokenizer.encode(suffix, false, false));
        ids.push_back(fim->middle);
        return ids;
    }
};

} // namespace

std::vector<size_t> paragraphStarts(std::string_view text) {
    std::vector<size_t> starts = {0};
    for (size_t i = 0; i + 1 < text.size(); ++i)
        if (text[i] == '\n' && text[i + 1] != '\n') starts.push_back(i + 1);
    return starts;
}

namespace {
// Both entry points: `tokenizer` (the model's own) or only `counter` (a server's count).
StoryPrompt build(const StoryRequest& request, const ContextSettings& settings,
                  const PromptTemplate& promptTemplate, const Tokenizer* tokenizer,
                  const TokenCounter& counter, const ChatPrompt* chat) {
    StoryPrompt prompt;
    prompt.budgetTokens = settings.budgetTokens;
    prompt.selectionTokens = counter(request.selection);
    prompt.entries = selectBibleEntries(
        request.bible, MentionScope{request.before, request.selection, request.after, settings.scanWords},
        settings.bibleBudgetTokens, counter);
    std::vector<BibleItem> included;
    for (size_t i = 0; i < request.bible.size(); ++i)
        if (prompt.entries[i].included) {
            included.push_back(request.bible[i]);
            prompt.includedEntries.push_back(request.bible[i].id);
        }
    SlotValues values = fixedSlots(request, included);
    const std::string noteLine = authorsNoteLine(request.authorsNote);

    PromptEncoder encode{tokenizer, counter, std::nullopt, {}};
    if (tokenizer && settings.fillInTheMiddle && request.task == WritingTask::Continue &&
        hasText(request.after) && tokenizer->fimTokens()) {
        encode.fim = tokenizer->fimTokens();
        encode.suffix = suffixFitting(counter, request.after,
                                      std::min(settings.suffixTokens, settings.budgetTokens / 4));
        prompt.fillInTheMiddle = true;
    }
    // An instruct model reads the task as a user message in its own chat format; a chat
    // template this interpreter cannot render leaves the base-model prompt in place.
    if (chat && request.task != WritingTask::Continue) {
        try {
            inChat(chat->userTemplate.render(values), *chat);
            encode.chat = chat;
            prompt.chat = true;
        } catch (const std::exception& e) {
            prompt.warning = std::string("The model's chat template could not be rendered (") +
                             e.what() + "); the base-model prompt is used.";
        }
    }
    const PromptTemplate& taskTemplate = prompt.chat ? chat->userTemplate : promptTemplate;
    const auto render = [&](const SlotValues& v) {
        return prompt.chat ? inChat(taskTemplate.render(v), *chat) : taskTemplate.render(v);
    };
    // Everything but the scene, then the scene in what is left (the BOS counts too).
    values["scene"] = sceneSlot("", noteLine, settings.authorsNoteDepth);
    const int fixedTokens = encode.size(joined(render(values)));
    size_t start = taskTemplate.uses("scene")
                       ? sceneStartFitting(counter, request.before,
                                           settings.budgetTokens - fixedTokens)
                       : request.before.size();
    std::vector<PromptPiece> pieces;
    for (;;) {
        values["scene"] = sceneSlot(std::string_view(request.before).substr(start), noteLine,
                                    settings.authorsNoteDepth);
        pieces = render(values);
        prompt.ids = encode(joined(pieces));
        prompt.tokens = tokenizer ? int(prompt.ids.size()) : encode.size(joined(pieces));
        if (prompt.fillInTheMiddle) pieces.push_back({"after", "", encode.suffix});
        prompt.text = joined(pieces);
        // Tokens merge across the parts' seams: when that tips it over, one paragraph less.
        if (prompt.tokens <= settings.budgetTokens || start >= request.before.size()) break;
        const std::vector<size_t> starts = paragraphStarts(request.before.substr(start));
        start = starts.size() > 1 ? start + starts[1] : request.before.size();
    }
    prompt.sceneStart = start;
    size_t at = 0;
    for (const PromptPiece& piece : pieces) {
        prompt.parts.push_back({piece.source, piece.label, at, at + piece.text.size(), 0});
        at += piece.text.size();
    }
    if (tokenizer) {
        countPartTokens(*tokenizer, prompt.ids, prompt.parts, prompt.text.size());
    } else {
        const std::string_view text = prompt.text;
        for (PromptPart& part : prompt.parts)
            part.tokens = counter(text.substr(part.start, part.end - part.start));
    }
    return prompt;
}
} // namespace

StoryPrompt buildStoryPrompt(const StoryRequest& request, const ContextSettings& settings,
                             const PromptTemplate& promptTemplate, const Tokenizer& tokenizer,
                             const ChatPrompt* chat) {
    const TokenCounter counter = [&](std::string_view text) {
        return int(tokenizer.encode(text, false, false).size());
    };
    return build(request, settings, promptTemplate, &tokenizer, counter, chat);
}

StoryPrompt buildStoryPrompt(const StoryRequest& request, const ContextSettings& settings,
                             const PromptTemplate& promptTemplate, const TokenCounter& counter) {
    return build(request, settings, promptTemplate, nullptr, counter, nullptr);
}

} // namespace fabulist::inference::prompting
