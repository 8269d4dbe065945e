#pragma once
// The values a chat template computes with: Python's None/bool/int/float/str/list/dict as jinja2
// sees them, plus jinja2's Undefined, namespace() objects and callables (macros, methods).

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fabulist::inference::chat {

class Value;
using List = std::vector<Value>;
using Dict = std::vector<std::pair<std::string, Value>>; // insertion order, as Python keeps it

// Positional and keyword arguments of a call.
struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keywords;
};
using Function = std::function<Value(const CallArgs&)>;

// A Python-level error (TypeError, UndefinedError ...); the renderer adds the template line.
class ValueError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Value {
public:
    enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Function };

    Value() = default; // Undefined
    // hint: the error a use of it raises ("'x' is undefined").
    static Value undefined(std::string hint = {});
    static Value none();
    Value(bool b);
    Value(int64_t i);
    Value(int i) : Value(int64_t(i)) {}
    Value(double f);
    Value(std::string s);
    Value(const char* s) : Value(std::string(s)) {}
    Value(List l);
    Value(Dict d);
    static Value tuple(List items); // a list that prints as Python prints a tuple
    static Value namespaceOf(Dict d);
    static Value function(Function f);

    Kind kind() const { return kind_; }
    bool isUndefined() const { return kind_ == Kind::Undefined; }
    bool isNone() const { return kind_ == Kind::None; }
    bool isString() const { return kind_ == Kind::String; }
    bool isNumber() const {
        return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool;
    }
    bool isList() const { return kind_ == Kind::List; }
    bool isTuple() const { return kind_ == Kind::List && tuple_; }
    bool isDict() const { return kind_ == Kind::Dict; } // a mapping, but not a namespace
    bool isMapping() const { return kind_ == Kind::Dict; }
    bool isNamespace() const { return kind_ == Kind::Namespace; }
    bool isFunction() const { return kind_ == Kind::Function; }

    bool boolean() const { return b_; }
    int64_t integer() const; // bool and int
    double number() const;   // bool, int and float
    const std::string& string() const { return s_; }
    // The error message for using an Undefined where a value is needed.
    std::string undefinedError() const { return s_.empty() ? "an undefined value was used" : s_; }
    const List& list() const { return *list_; }
    const Dict& dict() const { return *dict_; }  // Dict and Namespace
    Dict& mutableDict() const { return *dict_; } // namespace attribute assignment
    const Function& callable() const { return *fn_; }

    // dict lookup; nullptr when the key is absent (or this is no mapping).
    const Value* find(const std::string& key) const;

    bool truthy() const;
    std::string str() const;  // Python str(); Undefined -> ""
    std::string repr() const; // Python repr()
    std::string typeName() const;

private:
    Kind kind_ = Kind::Undefined;
    bool b_ = false;
    bool tuple_ = false;
    int64_t i_ = 0;
    double f_ = 0.0;
    std::string s_; // string, or the name of an undefined variable
    std::shared_ptr<List> list_;
    std::shared_ptr<Dict> dict_;
    std::shared_ptr<Function> fn_;
};

bool operator==(const Value& a, const Value& b); // Python ==
// Python <, for numbers, strings and lists; throws ValueError on other pairs.
bool lessThan(const Value& a, const Value& b);

std::string pythonFloat(double f); // repr() of a Python float

// json.dumps(value, ensure_ascii=False, indent, separators, sort_keys); indent < 0 = None.
struct JsonStyle {
    int indent = -1;
    std::string itemSeparator = ", ", keySeparator = ": ";
    bool sortKeys = false;
    bool ensureAscii = false; // non-ASCII as \uXXXX escapes
};
std::string toJson(const Value& value, const JsonStyle& style = {});
// Parses JSON text (objects keep their key order); throws ValueError naming the offset.
Value parseJson(const std::string& text);

// UTF-8 helpers: Python indexes strings by code point.
std::u32string toUtf32(const std::string& s);
std::string toUtf8(const std::u32string& s);

} // namespace fabulist::inference::chat
