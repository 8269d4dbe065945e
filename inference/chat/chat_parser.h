#pragma once
// Parses chat template tokens into statements and expressions (jinja2's grammar and operator
// precedence). An unknown tag or a malformed expression throws TemplateError with its line.

#include "inference/chat/chat_ast.h"
#include "inference/chat/chat_lexer.h"

namespace fabulist::inference::chat {

Body parseTemplate(const std::vector<Token>& tokens);

} // namespace fabulist::inference::chat
