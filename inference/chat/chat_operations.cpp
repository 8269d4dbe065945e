#include "inference/chat/chat_operations.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace fabulist::inference::chat {

namespace {

[[noreturn]] void typeError(const std::string& message) {
    throw ValueError(message);
}

const Value& argument(const CallArgs& args, size_t index, const char* keyword,
                      const Value& fallback) {
    if (index < args.positional.size()) return args.positional[index];
    for (const auto& [k, v] : args.keywords)
        if (k == keyword) return v;
    return fallback;
}

bool isPythonSpace(char32_t c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f) || c == 0x85 ||
           c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

std::string asciiCase(std::string s, bool upper) {
    for (char& c : s)
        c = char(upper ? std::toupper(static_cast<unsigned char>(c))
                       : std::tolower(static_cast<unsigned char>(c)));
    return s;
}

List split(const std::string& s, const Value& separator, int64_t maxSplit) {
    List out;
    if (separator.isNone() || separator.isUndefined()) { // runs of whitespace
        const std::u32string u = toUtf32(s);
        size_t i = 0;
        while (true) {
            while (i < u.size() && isPythonSpace(u[i])) ++i;
            if (i >= u.size()) break;
            if (maxSplit >= 0 && int64_t(out.size()) == maxSplit) {
                out.emplace_back(toUtf8(u.substr(i))); // Python keeps the trailing space here
                break;
            }
            size_t j = i;
            while (j < u.size() && !isPythonSpace(u[j])) ++j;
            out.emplace_back(toUtf8(u.substr(i, j - i)));
            i = j;
        }
        return out;
    }
    const std::string& sep = separator.string();
    if (sep.empty()) typeError("ValueError: empty separator");
    size_t start = 0;
    while (maxSplit < 0 || int64_t(out.size()) < maxSplit) {
        const size_t hit = s.find(sep, start);
        if (hit == std::string::npos) break;
        out.emplace_back(s.substr(start, hit - start));
        start = hit + sep.size();
    }
    out.emplace_back(s.substr(start));
    return out;
}

bool startsWith(const std::string& s, const Value& prefix, bool atEnd) {
    if (prefix.isList()) {
        for (const Value& p : prefix.list())
            if (startsWith(s, p, atEnd)) return true;
        return false;
    }
    if (!prefix.isString()) typeError("startswith/endswith takes a string or a tuple of strings");
    const std::string& p = prefix.string();
    if (p.size() > s.size()) return false;
    return s.compare(atEnd ? s.size() - p.size() : 0, p.size(), p) == 0;
}

std::string replaced(const std::string& s, const std::string& from, const std::string& to,
                     int64_t count) {
    std::string out;
    size_t start = 0;
    int64_t done = 0;
    if (from.empty()) return s; // Python inserts `to` between characters; no template needs it
    for (size_t hit;
         (count < 0 || done < count) && (hit = s.find(from, start)) != std::string::npos; ++done) {
        out += s.substr(start, hit - start) + to;
        start = hit + from.size();
    }
    return out + s.substr(start);
}

std::string titled(const std::string& s) {
    std::string out = s;
    bool startOfWord = true;
    for (char& c : out) {
        const bool letter = std::isalpha(static_cast<unsigned char>(c));
        if (letter)
            c = char(startOfWord ? std::toupper(static_cast<unsigned char>(c))
                                 : std::tolower(static_cast<unsigned char>(c)));
        startOfWord = !letter;
    }
    return out;
}

Value stringMethod(const std::string& self, const std::string& name) {
    static const Value none = Value::none();
    auto method = [](auto body) { return Value::function(body); };
    if (name == "startswith" || name == "endswith")
        return method([self, atEnd = name == "endswith"](const CallArgs& a) {
            return Value(startsWith(self, argument(a, 0, "prefix", none), atEnd));
        });
    if (name == "strip" || name == "lstrip" || name == "rstrip")
        return method([self, name](const CallArgs& a) {
            const Value& chars = argument(a, 0, "chars", none);
            return Value(stripped(self, chars.isString() ? chars.string() : "", name != "rstrip",
                                  name != "lstrip"));
        });
    if (name == "split")
        return method([self](const CallArgs& a) {
            const Value max = argument(a, 1, "maxsplit", Value(int64_t(-1)));
            return Value(split(self, argument(a, 0, "sep", none), max.integer()));
        });
    if (name == "upper" || name == "lower")
        return method(
            [self, up = name == "upper"](const CallArgs&) { return Value(asciiCase(self, up)); });
    if (name == "title") return method([self](const CallArgs&) { return Value(titled(self)); });
    if (name == "capitalize")
        return method([self](const CallArgs&) {
            std::string s = asciiCase(self, false);
            if (!s.empty()) s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
            return Value(s);
        });
    if (name == "replace")
        return method([self](const CallArgs& a) {
            const Value count = argument(a, 2, "count", Value(int64_t(-1)));
            return Value(replaced(self, argument(a, 0, "old", none).str(),
                                  argument(a, 1, "new", none).str(), count.integer()));
        });
    if (name == "find")
        return method([self](const CallArgs& a) {
            const size_t hit = self.find(argument(a, 0, "sub", none).str());
            return Value(hit == std::string::npos ? int64_t(-1)
                                                  : int64_t(toUtf32(self.substr(0, hit)).size()));
        });
    if (name == "count")
        return method([self](const CallArgs& a) {
            const std::string sub = argument(a, 0, "sub", none).str();
            int64_t n = 0;
            for (size_t p = self.find(sub); !sub.empty() && p != std::string::npos;
                 p = self.find(sub, p + sub.size()))
                ++n;
            return Value(n);
        });
    if (name == "join")
        return method([self](const CallArgs& a) {
            std::string out;
            const List items = iterate(argument(a, 0, "iterable", none));
            for (size_t i = 0; i < items.size(); ++i) out += (i ? self : "") + items[i].str();
            return Value(out);
        });
    if (name == "isdigit" || name == "isspace" || name == "isalpha" || name == "isalnum")
        return method([self, name](const CallArgs&) {
            if (self.empty()) return Value(false);
            for (unsigned char c : self) {
                const bool ok = name == "isdigit"   ? std::isdigit(c)
                                : name == "isspace" ? std::isspace(c)
                                : name == "isalpha" ? std::isalpha(c)
                                                    : std::isalnum(c);
                if (!ok) return Value(false);
            }
            return Value(true);
        });
    return Value::undefined("'str object' has no attribute '" + name + "'");
}

List pairs(const Value& dict) {
    List out;
    for (const auto& [k, v] : dict.dict()) out.push_back(Value::tuple({Value(k), v}));
    return out;
}

Value dictMethod(const Value& self, const std::string& name) {
    auto method = [](auto body) { return Value::function(body); };
    if (name == "items") return method([self](const CallArgs&) { return Value(pairs(self)); });
    if (name == "keys")
        return method([self](const CallArgs&) {
            List out;
            for (const auto& kv : self.dict()) out.emplace_back(kv.first);
            return Value(out);
        });
    if (name == "values")
        return method([self](const CallArgs&) {
            List out;
            for (const auto& kv : self.dict()) out.push_back(kv.second);
            return Value(out);
        });
    if (name == "get")
        return method([self](const CallArgs& a) {
            static const Value none = Value::none();
            const Value* found = self.find(argument(a, 0, "key", none).str());
            return found ? *found : argument(a, 1, "default", none);
        });
    return Value::undefined();
}

int64_t normalizedIndex(int64_t i, int64_t size) {
    return i < 0 ? i + size : i;
}

} // namespace

