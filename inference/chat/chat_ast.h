#pragma once
// The parsed form of a chat template: expressions and statements, each with its source line.

#include "inference/chat/chat_value.h"

#include <memory>
#include <string>
#include <vector>

namespace fabulist::inference::chat {

struct Expr;
using ExprPtr = std::shared_ptr<Expr>;

struct Expr {
    enum class Kind {
        Literal,  // literal
        Name,     // name
        ListLit,  // items; name "tuple" for (a, b)
        DictLit,  // items: key, value, key, value ...
        Attr,     // items[0].name
        Item,     // items[0][items[1]]
        Slice,    // items[0][items[1]:items[2]:items[3]] (null parts absent)
        Call,     // items[0](items[1..], keywords)
        Filter,   // items[0] | name(items[1..], keywords)
        Test,     // items[0] is [not] name(items[1..])
        Not,      // not items[0]
        Negate,   // -items[0]
        Binary,   // items[0] name items[1]: + - * / // % ** ~ and or in notin
        Compare,  // items[0] ops[0] items[1] ops[1] items[2] ...
        Condition // items[0] if items[1] else items[2] (items[2] may be null)
    };
    Kind kind;
    int line = 0;
    Value literal;
    std::string name;
    std::vector<ExprPtr> items;
    std::vector<std::pair<std::string, ExprPtr>> keywords;
    std::vector<std::string> ops;
    bool negated = false; // `is not`
};

struct Node;
using NodePtr = std::shared_ptr<Node>;
using Body = std::vector<NodePtr>;

struct Node {
    enum class Kind { Text, Output, If, For, Set, SetBlock, Macro, CallBlock, Break, Continue };
    Kind kind;
    int line = 0;
    std::string text; // Text
    ExprPtr expr;     // Output, Set's value, For's iterable, CallBlock's call (body = caller())
    std::vector<ExprPtr> conditions;  // If: one per if/elif branch; For: the optional filter
    std::vector<Body> bodies;         // If: one per branch, then else; For: body, else
    std::vector<std::string> targets; // For/Set: names unpacked into; Set `ns.attr`: {ns, attr}
    bool attributeTarget = false;     // Set: targets = {namespace, attribute}
    std::string name;                 // Macro name
    std::vector<std::pair<std::string, ExprPtr>> params; // Macro parameters, default or null
};

} // namespace fabulist::inference::chat
