// JSON in and out of chat template values: json.dumps as transformers' tojson filter calls it
// (ensure_ascii=False), and a parser for conversations and --var values.
#include "inference/chat/chat_value.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace fabulist::inference::chat {

namespace {

std::string asciiEscaped(const std::string& s) {
    std::string out;
    for (char32_t cp : toUtf32(s)) {
        if (cp < 0x80) {
            out += char(cp);
            continue;
        }
        char buf[16];
        if (cp >= 0x10000) {
            cp -= 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", unsigned(0xD800 + (cp >> 10)),
                          unsigned(0xDC00 + (cp & 0x3FF)));
        } else
            std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(cp));
        out += buf;
    }
    return out;
}

std::string jsonString(const std::string& s, bool ensureAscii) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else
                out += char(c);
        }
    }
    out += "\"";
    return ensureAscii ? asciiEscaped(out) : out;
}

void dump(const Value& v, const JsonStyle& style, int depth, std::string& out) {
    const std::string newline =
        style.indent < 0 ? "" : "\n" + std::string(size_t(style.indent) * size_t(depth + 1), ' ');
    const std::string closing =
        style.indent < 0 ? "" : "\n" + std::string(size_t(style.indent) * size_t(depth), ' ');
    switch (v.kind()) {
    case Value::Kind::None:
        out += "null";
        return;
    case Value::Kind::Bool:
        out += v.boolean() ? "true" : "false";
        return;
    case Value::Kind::Int:
        out += std::to_string(v.integer());
        return;
    case Value::Kind::Float: {
        const std::string f = pythonFloat(v.number());
        out += f == "nan" ? "NaN" : f == "inf" ? "Infinity" : f == "-inf" ? "-Infinity" : f;
        return;
    }
    case Value::Kind::String:
        out += jsonString(v.string(), style.ensureAscii);
        return;
    case Value::Kind::List:
        if (v.list().empty()) {
            out += "[]";
            return;
        }
        out += "[";
        for (size_t i = 0; i < v.list().size(); ++i) {
            out += (i ? style.itemSeparator : "") + newline;
            dump(v.list()[i], style, depth + 1, out);
        }
        out += closing + "]";
        return;
    case Value::Kind::Dict: {
        if (v.dict().empty()) {
            out += "{}";
            return;
        }
        std::vector<const std::pair<std::string, Value>*> items;
        for (const auto& item : v.dict()) items.push_back(&item);
        if (style.sortKeys)
            std::stable_sort(items.begin(), items.end(),
                             [](auto* a, auto* b) { return a->first < b->first; });
        out += "{";
        for (size_t i = 0; i < items.size(); ++i) {
            out += (i ? style.itemSeparator : "") + newline +
                   jsonString(items[i]->first, style.ensureAscii) + style.keySeparator;
            dump(items[i]->second, style, depth + 1, out);
        }
        out += closing + "}";
        return;
    }
    default:
        throw ValueError("Object of type " + v.typeName() + " is not JSON serializable");
    }
}

class JsonParser {
public:
    explicit JsonParser(const std::string& text) : s_(text) {}

    Value document() {
        Value v = value();
        skipSpace();
        if (pos_ != s_.size()) fail("trailing characters");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string& what) {
        throw ValueError("JSON: " + what + " at offset " + std::to_string(pos_));
    }
    void skipSpace() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
            ++pos_;
    }
    bool literal(const char* word) {
        const std::string w(word);
        if (s_.compare(pos_, w.size(), w) != 0) return false;
        pos_ += w.size();
        return true;
    }
    Value value() {
        skipSpace();
        if (pos_ >= s_.size()) fail("unexpected end");
        const char c = s_[pos_];
        if (c == '{') return object();
        if (c == '[') return array();
        if (c == '"') return Value(string());
        if (literal("true")) return Value(true);
        if (literal("false")) return Value(false);
        if (literal("null")) return Value::none();
        return numberValue();
    }
    Value object() {
        ++pos_;
        Dict d;
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return Value(std::move(d));
        }
        while (true) {
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a key");
            std::string key = string();
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':'");
            ++pos_;
            Value v = value();
            auto same = std::find_if(d.begin(), d.end(), [&](auto& kv) { return kv.first == key; });
            if (same != d.end())
                same->second = std::move(v); // the last duplicate wins, as in Python
            else
                d.emplace_back(std::move(key), std::move(v));
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                return Value(std::move(d));
            }
            fail("expected ',' or '}'");
        }
    }
    Value array() {
        ++pos_;
        List l;
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            return Value(std::move(l));
        }
        while (true) {
            l.push_back(value());
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                return Value(std::move(l));
            }
            fail("expected ',' or ']'");
        }
    }
    unsigned hex4() {
        if (pos_ + 4 > s_.size()) fail("short \\u escape");
        const unsigned v = unsigned(std::stoul(s_.substr(pos_, 4), nullptr, 16));
        pos_ += 4;
        return v;
    }
    std::string string() {
        ++pos_;
        std::string raw;
        while (true) {
            if (pos_ >= s_.size()) fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"') break;
            if (c != '\\') {
                raw += c;
                continue;
            }
            if (pos_ >= s_.size()) fail("unterminated escape");
            const char e = s_[pos_++];
            switch (e) {
            case 'n':
                raw += '\n';
                break;
            case 't':
                raw += '\t';
                break;
            case 'r':
                raw += '\r';
                break;
            case 'b':
                raw += '\b';
                break;
            case 'f':
                raw += '\f';
                break;
            case 'u': {
                char32_t code = hex4();
                if (code >= 0xD800 && code < 0xDC00 && s_.compare(pos_, 2, "\\u") == 0) {
                    pos_ += 2;
                    code = 0x10000 + ((code - 0xD800) << 10) + (hex4() - 0xDC00);
                }
                raw += toUtf8(std::u32string(1, code));
                break;
            }
            default:
                raw += e;
            }
        }
        return raw;
    }
    Value numberValue() {
        const size_t start = pos_;
        bool isFloat = false;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        while (pos_ < s_.size() &&
               (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
                s_[pos_] == 'e' || s_[pos_] == 'E' || s_[pos_] == '+' || s_[pos_] == '-')) {
            isFloat = isFloat || !std::isdigit(static_cast<unsigned char>(s_[pos_]));
            ++pos_;
        }
        if (pos_ == start) fail("unexpected character");
        const std::string text = s_.substr(start, pos_ - start);
        if (isFloat) return Value(std::stod(text));
        return Value(int64_t(std::stoll(text)));
    }

    const std::string& s_;
    size_t pos_ = 0;
};

} // namespace

std::string toJson(const Value& value, const JsonStyle& style) {
    std::string out;
    dump(value, style, 0, out);
    return out;
}

Value parseJson(const std::string& text) {
    return JsonParser(text).document();
}

} // namespace fabulist::inference::chat
