#pragma once
// Pre-tokenizers of byte-level BPE models: split text into the pieces ("words") that BPE merges
// never cross. Each kind is a hand-written scanner that behaves exactly like its split regex
// (leftmost match, alternatives tried in order, as llama.cpp applies them), including the
// Unicode classes and the look-ahead in \s+(?!\S) that std::regex cannot express.

#include "inference/tokenizer/unicode_text.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fabulist::inference {

enum class PreTokenizerKind {
    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    Gpt2,
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
    // \s*[\r\n]+|\s+(?!\S)|\s+
    Llama3,
    // As Llama3, but numbers split into single digits (\p{N} instead of \p{N}{1,3}).
    Qwen2,
    // llama.cpp's fallback: [\p{P}\$\+<=>\^~\|]+ then the GPT-2 pattern, then \p{N}+, then
    // [0-9][0-9][0-9], each splitting the pieces of the previous one.
    Default,
};

// Maps a `tokenizer.ggml.pre` value to its kind; nullopt for names we do not implement.
std::optional<PreTokenizerKind> preTokenizerFromName(std::string_view name);

// Whether a pre-token that is itself a vocabulary entry skips merging (llama.cpp's
// ignore_merges, set for the LLaMA-3 pre-tokenizer).
bool preTokenizerIgnoresMerges(PreTokenizerKind kind);

class PreTokenizer {
public:
    explicit PreTokenizer(PreTokenizerKind kind) : m_kind(kind) {}
    PreTokenizerKind kind() const { return m_kind; }

    // Splits text into consecutive, non-empty pieces that cover it exactly; appends them to
    // `pieces` (views into text). Bytes that are not valid UTF-8 count as symbol characters.
    void split(std::string_view text, std::vector<std::string_view>& pieces) const;

private:
    struct Codepoints {
        std::vector<char32_t> cp;
        std::vector<CodepointFlags> flags;
        std::vector<uint32_t> offset; // byte offset of each code point, plus one past the end
    };
    void scanGpt2(const Codepoints& t, uint32_t begin, uint32_t end,
                  std::vector<uint32_t>& ends) const;
    void scanLlama3(const Codepoints& t, uint32_t begin, uint32_t end, uint32_t maxDigits,
                    std::vector<uint32_t>& ends) const;

    PreTokenizerKind m_kind;
};

} // namespace fabulist::inference