std::string stripped(const std::string& s, const std::string& chars, bool left, bool right) {
    const std::u32string u = toUtf32(s);
    const std::u32string set = toUtf32(chars);
    auto strips = [&](char32_t c) {
        return chars.empty() ? isPythonSpace(c) : set.find(c) != std::u32string::npos;
    };
    size_t begin = 0, end = u.size();
    while (left && begin < end && strips(u[begin])) ++begin;
    while (right && end > begin && strips(u[end - 1])) --end;
    return toUtf8(u.substr(begin, end - begin));
}

Value getAttribute(const Value& object, const std::string& name) {
    switch (object.kind()) {
    case Value::Kind::Undefined:
        throw ValueError(object.undefinedError());
    case Value::Kind::String:
        return stringMethod(object.string(), name);
    case Value::Kind::Dict: {
        Value method = dictMethod(object, name);
        if (!method.isUndefined()) return method;
        [[fallthrough]];
    }
    case Value::Kind::Namespace:
        if (const Value* v = object.find(name)) return *v;
        return Value::undefined("'" + object.typeName() + " object' has no attribute '" + name +
                                "'");
    default:
        return Value::undefined("'" + object.typeName() + " object' has no attribute '" + name +
                                "'");
    }
}

Value getItem(const Value& object, const Value& key) {
    if (object.isUndefined()) throw ValueError(object.undefinedError());
    if ((object.isDict() || object.isNamespace()) && key.isString()) {
        if (const Value* v = object.find(key.string())) return *v;
        if (object.isDict()) return getAttribute(object, key.string());
        return Value::undefined("'" + object.typeName() + " object' has no attribute '" +
                                key.string() + "'");
    }
    if ((object.isList() || object.isString()) && key.isNumber() &&
        key.kind() != Value::Kind::Float) {
        const List items = object.isList() ? object.list() : iterate(object);
        const int64_t i = normalizedIndex(key.integer(), int64_t(items.size()));
        if (i >= 0 && i < int64_t(items.size())) return items[size_t(i)];
        return Value::undefined(object.typeName() + " index out of range");
    }
    if (key.isString()) return getAttribute(object, key.string());
    return Value::undefined("'" + object.typeName() + " object' has no item " + key.repr());
}

