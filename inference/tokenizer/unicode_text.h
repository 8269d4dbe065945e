#pragma once
// The few Unicode facts the tokenizers need: UTF-8 decoding that never fails, UTF-8 encoding,
// and each code point's general-category group plus the White_Space property (the classes
// \p{L}, \p{N}, \p{P} and \s of the pre-tokenizer split patterns). The category data is a
// generated range table (unicode_table.cpp, made by gen_unicode_table.py).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fabulist::inference {

// General-category groups (first letter of the category; Cn separately, as "unassigned").
enum class UnicodeCategory : uint8_t {
    Unassigned = 0,
    Letter = 1,
    Number = 2,
    Punctuation = 3,
    Symbol = 4,
    Mark = 5,
    Separator = 6,
    Other = 7, // Cc, Cf, Co, Cs
};

// Flags of one code point: bits 0-2 the category, bit 3 White_Space.
struct CodepointFlags {
    uint8_t bits = 0;

    UnicodeCategory category() const { return UnicodeCategory(bits & 7u); }
    bool isLetter() const { return category() == UnicodeCategory::Letter; }
    bool isNumber() const { return category() == UnicodeCategory::Number; }
    bool isPunctuation() const { return category() == UnicodeCategory::Punctuation; }
    bool isWhitespace() const { return (bits & 8u) != 0; }
};

CodepointFlags codepointFlags(char32_t cp);

// One decoded code point. Bytes that are not valid UTF-8 (bad lead byte, truncated or overlong
// sequence, surrogate, > U+10FFFF) decode one at a time as kInvalidCodepoint with length 1, so
// every input decodes and the original bytes stay recoverable.
inline constexpr char32_t kInvalidCodepoint = 0xFFFFFFFFu;

struct DecodedCodepoint {
    char32_t cp;
    uint32_t length; // bytes consumed, 1..4
};

DecodedCodepoint decodeUtf8(std::string_view text, size_t pos);

// Appends the UTF-8 encoding of cp (which must be a valid scalar value).
void appendUtf8(std::string& out, char32_t cp);

// Length of the longest prefix of text that is complete UTF-8 when the rest may still be
// continued: only a valid but unfinished sequence at the very end is excluded.
size_t completeUtf8Prefix(std::string_view text);

} // namespace fabulist::inference
