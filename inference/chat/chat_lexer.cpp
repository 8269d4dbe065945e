#include "inference/chat/chat_lexer.h"

#include "inference/chat/chat_error.h"
#include "inference/chat/chat_value.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace fabulist::inference::chat {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
           (c >= 0x1c && c <= 0x1f);
}

std::string rstripped(const std::string& s) {
    size_t end = s.size();
    while (end > 0 && isSpace(s[end - 1])) --end;
    return s.substr(0, end);
}

std::string normalizedNewlines(const std::string& source, bool keepTrailingNewline) {
    std::string out;
    for (size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            out += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        } else
            out += source[i];
    }
    if (!keepTrailingNewline && !out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// A Python string literal's body, unescaped as jinja2 does (unicode-escape).
std::string unescape(const std::string& body) {
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] != '\\' || i + 1 == body.size()) {
            out += body[i];
            continue;
        }
        const char e = body[++i];
        auto codePoint = [&](size_t digits) {
            const std::string hex = body.substr(i + 1, digits);
            i += digits;
            out += toUtf8(std::u32string(1, char32_t(std::stoul(hex, nullptr, 16))));
        };
        switch (e) {
        case '\n':
            break; // a line continuation
        case '\\':
            out += '\\';
            break;
        case '\'':
            out += '\'';
            break;
        case '"':
            out += '"';
            break;
        case 'a':
            out += '\a';
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'v':
            out += '\v';
            break;
        case 'x':
            codePoint(2);
            break;
        case 'u':
            codePoint(4);
            break;
        case 'U':
            codePoint(8);
            break;
        default:
            if (e >= '0' && e <= '7') {
                size_t n = 1;
                while (n < 3 && i + n < body.size() && body[i + n] >= '0' && body[i + n] <= '7')
                    ++n;
                out +=
                    toUtf8(std::u32string(1, char32_t(std::stoul(body.substr(i, n), nullptr, 8))));
                i += n - 1;
            } else {
                out += '\\';
                out += e;
            }
        }
    }
    return out;
}

class Lexer {
public:
    Lexer(const std::string& source, const LexOptions& options) : s_(source), opt_(options) {}

    std::vector<Token> run() {
        while (pos_ < s_.size()) {
            const size_t start = nextTagStart();
            if (start == std::string::npos) {
                emitText(s_.substr(pos_), line_);
                break;
            }
            tag(start);
        }
        out_.push_back({Token::Type::End, "", line_});
        return out_;
    }

private:
    size_t nextTagStart() const {
        for (size_t p = s_.find('{', pos_); p != std::string::npos; p = s_.find('{', p + 1))
            if (p + 1 < s_.size() && (s_[p + 1] == '{' || s_[p + 1] == '%' || s_[p + 1] == '#'))
                return p;
        return std::string::npos;
    }

    void emitText(const std::string& text, int line) {
        if (!text.empty()) out_.push_back({Token::Type::Text, text, line});
    }

    // Advances pos_ to `to`, counting lines; remembers whether a line starts there.
    void advance(size_t to) {
        line_ += int(std::count(s_.begin() + long(pos_), s_.begin() + long(to), '\n'));
        pos_ = to;
        lineStarting_ = pos_ > 0 && s_[pos_ - 1] == '\n';
    }

    // The text before a tag with jinja2's whitespace control applied.
    std::string textBefore(size_t start, char kind, char sign) const {
        std::string text = s_.substr(pos_, start - pos_);
        if (sign == '-') return rstripped(text);
        if (sign == '+' || !opt_.lstripBlocks || kind == '{') return text;
        return lstrippedLine(text, lineStarting_);
    }

    // lstrip_blocks: drops the spaces and tabs between the last line start and a tag.
    static std::string lstrippedLine(const std::string& text, bool lineStarting) {
        const size_t lineStart = text.rfind('\n') + 1; // 0 when there is none
        if (lineStart == 0 && !lineStarting) return text;
        const bool blank = std::all_of(text.begin() + long(lineStart), text.end(),
                                       [](char c) { return c == ' ' || c == '\t'; });
        return blank ? text.substr(0, lineStart) : text;
    }

    void tag(size_t start) {
        const char kind = s_[start + 1];
        const char sign = start + 2 < s_.size() && (s_[start + 2] == '-' || s_[start + 2] == '+')
                              ? s_[start + 2]
                              : 0;
        static const std::regex rawBegin(R"(^\{%[-+]?\s*raw\s*(-%\}\s*|%\}))");
        std::smatch raw;
        const bool isRaw =
            kind == '%' && std::regex_search(s_.cbegin() + long(start), s_.cend(), raw, rawBegin);
        emitText(textBefore(start, kind, sign), line_);
        advance(start);
        const size_t body = start + 2 + (sign ? 1 : 0);
        if (kind == '#')
            comment(body);
        else if (isRaw)
            rawBlock(start + size_t(raw.length(0)));
        else
            expressionTag(kind, body);
    }

    void comment(size_t body) {
        const size_t end = s_.find("#}", body);
        if (end == std::string::npos) throw TemplateError("missing end of comment tag", line_);
        size_t after = end + 2;
        if (end > body && s_[end - 1] == '-') {
            while (after < s_.size() && isSpace(s_[after])) ++after;
        } else if (!(end > body && s_[end - 1] == '+') && opt_.trimBlocks && after < s_.size() &&
                   s_[after] == '\n')
            ++after;
        advance(after);
    }

