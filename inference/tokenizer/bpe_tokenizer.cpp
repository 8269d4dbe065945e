#include "inference/tokenizer/bpe_tokenizer.h"

#include "inference/gguf/gguf_file.h"

#include <algorithm>
#include <array>

namespace fabulist::inference {

namespace {

constexpr std::string_view kMerges = "tokenizer.ggml.merges";

// GPT-2's reversible byte -> character map: printable Latin-1 bytes map to themselves, the
// other 68 bytes to U+0100 upwards in byte order.
std::array<char32_t, 256> makeByteToChar() {
    std::array<char32_t, 256> map{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
        map[size_t(b)] = printable ? char32_t(b) : next++;
    }
    return map;
}

const std::array<char32_t, 256>& byteToChar() {
    static const std::array<char32_t, 256> map = makeByteToChar();
    return map;
}

// Inverse map: character (< 0x144) -> byte, or -1.
const std::array<int16_t, 0x144>& charToByte() {
    static const std::array<int16_t, 0x144> map = [] {
        std::array<int16_t, 0x144> m{};
        m.fill(-1);
        for (int b = 0; b < 256; ++b) m[byteToChar()[size_t(b)]] = int16_t(b);
        return m;
    }();
    return map;
}

} // namespace

struct BpeTokenizer::Workspace {
    struct Candidate {
        int32_t rank;
        int32_t left; // symbol index (= byte position of its first byte)
        int32_t leftSymbol;
        int32_t rightSymbol;
        int32_t result;
        // std heap is a max-heap: "less" means worse (higher rank, then further right).
        bool operator<(const Candidate& o) const {
            return rank != o.rank ? rank > o.rank : left > o.left;
        }
    };
    std::vector<std::string_view> pieces;
    std::vector<int32_t> symbol, prev, next;
    std::vector<Candidate> heap;
    std::string mapped;
};

BpeTokenizer::BpeTokenizer(const GgufFile& file)
    : Tokenizer(Kind::Bpe), m_pre(PreTokenizerKind::Default) {
    loadVocabulary(file);

    const std::string preName = [&] {
        try {
            return file.getString("tokenizer.ggml.pre", "default");
        } catch (const GgufError& e) {
            fail("tokenizer.ggml.pre", e.what());
        }
    }();
    const auto pre = preTokenizerFromName(preName);
    if (!pre) {
        fail("tokenizer.ggml.pre",
             "pre-tokenizer '" + preName +
                 "' is not supported (known: gpt-2, llama-bpe/llama3, qwen2, default); this "
                 "model's text splitting rules are unknown, so it cannot be tokenized correctly");
    }
    m_pre = PreTokenizer(*pre);
    m_ignoreMerges = preTokenizerIgnoresMerges(*pre);

    for (int32_t id = 0; id < vocabSize(); ++id) {
        m_maxTokenLength = std::max(m_maxTokenLength, tokenText(id).size());
    }
    for (int b = 0; b < 256; ++b) {
        appendUtf8(m_byteChar[size_t(b)], byteToChar()[size_t(b)]);
        m_byteSymbol[size_t(b)] =
            internSymbol(m_byteChar[size_t(b)], hashBytes(m_byteChar[size_t(b)]));
    }

    std::vector<std::string_view> merges;
    try {
        if (!file.has(kMerges)) fail(kMerges, "missing; a gpt2 vocabulary needs its merges");
        merges = file.getStringArray(kMerges);
    } catch (const GgufError& e) {
        fail(kMerges, e.what());
    }
    m_merges.reserve(merges.size());
    // Batches of merges: first prefetch every table slot the batch will touch, then use them,
    // so the cache misses of a 280k-merge vocabulary overlap instead of queueing.
    constexpr size_t kBatch = 16;
    struct Item {
        std::string_view left, right;
        std::string joined;
        uint64_t hashLeft = 0, hashRight = 0, hashJoined = 0;
        int32_t l = -1, r = -1, result = -1;
        bool valid = false;
    };
    std::array<Item, kBatch> batch;
    for (size_t first = 0; first < merges.size(); first += kBatch) {
        const size_t count = std::min(kBatch, merges.size() - first);
        for (size_t k = 0; k < count; ++k) {
            Item& it = batch[k];
            const std::string_view merge = merges[first + k];
            // "left right"; the left part is never empty, so search from 1 as llama.cpp does.
            const size_t space = merge.find(' ', 1);
            it.valid = space != merge.npos; // malformed ones can never apply (llama.cpp: same)
            if (!it.valid) continue;
            it.left = merge.substr(0, space);
            it.right = merge.substr(space + 1);
            it.joined.assign(it.left);
            it.joined.append(it.right);
            it.hashLeft = hashBytes(it.left);
            it.hashRight = hashBytes(it.right);
            it.hashJoined = hashBytes(it.joined);
            m_textToId.prefetch(it.hashLeft);
            m_textToId.prefetch(it.hashRight);
            m_textToId.prefetch(it.hashJoined);
        }
        for (size_t k = 0; k < count; ++k) {
            Item& it = batch[k];
            if (!it.valid) continue;
            it.l = internSymbol(it.left, it.hashLeft);
            it.r = internSymbol(it.right, it.hashRight);
            it.result = internSymbol(it.joined, it.hashJoined);
            m_merges.prefetch(it.l, it.r);
        }
        for (size_t k = 0; k < count; ++k) {
            const Item& it = batch[k];
            if (it.valid) m_merges.add(it.l, it.r, {int32_t(first + k), it.result});
        }
    }
    finishLoading();
}

int32_t BpeTokenizer::internSymbol(std::string_view text, uint64_t hash) {
    const int32_t id = m_textToId.get(text, hash);
    if (id >= 0) return id;
    // Rare: only malformed or truncated vocabularies have merge parts that are not tokens.
    const auto [it, added] =
        m_extraIndex.try_emplace(std::string(text), vocabSize() + int32_t(m_extraSymbols.size()));
    if (added) m_extraSymbols.push_back(it->first);
    return it->second;
}

void BpeTokenizer::appendSymbol(int32_t symbol, std::vector<int32_t>& out) const {
    if (symbol < vocabSize()) {
        out.push_back(symbol);
        return;
    }
    // A symbol that is not a token: llama.cpp emits the single-byte tokens of its text.
    const std::string& text = m_extraSymbols[size_t(symbol - vocabSize())];
    for (char c : text) {
        const int32_t id = m_textToId.get(std::string_view(&c, 1));
        if (id >= 0) out.push_back(id);
    }
}

void BpeTokenizer::encodePlain(std::string_view text, bool, std::vector<int32_t>& out) const {
    Workspace ws;
    m_pre.split(text, ws.pieces);
    for (std::string_view piece : ws.pieces) encodePiece(piece, ws, out);
}

void BpeTokenizer::encodePiece(std::string_view piece, Workspace& ws,
                               std::vector<int32_t>& out) const {
    const int32_t n = int32_t(piece.size());
    if (n == 0) return;
    if (m_ignoreMerges && piece.size() <= m_maxTokenLength) {
        ws.mapped.clear();
        for (unsigned char c : piece) ws.mapped += m_byteChar[c];
        const int32_t id = m_textToId.get(ws.mapped);
        if (id >= 0) {
            out.push_back(id);
            return;
        }
    }
    if (n == 1) {
        appendSymbol(m_byteSymbol[uint8_t(piece[0])], out);
        return;
    }

    auto& sym = ws.symbol;
    auto& prev = ws.prev;
    auto& next = ws.next;
    sym.resize(size_t(n));
    prev.resize(size_t(n));
    next.resize(size_t(n));
    for (int32_t i = 0; i < n; ++i) {
        sym[size_t(i)] = m_byteSymbol[uint8_t(piece[size_t(i)])];
        prev[size_t(i)] = i - 1;
        next[size_t(i)] = i + 1 < n ? i + 1 : -1;
    }
    auto& heap = ws.heap;
    heap.clear();
    const auto consider = [&](int32_t left, int32_t right) {
        const MergeMap::Merge m = m_merges.get(sym[size_t(left)], sym[size_t(right)]);
        if (m.rank < 0) return;
        heap.push_back({m.rank, left, sym[size_t(left)], sym[size_t(right)], m.result});
        std::push_heap(heap.begin(), heap.end());
    };
    for (int32_t i = 0; i + 1 < n; ++i) consider(i, i + 1);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end());
        const Workspace::Candidate c = heap.back();
        heap.pop_back();
        const int32_t left = c.left;
        const int32_t right = next[size_t(left)];
        // Stale candidates: one side has merged since (symbols never return to an old id).
        if (right < 0 || sym[size_t(left)] != c.leftSymbol || sym[size_t(right)] != c.rightSymbol) {
            continue;
        }
        sym[size_t(left)] = c.result;
        sym[size_t(right)] = -1;
        next[size_t(left)] = next[size_t(right)];
        if (next[size_t(right)] >= 0) prev[size_t(next[size_t(right)])] = left;
        if (prev[size_t(left)] >= 0) consider(prev[size_t(left)], left);
        if (next[size_t(left)] >= 0) consider(left, next[size_t(left)]);
    }
    for (int32_t i = 0; i >= 0; i = next[size_t(i)]) appendSymbol(sym[size_t(i)], out);
}

std::string BpeTokenizer::normalPiece(int32_t id) const {
    const std::string_view text = tokenText(id);
    std::string bytes;
    bytes.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        const DecodedCodepoint d = decodeUtf8(text, pos);
        if (d.cp < charToByte().size() && charToByte()[d.cp] >= 0) {
            bytes += char(charToByte()[d.cp]);
        } else {
            bytes.append(text.substr(pos, d.length)); // not a byte character: keep as written
        }
        pos += d.length;
    }
    return bytes;
}

} // namespace fabulist::inference
