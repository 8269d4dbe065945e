#include "inference/chat/model_chat_template.h"

#include "inference/gguf/gguf_file.h"

namespace fabulist::inference::chat {

namespace {

// The text of the token a key names; nullopt when the key is absent or out of the vocabulary.
std::optional<std::string> tokenText(const GgufFile& file, const char* idKey) {
    const char* tokensKey = "tokenizer.ggml.tokens";
    if (!file.has(idKey) || !file.has(tokensKey)) return std::nullopt;
    try {
        const int64_t id = file.getInt(idKey);
        const auto tokens = file.getStringArray(tokensKey);
        if (id < 0 || uint64_t(id) >= tokens.size()) return std::nullopt; // -1 / UINT32_MAX: none
        return std::string(tokens[size_t(id)]);
    } catch (const std::exception&) { // an id too large for int64 or a malformed vocabulary
        return std::nullopt;
    }
}

} // namespace

std::optional<std::string> chatTemplate(const GgufFile& file) {
    const char* key = "tokenizer.chat_template";
    if (!file.has(key)) return std::nullopt;
    return file.getString(key);
}

ModelChatTemplate modelChatTemplate(const GgufFile& file) {
    return {chatTemplate(file), tokenText(file, "tokenizer.ggml.bos_token_id"),
            tokenText(file, "tokenizer.ggml.eos_token_id")};
}

} // namespace fabulist::inference::chat