Value sliceOf(const Value& object, const Value& start, const Value& stop, const Value& step) {
    if (!object.isList() && !object.isString())
        throw ValueError("'" + object.typeName() + "' object is not subscriptable");
    const List items = object.isList() ? object.list() : iterate(object);
    const int64_t size = int64_t(items.size());
    const int64_t by = step.isNumber() ? step.integer() : 1;
    if (by == 0) throw ValueError("slice step cannot be zero");
    auto bound = [&](const Value& v, int64_t fallback) {
        if (!v.isNumber()) return fallback;
        int64_t i = normalizedIndex(v.integer(), size);
        return by > 0 ? std::clamp<int64_t>(i, 0, size) : std::clamp<int64_t>(i, -1, size - 1);
    };
    const int64_t from = bound(start, by > 0 ? 0 : size - 1);
    const int64_t to = bound(stop, by > 0 ? size : -1);
    List out;
    for (int64_t i = from; by > 0 ? i < to : i > to; i += by) out.push_back(items[size_t(i)]);
    if (object.isList()) return Value(out);
    std::string s;
    for (const Value& c : out) s += c.string();
    return Value(s);
}

List iterate(const Value& v) {
    switch (v.kind()) {
    case Value::Kind::Undefined:
        return {};
    case Value::Kind::List:
        return v.list();
    case Value::Kind::Dict: {
        List keys;
        for (const auto& kv : v.dict()) keys.emplace_back(kv.first);
        return keys;
    }
    case Value::Kind::String: {
        List chars;
        for (char32_t c : toUtf32(v.string())) chars.emplace_back(toUtf8(std::u32string(1, c)));
        return chars;
    }
    default:
        throw ValueError("'" + v.typeName() + "' object is not iterable");
    }
}

int64_t lengthOf(const Value& v) {
    switch (v.kind()) {
    case Value::Kind::Undefined:
        return 0;
    case Value::Kind::String:
        return int64_t(toUtf32(v.string()).size());
    case Value::Kind::List:
        return int64_t(v.list().size());
    case Value::Kind::Dict:
        return int64_t(v.dict().size());
    default:
        throw ValueError("object of type '" + v.typeName() + "' has no len()");
    }
}

