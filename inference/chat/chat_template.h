#pragma once
// A model's chat template (the Jinja in tokenizer.chat_template) rendered the way transformers'
// apply_chat_template renders it with jinja2: trim_blocks, lstrip_blocks, loop controls,
// tojson(ensure_ascii=False), raise_exception and strftime_now. Only the Jinja that chat
// templates use is supported; anything else is a TemplateError naming the template line.

#include "inference/chat/chat_error.h"
#include "inference/chat/chat_value.h"

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace fabulist::inference::chat {

struct Node;

class ChatTemplate {
public:
    // Parses the template; throws TemplateError on a syntax error or an unsupported tag.
    explicit ChatTemplate(const std::string& source);
    ~ChatTemplate();

    // Renders with `variables` as the template's globals; `now` is strftime_now's clock (empty:
    // the local time). Throws TemplateError (raisedByTemplate() for raise_exception).
    std::string render(const Dict& variables, const std::function<std::tm()>& now = {}) const;

private:
    std::shared_ptr<const std::vector<std::shared_ptr<Node>>> body_;
};

// What apply_chat_template passes: messages, tools=None, documents=None, add_generation_prompt,
// the special tokens the tokenizer has (a token not given stays undefined) and extra variables.
struct ChatRequest {
    Value messages; // a list of {"role": ..., "content": ...}
    bool addGenerationPrompt = false;
    std::optional<std::string> bosToken, eosToken;
    Dict extra; // e.g. enable_thinking, tools; these override the defaults above
    std::function<std::tm()> now;
};

std::string renderChatTemplate(const std::string& source, const ChatRequest& request);

} // namespace fabulist::inference::chat
