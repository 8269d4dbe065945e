#include "inference/chat/chat_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace fabulist::inference::chat {

Value Value::undefined(std::string hint) {
    Value v;
    v.s_ = std::move(hint);
    return v;
}
Value Value::none() {
    Value v;
    v.kind_ = Kind::None;
    return v;
}
Value::Value(bool b) : kind_(Kind::Bool), b_(b) {}
Value::Value(int64_t i) : kind_(Kind::Int), i_(i) {}
Value::Value(double f) : kind_(Kind::Float), f_(f) {}
Value::Value(std::string s) : kind_(Kind::String), s_(std::move(s)) {}
Value::Value(List l) : kind_(Kind::List), list_(std::make_shared<List>(std::move(l))) {}
Value::Value(Dict d) : kind_(Kind::Dict), dict_(std::make_shared<Dict>(std::move(d))) {}
Value Value::tuple(List items) {
    Value v(std::move(items));
    v.tuple_ = true;
    return v;
}
Value Value::namespaceOf(Dict d) {
    Value v(std::move(d));
    v.kind_ = Kind::Namespace;
    return v;
}
Value Value::function(Function f) {
    Value v;
    v.kind_ = Kind::Function;
    v.fn_ = std::make_shared<Function>(std::move(f));
    return v;
}

int64_t Value::integer() const {
    if (kind_ == Kind::Bool) return b_ ? 1 : 0;
    if (kind_ == Kind::Float) return int64_t(f_);
    return i_;
}
double Value::number() const {
    if (kind_ == Kind::Float) return f_;
    return double(integer());
}

const Value* Value::find(const std::string& key) const {
    if (kind_ != Kind::Dict && kind_ != Kind::Namespace) return nullptr;
    for (const auto& [k, v] : *dict_)
        if (k == key) return &v;
    return nullptr;
}

bool Value::truthy() const {
    switch (kind_) {
    case Kind::Undefined:
    case Kind::None:
        return false;
    case Kind::Bool:
        return b_;
    case Kind::Int:
        return i_ != 0;
    case Kind::Float:
        return f_ != 0.0;
    case Kind::String:
        return !s_.empty();
    case Kind::List:
        return !list_->empty();
    case Kind::Dict:
        return !dict_->empty();
    default:
        return true;
    }
}

std::string pythonFloat(double f) {
    if (std::isnan(f)) return "nan";
    if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
    std::string sci(buf, end); // d.ddde±XX, shortest round trip
    const size_t e = sci.find('e');
    const int exponent = std::stoi(sci.substr(e + 1));
    std::string digits = sci.substr(0, e);
    const bool negative = digits[0] == '-';
    if (negative) digits.erase(0, 1);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    std::string out = negative ? "-" : "";
    if (exponent < -4 || exponent >= 16) { // Python's repr switches to exponent notation here
        out += digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        char ex[16];
        std::snprintf(ex, sizeof ex, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        return out + ex;
    }
    if (exponent < 0) return out + "0." + std::string(size_t(-exponent - 1), '0') + digits;
    if (digits.size() <= size_t(exponent) + 1)
        return out + digits + std::string(size_t(exponent) + 1 - digits.size(), '0') + ".0";
    return out + digits.substr(0, size_t(exponent) + 1) + "." + digits.substr(size_t(exponent) + 1);
}

namespace {

std::string reprString(const std::string& s) {
    const bool useDouble = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char quote = useDouble ? '"' : '\'';
    std::string out(1, quote);
    for (unsigned char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c == quote)
            out += std::string("\\") + char(c);
        else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else
            out += char(c);
    }
    return out + quote;
}

} // namespace

std::string Value::str() const {
    switch (kind_) {
    case Kind::Undefined:
        return "";
    case Kind::String:
        return s_;
    default:
        return repr();
    }
}

std::string Value::repr() const {
    switch (kind_) {
    case Kind::Undefined:
        return "";
    case Kind::None:
        return "None";
    case Kind::Bool:
        return b_ ? "True" : "False";
    case Kind::Int:
        return std::to_string(i_);
    case Kind::Float:
        return pythonFloat(f_);
    case Kind::String:
        return reprString(s_);
    case Kind::List: {
        std::string out = tuple_ ? "(" : "[";
        for (size_t i = 0; i < list_->size(); ++i) out += (i ? ", " : "") + (*list_)[i].repr();
        if (tuple_) return out + (list_->size() == 1 ? ",)" : ")");
        return out + "]";
    }
    case Kind::Dict:
    case Kind::Namespace: {
        std::string out = kind_ == Kind::Namespace ? "<Namespace {" : "{";
        for (size_t i = 0; i < dict_->size(); ++i)
            out +=
                (i ? ", " : "") + reprString((*dict_)[i].first) + ": " + (*dict_)[i].second.repr();
        return out + (kind_ == Kind::Namespace ? "}>" : "}");
    }
    case Kind::Function:
        return "<function>";
    }
    return "";
}

std::string Value::typeName() const {
    static const char* names[] = {"Undefined", "NoneType", "bool", "int",       "float",
                                  "str",       "list",     "dict", "Namespace", "function"};
    return names[int(kind_)];
}

bool operator==(const Value& a, const Value& b) {
    if (a.isNumber() && b.isNumber()) {
        if (a.kind() == Value::Kind::Float || b.kind() == Value::Kind::Float)
            return a.number() == b.number();
        return a.integer() == b.integer();
    }
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None:
        return true;
    case Value::Kind::String:
        return a.string() == b.string();
    case Value::Kind::List:
        return a.list() == b.list();
    case Value::Kind::Dict: {
        if (a.dict().size() != b.dict().size()) return false;
        for (const auto& [k, v] : a.dict()) {
            const Value* other = b.find(k);
            if (!other || !(*other == v)) return false;
        }
        return true;
    }
    default:
        return &a.dict() == &b.dict();
    }
}

bool lessThan(const Value& a, const Value& b) {
    if (a.isNumber() && b.isNumber()) return a.number() < b.number();
    if (a.isString() && b.isString())
        return a.string() < b.string(); // UTF-8 keeps code point order
    if (a.isList() && b.isList())
        return std::lexicographical_compare(a.list().begin(), a.list().end(), b.list().begin(),
                                            b.list().end(), lessThan);
    throw ValueError("'<' not supported between instances of '" + a.typeName() + "' and '" +
                     b.typeName() + "'");
}

std::u32string toUtf32(const std::string& s) {
    std::u32string out;
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
        char32_t cp = extra == 0   ? c
                      : extra == 1 ? (c & 0x1F)
                      : extra == 2 ? (c & 0x0F)
                                   : (c & 0x07);
        for (int k = 1; k <= extra && i + size_t(k) < s.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + size_t(k)]) & 0x3F);
        out += cp;
        i += size_t(extra) + 1;
    }
    return out;
}

std::string toUtf8(const std::u32string& s) {
    std::string out;
    for (char32_t cp : s) {
        if (cp < 0x80)
            out += char(cp);
        else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

} // namespace fabulist::inference::chat
