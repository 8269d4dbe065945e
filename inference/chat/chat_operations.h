#pragma once
// What jinja2 does with values: attribute and item access (Python methods of str and dict
// included), slicing, iteration, arithmetic and comparison. Errors throw ValueError.

#include "inference/chat/chat_value.h"

#include <string>

namespace fabulist::inference::chat {

Value getAttribute(const Value& object, const std::string& name);
Value getItem(const Value& object, const Value& key);
Value sliceOf(const Value& object, const Value& start, const Value& stop, const Value& step);
List iterate(const Value& v); // list items, dict keys, string characters; Undefined: none
int64_t lengthOf(const Value& v);
// + - * / // % ** ~ (and `in`, `notin`, == != < <= > >=) as Python and jinja2 define them.
Value binaryOperation(const std::string& op, const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);

// Python's str.strip family; chars empty = whitespace.
std::string stripped(const std::string& s, const std::string& chars, bool left, bool right);

} // namespace fabulist::inference::chat
