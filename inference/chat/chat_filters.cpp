#include "inference/chat/chat_filters.h"

#include "inference/chat/chat_operations.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace fabulist::inference::chat {

namespace {

const Value& arg(const CallArgs& args, size_t index, const char* keyword, const Value& fallback) {
    if (index < args.positional.size()) return args.positional[index];
    for (const auto& [k, v] : args.keywords)
        if (k == keyword) return v;
    return fallback;
}

// The arguments after the first `skip` positional ones, for a test or filter called by name.
CallArgs rest(const CallArgs& args, size_t skip) {
    CallArgs out;
    if (args.positional.size() > skip)
        out.positional.assign(args.positional.begin() + long(skip), args.positional.end());
    out.keywords = args.keywords;
    return out;
}

// jinja2's attribute getter: "a.b" and "0" walk items one part at a time.
Value attributePath(const Value& item, const std::string& path) {
    Value v = item;
    size_t start = 0;
    while (true) {
        const size_t dot = path.find('.', start);
        const std::string part =
            path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
        v = getItem(v, digits ? Value(int64_t(std::stoll(part))) : Value(part));
        if (dot == std::string::npos) return v;
        start = dot + 1;
    }
}

Value selectOrReject(const Value& subject, const CallArgs& args, bool select, bool byAttribute) {
    List out;
    const std::string attribute = byAttribute ? arg(args, 0, "attribute", Value("")).str() : "";
    const size_t testIndex = byAttribute ? 1 : 0;
    for (const Value& item : iterate(subject)) {
        const Value v = byAttribute ? attributePath(item, attribute) : item;
        const bool pass =
            args.positional.size() > testIndex
                ? applyTest(args.positional[testIndex].str(), v, rest(args, testIndex + 1))
                : v.truthy();
        if (pass == select) out.push_back(item);
    }
    return Value(out);
}

Value mapped(const Value& subject, const CallArgs& args) {
    List out;
    for (const Value& item : iterate(subject)) {
        if (args.positional.empty()) {
            Value v = attributePath(item, arg(args, 99, "attribute", Value("")).str());
            if (v.isUndefined()) v = arg(args, 99, "default", v);
            out.push_back(v);
        } else
            out.push_back(applyFilter(args.positional[0].str(), item, rest(args, 1)));
    }
    return Value(out);
}

Value joined(const Value& subject, const CallArgs& args) {
    const std::string separator = arg(args, 0, "d", Value("")).str();
    const Value attribute = arg(args, 1, "attribute", Value::none());
    std::string out;
    const List items = iterate(subject);
    for (size_t i = 0; i < items.size(); ++i)
        out += (i ? separator : "") +
               (attribute.isNone() ? items[i] : attributePath(items[i], attribute.str())).str();
    return Value(out);
}

Value tojson(const Value& subject, const CallArgs& args) {
    // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
    JsonStyle style;
    style.ensureAscii = arg(args, 0, "ensure_ascii", Value(false)).truthy();
    const Value& indent = arg(args, 1, "indent", Value::none());
    if (indent.isNumber())
        style.indent = int(indent.integer());
    else if (indent.isString())
        throw ValueError("tojson: a string indent is not supported");
    if (style.indent >= 0) style.itemSeparator = ",";
    const Value& separators = arg(args, 2, "separators", Value::none());
    if (separators.isList() && separators.list().size() == 2) {
        style.itemSeparator = separators.list()[0].str();
        style.keySeparator = separators.list()[1].str();
    }
    style.sortKeys = arg(args, 3, "sort_keys", Value(false)).truthy();
    return Value(toJson(subject, style));
}

std::string htmlEscaped(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&#34;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string indented(const std::string& s, const CallArgs& args) {
    const Value& width = arg(args, 0, "width", Value(int64_t(4)));
    const std::string pad =
        width.isString() ? width.string() : std::string(size_t(width.integer()), ' ');
    const bool first = arg(args, 1, "first", Value(false)).truthy();
    const bool blank = arg(args, 2, "blank", Value(false)).truthy();
    std::string out;
    size_t start = 0;
    bool isFirst = true;
    while (true) {
        const size_t nl = s.find('\n', start);
        const std::string line =
            s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if ((isFirst ? first : true) && (blank || !line.empty())) out += pad;
        out += line;
        if (nl == std::string::npos) return out;
        out += '\n';
        start = nl + 1;
        isFirst = false;
    }
}

Value sorted(const Value& subject, const CallArgs& args) {
    List items = iterate(subject);
    const bool reverse = arg(args, 0, "reverse", Value(false)).truthy();
    const Value attribute = arg(args, 2, "attribute", Value::none());
    auto key = [&](const Value& v) {
        return attribute.isNone() ? v : attributePath(v, attribute.str());
    };
    std::stable_sort(items.begin(), items.end(),
                     [&](const Value& a, const Value& b) { return lessThan(key(a), key(b)); });
    if (reverse) std::reverse(items.begin(), items.end());
    return Value(items);
}

Value extreme(const Value& subject, bool wantMax) {
    const List items = iterate(subject);
    if (items.empty()) return Value::undefined("no items");
    Value best = items[0];
    for (const Value& v : items)
        if (wantMax ? lessThan(best, v) : lessThan(v, best)) best = v;
    return best;
}

Value toInt(const Value& v, const CallArgs& args) {
    const Value fallback = arg(args, 0, "default", Value(int64_t(0)));
    if (v.isNumber()) return Value(v.integer());
    if (v.isString()) {
        try {
            size_t used = 0;
            const std::string s = stripped(v.string(), "", true, true);
            const double d = std::stod(s, &used);
            if (used == s.size()) return Value(int64_t(d));
        } catch (const std::exception&) {
        }
    }
    return fallback;
}

Value toFloat(const Value& v, const CallArgs& args) {
    const Value fallback = arg(args, 0, "default", Value(0.0));
    if (v.isNumber()) return Value(v.number());
    if (v.isString()) {
        try {
            size_t used = 0;
            const std::string s = stripped(v.string(), "", true, true);
            const double d = std::stod(s, &used);
            if (used == s.size()) return Value(d);
        } catch (const std::exception&) {
        }
    }
    return fallback;
}

using FilterFn = Value (*)(const Value&, const CallArgs&);

const std::map<std::string, FilterFn>& filters() {
    static const std::map<std::string, FilterFn> table = {
        {"trim",
         [](const Value& v, const CallArgs& a) {
             const Value& chars = arg(a, 0, "chars", Value::none());
             return Value(stripped(v.str(), chars.isString() ? chars.string() : "", true, true));
         }},
        {"length", [](const Value& v, const CallArgs&) { return Value(lengthOf(v)); }},
        {"count", [](const Value& v, const CallArgs&) { return Value(lengthOf(v)); }},
        {"upper",
         [](const Value& v, const CallArgs&) {
             return getAttribute(Value(v.str()), "upper").callable()({});
         }},
        {"lower",
         [](const Value& v, const CallArgs&) {
             return getAttribute(Value(v.str()), "lower").callable()({});
         }},
        {"title",
         [](const Value& v, const CallArgs&) {
             return getAttribute(Value(v.str()), "title").callable()({});
         }},
        {"capitalize",
         [](const Value& v, const CallArgs&) {
             return getAttribute(Value(v.str()), "capitalize").callable()({});
         }},
        {"items",
         [](const Value& v, const CallArgs&) {
             if (v.isUndefined()) return Value(List{});
             if (!v.isDict()) throw ValueError("items: the value is not a mapping");
             return getAttribute(v, "items").callable()({});
         }},
        {"selectattr",
         [](const Value& v, const CallArgs& a) { return selectOrReject(v, a, true, true); }},
        {"rejectattr",
         [](const Value& v, const CallArgs& a) { return selectOrReject(v, a, false, true); }},
        {"select",
         [](const Value& v, const CallArgs& a) { return selectOrReject(v, a, true, false); }},
        {"reject",
         [](const Value& v, const CallArgs& a) { return selectOrReject(v, a, false, false); }},
        {"map", mapped},
        {"join", joined},
        {"tojson", tojson},
        {"default",
         [](const Value& v, const CallArgs& a) {
             const bool boolean = arg(a, 1, "boolean", Value(false)).truthy();
             return (v.isUndefined() || (boolean && !v.truthy()))
                        ? arg(a, 0, "default_value", Value(""))
                        : v;
         }},
        {"first",
         [](const Value& v, const CallArgs&) {
             const List items = iterate(v);
             return items.empty() ? Value::undefined("no first item") : items.front();
         }},
        {"last",
         [](const Value& v, const CallArgs&) {
             const List items = iterate(v);
             return items.empty() ? Value::undefined("no last item") : items.back();
         }},
        {"list", [](const Value& v, const CallArgs&) { return Value(iterate(v)); }},
        {"string", [](const Value& v, const CallArgs&) { return Value(v.str()); }},
        {"int", toInt},
        {"float", toFloat},
        {"replace",
         [](const Value& v, const CallArgs& a) {
             return getAttribute(Value(v.str()), "replace").callable()(a);
         }},
        {"abs",
         [](const Value& v, const CallArgs&) {
             return v.kind() == Value::Kind::Float ? Value(std::fabs(v.number()))
                                                   : Value(int64_t(std::llabs(v.integer())));
         }},
        {"round",
         [](const Value& v, const CallArgs& a) {
             const double scale =
                 std::pow(10.0, double(arg(a, 0, "precision", Value(int64_t(0))).integer()));
             return Value(std::round(v.number() * scale) / scale);
         }},
        {"reverse",
         [](const Value& v, const CallArgs&) {
             return sliceOf(v, Value::none(), Value::none(), Value(int64_t(-1)));
         }},
        {"sort", sorted},
        {"unique",
         [](const Value& v, const CallArgs&) {
             List out;
             for (const Value& item : iterate(v))
                 if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
             return Value(out);
         }},
        {"sum",
         [](const Value& v, const CallArgs& a) {
             Value total = arg(a, 1, "start", Value(int64_t(0)));
             for (const Value& item : iterate(v)) total = binaryOperation("+", total, item);
             return total;
         }},
        {"min", [](const Value& v, const CallArgs&) { return extreme(v, false); }},
        {"max", [](const Value& v, const CallArgs&) { return extreme(v, true); }},
        {"safe", [](const Value& v, const CallArgs&) { return v; }},
        {"escape", [](const Value& v, const CallArgs&) { return Value(htmlEscaped(v.str())); }},
        {"e", [](const Value& v, const CallArgs&) { return Value(htmlEscaped(v.str())); }},
        {"indent", [](const Value& v, const CallArgs& a) { return Value(indented(v.str(), a)); }},
        {"wordcount",
         [](const Value& v, const CallArgs&) {
             return Value(
                 int64_t(getAttribute(Value(v.str()), "split").callable()({}).list().size()));
         }},
        {"dictsort",
         [](const Value& v, const CallArgs&) {
             List items = getAttribute(v, "items").callable()({}).list();
             std::stable_sort(items.begin(), items.end(), [](const Value& a, const Value& b) {
                 return lessThan(a.list()[0], b.list()[0]);
             });
             return Value(items);
         }},
    };
    return table;
}

} // namespace

