#pragma once
// The error a chat template raises: a syntax or evaluation error naming the template line, or
// the template's own raise_exception(message).

#include <stdexcept>
#include <string>

namespace fabulist::inference::chat {

class TemplateError : public std::runtime_error {
public:
    // line 0: no line known. raised: the template called raise_exception(message).
    TemplateError(const std::string& message, int line, bool raised = false)
        : std::runtime_error(raised || line <= 0 ? message
                                                 : "line " + std::to_string(line) + ": " + message),
          message_(message), line_(line), raised_(raised) {}
    const std::string& message() const { return message_; }
    int line() const { return line_; }
    bool raisedByTemplate() const { return raised_; }

private:
    std::string message_;
    int line_;
    bool raised_;
};

} // namespace fabulist::inference::chat
