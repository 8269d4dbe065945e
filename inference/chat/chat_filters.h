#pragma once
// jinja2's filters (`x | name(args)`) and tests (`x is name args`) that chat templates use,
// with transformers' tojson (json.dumps with ensure_ascii=False). An unknown name throws
// ValueError naming it.

#include "inference/chat/chat_value.h"

#include <string>

namespace fabulist::inference::chat {

Value applyFilter(const std::string& name, const Value& subject, const CallArgs& args);
bool applyTest(const std::string& name, const Value& subject, const CallArgs& args);

} // namespace fabulist::inference::chat