bool contains(const Value& container, const Value& item) {
    if (container.isString()) {
        if (!item.isString()) throw ValueError("'in <string>' requires string as left operand");
        return container.string().find(item.string()) != std::string::npos;
    }
    if (container.isDict() || container.isNamespace())
        return item.isString() && container.find(item.string());
    for (const Value& v : iterate(container))
        if (v == item) return true;
    return false;
}

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
    if (a.isUndefined() || b.isUndefined()) {
        const Value& u = a.isUndefined() ? a : b;
        throw ValueError(u.undefinedError());
    }
    throw ValueError("unsupported operand type(s) for " + op + ": '" + a.typeName() + "' and '" +
                     b.typeName() + "'");
}

Value repeated(const Value& sequence, int64_t times) {
    if (sequence.isString()) {
        std::string out;
        for (int64_t i = 0; i < times; ++i) out += sequence.string();
        return Value(out);
    }
    List out;
    for (int64_t i = 0; i < times; ++i)
        out.insert(out.end(), sequence.list().begin(), sequence.list().end());
    return Value(out);
}

Value arithmetic(const std::string& op, const Value& a, const Value& b) {
    const bool ints = a.kind() != Value::Kind::Float && b.kind() != Value::Kind::Float;
    const double x = a.number(), y = b.number();
    if (op == "+") return ints ? Value(a.integer() + b.integer()) : Value(x + y);
    if (op == "-") return ints ? Value(a.integer() - b.integer()) : Value(x - y);
    if (op == "*") return ints ? Value(a.integer() * b.integer()) : Value(x * y);
    if (y == 0 && op != "**") throw ValueError("ZeroDivisionError: division by zero");
    if (op == "/") return Value(x / y);
    if (op == "//") {
        if (!ints) return Value(std::floor(x / y));
        const int64_t q = a.integer() / b.integer();
        return Value((a.integer() % b.integer() != 0 && ((a.integer() < 0) != (b.integer() < 0)))
                         ? q - 1
                         : q);
    }
    if (op == "%") {
        if (!ints) return Value(x - std::floor(x / y) * y);
        const int64_t r = a.integer() % b.integer();
        return Value(r != 0 && ((r < 0) != (b.integer() < 0)) ? r + b.integer() : r);
    }
    if (ints && b.integer() >= 0) {
        int64_t r = 1;
        for (int64_t i = 0; i < b.integer(); ++i) r *= a.integer();
        return Value(r);
    }
    return Value(std::pow(x, y));
}

} // namespace

Value binaryOperation(const std::string& op, const Value& a, const Value& b) {
    if (op == "~") return Value(a.str() + b.str());
    if (op == "==") return Value(a == b);
    if (op == "!=") return Value(!(a == b));
    if (op == "<") return Value(lessThan(a, b));
    if (op == ">") return Value(lessThan(b, a));
    if (op == "<=") return Value(lessThan(a, b) || a == b);
    if (op == ">=") return Value(lessThan(b, a) || a == b);
    if (op == "in") return Value(contains(b, a));
    if (op == "notin") return Value(!contains(b, a));
    if (a.isNumber() && b.isNumber()) return arithmetic(op, a, b);
    if (op == "+" && a.isString() && b.isString()) return Value(a.string() + b.string());
    if (op == "+" && a.isList() && b.isList()) {
        List out = a.list();
        out.insert(out.end(), b.list().begin(), b.list().end());
        return Value(out);
    }
    if (op == "*" && (a.isString() || a.isList()) && b.isNumber() && b.kind() != Value::Kind::Float)
        return repeated(a, b.integer());
    if (op == "*" && (b.isString() || b.isList()) && a.isNumber() && a.kind() != Value::Kind::Float)
        return repeated(b, a.integer());
    unsupported(op, a, b);
}

} // namespace fabulist::inference::chat
