#include "inference/tokenizer/pre_tokenizer.h"

namespace fabulist::inference {

std::optional<PreTokenizerKind> preTokenizerFromName(std::string_view name) {
    // The names llama.cpp maps to these split patterns (other names differ in more than the
    // pattern, e.g. an added SEP token, so they stay unsupported).
    constexpr std::string_view gpt2[] = {"gpt-2",   "gpt2",     "phi-2",      "jina-es",
                                         "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                                         "a.x-4.0", "mellum",   "exaone4"};
    constexpr std::string_view llama3[] = {"llama3",    "llama-v3", "llama-bpe", "falcon3",
                                           "falcon-h1", "pixtral",  "midm-2.0",  "lfm2"};
    constexpr std::string_view qwen2[] = {"qwen2", "deepseek-r1-qwen", "kormo", "megrez"};
    const auto in = [&](const auto& names) {
        for (std::string_view n : names) {
            if (n == name) return true;
        }
        return false;
    };
    if (in(gpt2)) return PreTokenizerKind::Gpt2;
    if (in(llama3)) return PreTokenizerKind::Llama3;
    if (in(qwen2)) return PreTokenizerKind::Qwen2;
    if (name == "default") return PreTokenizerKind::Default;
    return std::nullopt;
}

bool preTokenizerIgnoresMerges(PreTokenizerKind kind) {
    return kind == PreTokenizerKind::Llama3;
}

namespace {

bool isNewline(char32_t c) {
    return c == '\r' || c == '\n';
}
char32_t asciiLower(char32_t c) {
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

// Neither whitespace, letter nor number: [^\s\p{L}\p{N}].
bool isOther(CodepointFlags f) {
    return !f.isWhitespace() && !f.isLetter() && !f.isNumber();
}

// Length of a contraction ('s 't 'm 'd 're 've 'll) starting at pos, or 0.
uint32_t contractionLength(const std::vector<char32_t>& cp, uint32_t pos, uint32_t end,
                           bool ignoreCase) {
    if (cp[pos] != '\'' || pos + 1 >= end) return 0;
    const auto fold = [&](char32_t c) { return ignoreCase ? asciiLower(c) : c; };
    const char32_t a = fold(cp[pos + 1]);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (pos + 2 >= end) return 0;
    const char32_t b = fold(cp[pos + 2]);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

// Ends of a \s+(?!\S) | \s+ match starting at pos (which is whitespace): a run of more than one
// whitespace character followed by something else leaves its last character for the next piece.
uint32_t whitespaceEnd(const std::vector<CodepointFlags>& flags, uint32_t pos, uint32_t end) {
    uint32_t w = pos;
    while (w < end && flags[w].isWhitespace()) ++w;
    if (w - pos > 1 && w < end) return w - 1;
    return w;
}

} // namespace

void PreTokenizer::scanGpt2(const Codepoints& t, uint32_t begin, uint32_t end,
                            std::vector<uint32_t>& ends) const {
    const auto& cp = t.cp;
    const auto& fl = t.flags;
    uint32_t pos = begin;
    while (pos < end) {
        if (const uint32_t n = contractionLength(cp, pos, end, false)) {
            pos += n;
            ends.push_back(pos);
            continue;
        }
        // " ?" is an optional ASCII space in front of a letter, number or other run.
        const uint32_t q =
            (cp[pos] == ' ' && pos + 1 < end && !fl[pos + 1].isWhitespace()) ? pos + 1 : pos;
        const CodepointFlags f = fl[q];
        if (!f.isWhitespace()) {
            uint32_t e = q + 1;
            if (f.isLetter()) {
                while (e < end && fl[e].isLetter()) ++e;
            } else if (f.isNumber()) {
                while (e < end && fl[e].isNumber()) ++e;
            } else {
                while (e < end && isOther(fl[e])) ++e;
            }
            pos = e;
            ends.push_back(pos);
            continue;
        }
        pos = whitespaceEnd(fl, pos, end);
        ends.push_back(pos);
    }
}

void PreTokenizer::scanLlama3(const Codepoints& t, uint32_t begin, uint32_t end, uint32_t maxDigits,
                              std::vector<uint32_t>& ends) const {
    const auto& cp = t.cp;
    const auto& fl = t.flags;
    uint32_t pos = begin;
    while (pos < end) {
        const char32_t c = cp[pos];
        const CodepointFlags f = fl[pos];
        if (const uint32_t n = contractionLength(cp, pos, end, true)) {
            pos += n;
            ends.push_back(pos);
            continue;
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (!isNewline(c) && !f.isNumber() &&
            (f.isLetter() || (pos + 1 < end && fl[pos + 1].isLetter()))) {
            uint32_t e = pos + 1;
            while (e < end && fl[e].isLetter()) ++e;
            pos = e;
            ends.push_back(pos);
            continue;
        }
        // \p{N}{1,maxDigits}
        if (f.isNumber()) {
            uint32_t e = pos + 1;
            while (e < end && e - pos < maxDigits && fl[e].isNumber()) ++e;
            pos = e;
            ends.push_back(pos);
            continue;
        }
        // " ?[^\s\p{L}\p{N}]+[\r\n]*"
        const bool spaced = c == ' ' && pos + 1 < end && isOther(fl[pos + 1]);
        if (spaced || isOther(f)) {
            uint32_t e = pos + (spaced ? 2 : 1);
            while (e < end && isOther(fl[e])) ++e;
            while (e < end && isNewline(cp[e])) ++e;
            pos = e;
            ends.push_back(pos);
            continue;
        }
        // Whitespace: \s*[\r\n]+ (up to the run's last line break), else \s+(?!\S) | \s+
        uint32_t w = pos;
        uint32_t afterNewline = 0;
        while (w < end && fl[w].isWhitespace()) {
            if (isNewline(cp[w])) afterNewline = w + 1;
            ++w;
        }
        if (afterNewline != 0) {
            pos = afterNewline;
        } else if (w > pos) {
            pos = whitespaceEnd(fl, pos, end);
        } else {
            ++pos; // unreachable: every character is a letter, number, other or whitespace
        }
        ends.push_back(pos);
    }
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces) const {
    if (text.empty()) return;
    Codepoints t;
    t.cp.reserve(text.size());
    t.flags.reserve(text.size());
    t.offset.reserve(text.size() + 1);
    for (size_t pos = 0; pos < text.size();) {
        const DecodedCodepoint d = decodeUtf8(text, pos);
        t.cp.push_back(d.cp);
        // An invalid byte behaves like U+FFFD (a symbol), which is what llama.cpp turns it into.
        t.flags.push_back(codepointFlags(d.cp == kInvalidCodepoint ? 0xfffd : d.cp));
        t.offset.push_back(uint32_t(pos));
        pos += d.length;
    }
    t.offset.push_back(uint32_t(text.size()));
    const uint32_t n = uint32_t(t.cp.size());

    std::vector<uint32_t> ends;
    ends.reserve(n);
    switch (m_kind) {
    case PreTokenizerKind::Gpt2:
        scanGpt2(t, 0, n, ends);
        break;
    case PreTokenizerKind::Llama3:
        scanLlama3(t, 0, n, 3, ends);
        break;
    case PreTokenizerKind::Qwen2:
        scanLlama3(t, 0, n, 1, ends);
        break;
    case PreTokenizerKind::Default: {
        // Each pass splits every piece of the previous pass; matches and the gaps between
        // them both become pieces.
        const auto inPunctSet = [&](uint32_t i) {
            const char32_t c = t.cp[i];
            return t.flags[i].isPunctuation() || c == '$' || c == '+' || c == '<' || c == '=' ||
                   c == '>' || c == '^' || c == '~' || c == '|';
        };
        std::vector<uint32_t> pass;
        // [\p{P}\$\+<=>\^~\|]+ : runs in and out of the set
        for (uint32_t i = 1; i <= n; ++i) {
            if (i == n || inPunctSet(i) != inPunctSet(i - 1)) pass.push_back(i);
        }
        // the GPT-2 pattern
        uint32_t begin = 0;
        for (uint32_t e : pass) {
            scanGpt2(t, begin, e, ends);
            begin = e;
        }
        // \p{N}+ : runs of numbers and of everything else
        pass.swap(ends);
        ends.clear();
        begin = 0;
        for (uint32_t e : pass) {
            for (uint32_t i = begin + 1; i < e; ++i) {
                if (t.flags[i].isNumber() != t.flags[i - 1].isNumber()) ends.push_back(i);
            }
            ends.push_back(e);
            begin = e;
        }
        // [0-9][0-9][0-9] : groups of three ASCII digits, leftmost first
        pass.swap(ends);
        ends.clear();
        begin = 0;
        const auto digit = [&](uint32_t i) { return t.cp[i] >= '0' && t.cp[i] <= '9'; };
        for (uint32_t e : pass) {
            uint32_t gapStart = begin;
            for (uint32_t i = begin; i + 3 <= e;) {
                if (digit(i) && digit(i + 1) && digit(i + 2)) {
                    if (i > gapStart) ends.push_back(i);
                    ends.push_back(i + 3);
                    i += 3;
                    gapStart = i;
                } else {
                    ++i;
                }
            }
            if (gapStart < e) ends.push_back(e);
            begin = e;
        }
        break;
    }
    }

    uint32_t start = 0;
    for (uint32_t e : ends) {
        pieces.push_back(text.substr(t.offset[start], t.offset[e] - t.offset[start]));
        start = e;
    }
}

} // namespace fabulist::inference
