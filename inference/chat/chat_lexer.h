#pragma once
// Splits a chat template into tokens the way jinja2's lexer does with trim_blocks and
// lstrip_blocks on (as transformers' apply_chat_template sets them): text, {{ }} and {% %} tags
// with their whitespace control applied, comments dropped, and expression tokens inside tags.

#include <string>
#include <vector>

namespace fabulist::inference::chat {

struct Token {
    enum class Type {
        Text,       // template text, already trimmed
        VarBegin,   // {{
        VarEnd,     // }}
        BlockBegin, // {%
        BlockEnd,   // %}
        Name,
        String, // value unescaped
        Integer,
        Float,
        Operator, // + - * / // % ** ~ ( ) [ ] { } , . : | = == != < <= > >=
        End,
    };
    Type type;
    std::string value;
    int line;
};

struct LexOptions {
    bool trimBlocks = true;
    bool lstripBlocks = true;
    bool keepTrailingNewline = false;
};

// Throws TemplateError (chat_template.h) with the line of a malformed tag.
std::vector<Token> tokenizeTemplate(const std::string& source, const LexOptions& options = {});

} // namespace fabulist::inference::chat