    void rawBlock(size_t contentStart) {
        static const std::regex rawEnd(R"(\{%([-+]?)\s*endraw\s*(\+%\}|-%\}\s*|%\}\n?))");
        std::smatch m;
        if (!std::regex_search(s_.cbegin() + long(contentStart), s_.cend(), m, rawEnd))
            throw TemplateError("missing end of raw directive", line_);
        const size_t endStart = contentStart + size_t(m.position(0));
        std::string content = s_.substr(contentStart, endStart - contentStart);
        if (m[1] == "-")
            content = rstripped(content);
        else if (m[1] != "+" && opt_.lstripBlocks)
            content = lstrippedLine(content, false);
        emitText(content, line_);
        std::string closing = m[2];
        if (closing == "%}\n" && !opt_.trimBlocks) closing = "%}";
        advance(endStart + size_t(m.length(0)) - (m[2].length() - closing.size()));
    }

    // Lexes the expression tokens of a {{ }} or {% %} tag through its end marker.
    void expressionTag(char kind, size_t body) {
        const bool isVar = kind == '{';
        out_.push_back({isVar ? Token::Type::VarBegin : Token::Type::BlockBegin, "", line_});
        advance(body);
        int depth = 0; // open brackets: inside them `}}` closes a dict, not the tag (as in jinja2)
        while (true) {
            size_t p = pos_;
            while (p < s_.size() && isSpace(s_[p])) ++p;
            advance(p);
            if (p >= s_.size())
                throw TemplateError("unexpected end of template inside a tag", line_);
            if (depth == 0 && tagEnd(isVar)) return;
            expressionToken();
            const Token& t = out_.back();
            if (t.type == Token::Type::Operator &&
                (t.value == "(" || t.value == "[" || t.value == "{"))
                ++depth;
            else if (t.type == Token::Type::Operator && depth > 0 &&
                     (t.value == ")" || t.value == "]" || t.value == "}"))
                --depth;
        }
    }

    bool tagEnd(bool isVar) {
        const std::string close = isVar ? "}}" : "%}";
        size_t after;
        if (s_.compare(pos_, 3, "-" + close) == 0) {
            after = pos_ + 3;
            while (after < s_.size() && isSpace(s_[after])) ++after;
        } else if (!isVar && s_.compare(pos_, 3, "+" + close) == 0) {
            after = pos_ + 3;
        } else if (s_.compare(pos_, 2, close) == 0) {
            after = pos_ + 2;
            if (!isVar && opt_.trimBlocks && after < s_.size() && s_[after] == '\n') ++after;
        } else
            return false;
        out_.push_back({isVar ? Token::Type::VarEnd : Token::Type::BlockEnd, "", line_});
        advance(after);
        return true;
    }

    void expressionToken() {
        const char c = s_[pos_];
        size_t p = pos_;
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            while (p < s_.size() &&
                   (std::isalnum(static_cast<unsigned char>(s_[p])) || s_[p] == '_'))
                ++p;
            push(Token::Type::Name, s_.substr(pos_, p - pos_), p);
        } else if (c == '\'' || c == '"') {
            ++p;
            while (p < s_.size() && s_[p] != c) p += s_[p] == '\\' ? 2 : 1;
            if (p >= s_.size()) throw TemplateError("unterminated string", line_);
            push(Token::Type::String, unescape(s_.substr(pos_ + 1, p - pos_ - 1)), p + 1);
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            number();
        } else {
            static const char* operators[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                              "/",  "%",  "~",  "(",  ")",  "[",  "]", "{", "}",
                                              ",",  ".",  ":",  "|",  "=",  "<",  ">"};
            for (const char* op : operators) {
                const std::string o(op);
                if (s_.compare(pos_, o.size(), o) == 0) {
                    push(Token::Type::Operator, o, pos_ + o.size());
                    return;
                }
            }
            throw TemplateError(std::string("unexpected character '") + c + "' in a tag", line_);
        }
    }

    void number() {
        auto digits = [&](size_t p) {
            while (p < s_.size() &&
                   (std::isdigit(static_cast<unsigned char>(s_[p])) || s_[p] == '_'))
                ++p;
            return p;
        };
        size_t p = digits(pos_);
        bool isFloat = false;
        if (p + 1 < s_.size() && s_[p] == '.' &&
            std::isdigit(static_cast<unsigned char>(s_[p + 1]))) {
            p = digits(p + 1);
            isFloat = true;
        }
        if (p < s_.size() && (s_[p] == 'e' || s_[p] == 'E')) {
            size_t q = p + 1;
            if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
            if (q < s_.size() && std::isdigit(static_cast<unsigned char>(s_[q]))) {
                p = digits(q);
                isFloat = true;
            }
        }
        std::string text = s_.substr(pos_, p - pos_);
        text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
        push(isFloat ? Token::Type::Float : Token::Type::Integer, text, p);
    }

    void push(Token::Type type, std::string value, size_t end) {
        out_.push_back({type, std::move(value), line_});
        advance(end);
    }

    const std::string& s_;
    LexOptions opt_;
    size_t pos_ = 0;
    int line_ = 1;
    bool lineStarting_ = true;
    std::vector<Token> out_;
};

} // namespace

std::vector<Token> tokenizeTemplate(const std::string& source, const LexOptions& options) {
    const std::string normalized = normalizedNewlines(source, options.keepTrailingNewline);
    return Lexer(normalized, options).run();
}

} // namespace fabulist::inference::chat
