#include "inference/tokenizer/spm_tokenizer.h"

#include "inference/gguf/gguf_file.h"
#include "inference/tokenizer/unicode_text.h"

#include <algorithm>

namespace fabulist::inference {

namespace {

constexpr std::string_view kSpace = "\xe2\x96\x81"; // U+2581, SentencePiece's visible space

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// "<0xNN>" -> NN, or -1.
int byteTokenValue(std::string_view text) {
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
    const int hi = hexValue(text[3]);
    const int lo = hexValue(text[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// Symbols are characters of the text, in a linked list; merged symbols span their parts.
struct Symbol {
    uint32_t start;
    uint32_t length; // 0 once merged into its left neighbour
    int32_t prev;
    int32_t next;
    int32_t id; // vocabulary piece, or -1
};

struct Candidate {
    float score;
    int32_t left;
    int32_t right;
    uint32_t length;
    int32_t id;
    // std heap is a max-heap: higher score first, then further left.
    bool operator<(const Candidate& o) const {
        return score != o.score ? score < o.score : left > o.left;
    }
};

// True where text[pos] starts a U+2581 that follows something else: no piece can span such a
// point when the vocabulary has no piece with a U+2581 after another character.
bool startsWord(std::string_view text, size_t pos) {
    return pos > 0 && text.substr(pos, kSpace.size()) == kSpace &&
           (pos < kSpace.size() || text.substr(pos - kSpace.size(), kSpace.size()) != kSpace);
}

} // namespace

SpmTokenizer::SpmTokenizer(const GgufFile& file) : Tokenizer(Kind::Spm) {
    loadVocabulary(file);
    const size_t n = size_t(vocabSize());

    constexpr std::string_view kScores = "tokenizer.ggml.scores";
    if (file.has(kScores)) {
        try {
            m_scores = file.getFloatArray(kScores);
        } catch (const GgufError& e) {
            fail(kScores, e.what());
        }
        if (m_scores.size() != n) {
            fail(kScores, "has " + std::to_string(m_scores.size()) + " entries for " +
                              std::to_string(n) + " tokens");
        }
    } else {
        m_scores.assign(n, 0.0f);
    }
    try {
        m_addSpacePrefix = file.getBool("tokenizer.ggml.add_space_prefix", true);
    } catch (const GgufError& e) {
        fail("tokenizer.ggml.add_space_prefix", e.what());
    }

    m_pieces.reserve(n);
    m_byteToken.fill(-1);
    for (int32_t id = 0; id < int32_t(n); ++id) {
        const TokenType t = m_types[size_t(id)];
        if (t == TokenType::Normal || t == TokenType::UserDefined) {
            m_pieces.set(tokenText(id), id);
        } else if (t == TokenType::Byte) {
            const int b = byteTokenValue(tokenText(id));
            if (b >= 0 && m_byteToken[size_t(b)] < 0) m_byteToken[size_t(b)] = id;
        }
    }
    m_wordsAreIndependent = true;
    for (int32_t id = 0; id < int32_t(n) && m_wordsAreIndependent; ++id) {
        const TokenType t = m_types[size_t(id)];
        if (t != TokenType::Normal && t != TokenType::UserDefined) continue;
        const std::string_view text = tokenText(id);
        for (size_t pos = 1; pos < text.size(); ++pos) {
            if (startsWord(text, pos)) {
                m_wordsAreIndependent = false;
                break;
            }
        }
    }
    finishLoading();
}

struct SpmTokenizer::Workspace {
    std::vector<Symbol> symbols;
    std::vector<Candidate> heap;
};

void SpmTokenizer::encodePlain(std::string_view text, bool startsFragment,
                               std::vector<int32_t>& out) const {
    std::string buf;
    buf.reserve(text.size() + text.size() / 2 + 3);
    if (m_addSpacePrefix && startsFragment) buf += kSpace;
    for (char c : text) {
        if (c == ' ') {
            buf += kSpace;
        } else {
            buf += c;
        }
    }
    Workspace ws;
    if (!m_wordsAreIndependent) {
        encodeChunk(buf, ws, out);
        return;
    }
    // Words merge independently (see m_wordsAreIndependent): small heaps, same result.
    size_t begin = 0;
    for (size_t pos = 1; pos < buf.size(); ++pos) {
        if (uint8_t(buf[pos]) == 0xe2 && startsWord(buf, pos)) {
            encodeChunk(std::string_view(buf).substr(begin, pos - begin), ws, out);
            begin = pos;
        }
    }
    encodeChunk(std::string_view(buf).substr(begin), ws, out);
}

void SpmTokenizer::encodeChunk(std::string_view buf, Workspace& ws,
                               std::vector<int32_t>& out) const {
    std::vector<Symbol>& symbols = ws.symbols;
    symbols.clear();
    for (size_t pos = 0; pos < buf.size();) {
        const uint32_t len = decodeUtf8(buf, pos).length; // invalid bytes: one symbol each
        const int32_t index = int32_t(symbols.size());
        symbols.push_back({uint32_t(pos), len, index - 1, -1, m_pieces.get(buf.substr(pos, len))});
        if (index > 0) symbols[size_t(index - 1)].next = index;
        pos += len;
    }

    std::vector<Candidate>& heap = ws.heap;
    heap.clear();
    const auto consider = [&](int32_t left, int32_t right) {
        const Symbol& l = symbols[size_t(left)];
        const Symbol& r = symbols[size_t(right)];
        const uint32_t length = l.length + r.length;
        const int32_t id = m_pieces.get(buf.substr(l.start, length));
        if (id < 0) return;
        heap.push_back({m_scores[size_t(id)], left, right, length, id});
        std::push_heap(heap.begin(), heap.end());
    };
    for (int32_t i = 0; i + 1 < int32_t(symbols.size()); ++i) consider(i, i + 1);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end());
        const Candidate c = heap.back();
        heap.pop_back();
        Symbol& l = symbols[size_t(c.left)];
        Symbol& r = symbols[size_t(c.right)];
        // Stale: one side has merged with something else since.
        if (l.length == 0 || r.length == 0 || l.next != c.right ||
            l.length + r.length != c.length) {
            continue;
        }
        l.length = c.length;
        l.id = c.id;
        r.length = 0;
        l.next = r.next;
        if (r.next >= 0) symbols[size_t(r.next)].prev = c.left;
        if (l.prev >= 0) consider(l.prev, c.left);
        if (l.next >= 0) consider(c.left, l.next);
    }

    for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[size_t(i)].next) {
        const Symbol& s = symbols[size_t(i)];
        if (s.id >= 0) {
            out.push_back(s.id);
            continue;
        }
        for (uint32_t k = 0; k < s.length; ++k) {
            const int32_t byteToken = m_byteToken[uint8_t(buf[s.start + k])];
            if (byteToken >= 0) {
                out.push_back(byteToken);
            } else if (m_unk >= 0) {
                // No byte fallback: one <unk> for the whole character.
                out.push_back(m_unk);
                break;
            }
        }
    }
}

std::string SpmTokenizer::normalPiece(int32_t id) const {
    const std::string_view text = tokenText(id);
    if (m_types[size_t(id)] == TokenType::Byte) {
        const int b = byteTokenValue(text);
        return b >= 0 ? std::string(1, char(b)) : std::string();
    }
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        if (text.substr(pos, kSpace.size()) == kSpace) {
            out += ' ';
            pos += kSpace.size();
        } else {
            out += text[pos++];
        }
    }
    return out;
}

} // namespace fabulist::inference
