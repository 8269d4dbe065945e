#pragma once
// EngineError: the exception every layer of the inference library throws for a problem a user
// can cause (bad file, unsupported architecture, unknown device, out-of-range token, a model
// that does not fit). The message names the file and what to do. It lives at the bottom of
// inference/ so that gguf/, model/, backend/ and heads/ can throw it without including the
// engine above them.

#include <stdexcept>

namespace fabulist::inference {

class EngineError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace fabulist::inference