Value applyFilter(const std::string& name, const Value& subject, const CallArgs& args) {
    const std::string canonical = name == "d" ? "default" : name;
    const auto found = filters().find(canonical);
    if (found == filters().end()) throw ValueError("unknown filter '" + name + "'");
    return found->second(subject, args);
}

bool applyTest(const std::string& name, const Value& v, const CallArgs& args) {
    const Value none = Value::none();
    const Value& other = arg(args, 0, "value", none);
    if (name == "defined") return !v.isUndefined();
    if (name == "undefined") return v.isUndefined();
    if (name == "none") return v.isNone();
    if (name == "boolean") return v.kind() == Value::Kind::Bool;
    if (name == "true") return v.kind() == Value::Kind::Bool && v.boolean();
    if (name == "false") return v.kind() == Value::Kind::Bool && !v.boolean();
    if (name == "integer") return v.kind() == Value::Kind::Int;
    if (name == "float") return v.kind() == Value::Kind::Float;
    if (name == "number") return v.isNumber();
    if (name == "string") return v.isString();
    if (name == "mapping") return v.isDict();
    // Undefined iterates as empty in jinja2, so it passes `iterable`.
    if (name == "iterable") return v.isUndefined() || v.isList() || v.isDict() || v.isString();
    if (name == "sequence") return v.isList() || v.isDict() || v.isString();
    if (name == "callable") return v.isFunction();
    if (name == "sameas") return v == other && v.kind() == other.kind();
    if (name == "equalto" || name == "eq" || name == "==") return v == other;
    if (name == "ne" || name == "!=") return !(v == other);
    if (name == "lt" || name == "lessthan" || name == "<") return lessThan(v, other);
    if (name == "gt" || name == "greaterthan" || name == ">") return lessThan(other, v);
    if (name == "le" || name == "<=") return lessThan(v, other) || v == other;
    if (name == "ge" || name == ">=") return lessThan(other, v) || v == other;
    if (name == "in") return contains(other, v);
    if (name == "odd") return v.integer() % 2 != 0;
    if (name == "even") return v.integer() % 2 == 0;
    if (name == "divisibleby") return other.integer() != 0 && v.integer() % other.integer() == 0;
    if (name == "lower")
        return v.isString() && getAttribute(v, "lower").callable()({}).string() == v.string();
    if (name == "upper")
        return v.isString() && getAttribute(v, "upper").callable()({}).string() == v.string();
    if (name == "escaped") return false;
    if (name == "filter") return filters().count(v.str()) > 0;
    throw ValueError("unknown test '" + name + "'");
}

} // namespace fabulist::inference::chat
