#pragma once
// A model's chat template and the special token texts it is rendered with, from its GGUF
// (tokenizer.chat_template, tokenizer.ggml.bos/eos_token_id into tokenizer.ggml.tokens).

#include <optional>
#include <string>

namespace fabulist::inference {
class GgufFile;
}

namespace fabulist::inference::chat {

// tokenizer.chat_template; nullopt when the file has none.
std::optional<std::string> chatTemplate(const GgufFile& file);

struct ModelChatTemplate {
    std::optional<std::string> source;             // the template
    std::optional<std::string> bosToken, eosToken; // absent: no such token (undefined in Jinja)
};
ModelChatTemplate modelChatTemplate(const GgufFile& file);

} // namespace fabulist::inference::chat
