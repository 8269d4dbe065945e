#include "inference/tokenizer/tokenizer.h"

#include "inference/gguf/gguf_file.h"
#include "inference/tokenizer/bpe_tokenizer.h"
#include "inference/tokenizer/spm_tokenizer.h"

#include <algorithm>
#include <limits>

namespace fabulist::inference {

namespace {

constexpr std::string_view kTokens = "tokenizer.ggml.tokens";
constexpr std::string_view kTokenType = "tokenizer.ggml.token_type";

// Texts of tokens that end a turn in the chat templates llama.cpp knows. Like llama.cpp, such
// a token ends generation and is treated as a control token even if the file says otherwise.
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<\xef\xbd\x9c"
    "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", // DeepSeek
};

} // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromGguf(const GgufFile& file) {
    std::string model;
    try {
        model = file.getString("tokenizer.ggml.model");
    } catch (const std::exception& e) {
        throw TokenizerError(file.path() +
                             ": no usable tokenizer (key tokenizer.ggml.model): " + e.what());
    }
    if (model == "gpt2") return std::make_unique<BpeTokenizer>(file);
    if (model == "llama") return std::make_unique<SpmTokenizer>(file);
    throw TokenizerError(file.path() + ": tokenizer.ggml.model = '" + model +
                         "' is not supported (Fabulist reads 'gpt2' byte-level BPE and 'llama' "
                         "SentencePiece vocabularies); use a model with one of those");
}

Tokenizer::~Tokenizer() = default;

void Tokenizer::fail(std::string_view key, std::string_view problem) const {
    throw TokenizerError(m_path + ": " + std::string(key) + ": " + std::string(problem));
}

void Tokenizer::loadVocabulary(const GgufFile& file) {
    m_path = file.path();
    std::vector<std::string_view> tokens;
    try {
        if (!file.has(kTokens)) fail(kTokens, "missing; the file has no vocabulary");
        tokens = file.getStringArray(kTokens);
    } catch (const GgufError& e) {
        fail(kTokens, e.what());
    }
    if (tokens.empty()) fail(kTokens, "the vocabulary is empty");
    if (tokens.size() >= size_t(std::numeric_limits<int32_t>::max() / 2)) {
        fail(kTokens, "too many tokens");
    }
    const size_t n = tokens.size();

    size_t bytes = 0;
    for (std::string_view t : tokens) bytes += t.size();
    if (bytes >= std::numeric_limits<uint32_t>::max()) fail(kTokens, "token texts too large");
    m_textArena.reserve(bytes);
    m_textOffset.reserve(n + 1);
    for (std::string_view t : tokens) {
        m_textOffset.push_back(uint32_t(m_textArena.size()));
        m_textArena.append(t);
    }
    m_textOffset.push_back(uint32_t(m_textArena.size()));
    m_types.assign(n, TokenType::Normal); // also sets vocabSize()
    m_textToId.reserve(n);
    {
        // Hash first, then insert with the slots a few tokens ahead prefetched.
        std::vector<uint64_t> hashes(n);
        for (size_t i = 0; i < n; ++i) hashes[i] = hashBytes(tokenText(int32_t(i)));
        constexpr size_t kAhead = 8;
        for (size_t i = 0; i < n; ++i) {
            if (i + kAhead < n) m_textToId.prefetch(hashes[i + kAhead]);
            m_textToId.set(tokenText(int32_t(i)), int32_t(i), hashes[i]);
        }
    }

    if (file.has(kTokenType)) {
        std::vector<int64_t> types;
        try {
            types = file.getIntArray(kTokenType);
        } catch (const GgufError& e) {
            fail(kTokenType, e.what());
        }
        if (types.size() != n) {
            fail(kTokenType, "has " + std::to_string(types.size()) + " entries for " +
                                 std::to_string(n) + " tokens");
        }
        for (size_t i = 0; i < n; ++i) {
            if (types[i] < 0 || types[i] > 6) {
                fail(kTokenType, "token " + std::to_string(i) + " has unknown type " +
                                     std::to_string(types[i]));
            }
            m_types[i] = TokenType(types[i]);
        }
    }

    // Special ids: SentencePiece files default to <unk>=0, <s>=1, </s>=2 as in llama.cpp.
    const bool spm = m_kind == Kind::Spm;
    const auto readId = [&](std::string_view key, int32_t fallback) -> int32_t {
        if (!file.has(key)) return fallback < int32_t(n) ? fallback : -1;
        int64_t v;
        try {
            v = file.getInt(key);
        } catch (const GgufError& e) {
            fail(key, e.what());
        }
        // Some converters write -1 (or UINT32_MAX) for "none".
        if (v < 0 || v == int64_t(std::numeric_limits<uint32_t>::max())) return -1;
        if (v >= int64_t(n)) {
            fail(key, "token id " + std::to_string(v) + " is outside the vocabulary of " +
                          std::to_string(n) + " tokens");
        }
        return int32_t(v);
    };
    m_bos = readId("tokenizer.ggml.bos_token_id", spm ? 1 : -1);
    m_eos = readId("tokenizer.ggml.eos_token_id", spm ? 2 : -1);
    m_unk = readId("tokenizer.ggml.unknown_token_id", spm ? 0 : -1);
    const int32_t eot = readId("tokenizer.ggml.eot_token_id", -1);
    const int32_t eom = readId("tokenizer.ggml.eom_token_id", -1);
    const auto readFim = [&](const char* key, const char* olderKey) {
        const int32_t id = readId(key, -1);
        return id >= 0 ? id : readId(olderKey, -1);
    };
    m_fim.prefix = readFim("tokenizer.ggml.fim_pre_token_id", "tokenizer.ggml.prefix_token_id");
    m_fim.suffix = readFim("tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.suffix_token_id");
    m_fim.middle = readFim("tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.middle_token_id");

    const auto readBool = [&](std::string_view key, bool fallback) {
        try {
            return file.getBool(key, fallback);
        } catch (const GgufError& e) {
            fail(key, e.what());
        }
    };
    // llama.cpp's defaults: SentencePiece adds BOS; byte-level BPE adds it only for LLaMA-3.
    bool defaultAddBos = spm;
    if (!spm) {
        std::string pre;
        try {
            pre = file.getString("tokenizer.ggml.pre", "default");
        } catch (const GgufError& e) {
            fail("tokenizer.ggml.pre", e.what());
        }
        defaultAddBos = pre == "llama3" || pre == "llama-bpe" || pre == "llama-v3";
    }
    m_addBos = readBool("tokenizer.ggml.add_bos_token", defaultAddBos);
    m_addEos = readBool("tokenizer.ggml.add_eos_token", false);
    if (m_addBos && m_bos < 0) {
        fail("tokenizer.ggml.bos_token_id", "add_bos_token is true but there is no BOS token");
    }
    if (m_addEos && m_eos < 0) {
        fail("tokenizer.ggml.eos_token_id", "add_eos_token is true but there is no EOS token");
    }

    for (int32_t id : {m_eos, eot, eom}) {
        if (id >= 0) m_endOfGeneration.push_back(id);
    }
    for (std::string_view text : kEndOfGenerationTexts) {
        const int32_t id = m_textToId.get(text);
        if (id < 0) continue;
        m_endOfGeneration.push_back(id);
        m_types[size_t(id)] = TokenType::Control;
    }
    std::sort(m_endOfGeneration.begin(), m_endOfGeneration.end());
    m_endOfGeneration.erase(std::unique(m_endOfGeneration.begin(), m_endOfGeneration.end()),
                            m_endOfGeneration.end());

    // Special tokens in llama.cpp's precedence: longest text first.
    std::vector<int32_t> special;
    for (size_t i = 0; i < n; ++i) {
        const TokenType t = m_types[i];
        if (t == TokenType::Control || t == TokenType::UserDefined || t == TokenType::Unknown) {
            special.push_back(int32_t(i));
        }
    }
    std::stable_sort(special.begin(), special.end(), [&](int32_t a, int32_t b) {
        return tokenText(a).size() > tokenText(b).size();
    });
    std::vector<SpecialTokenMatcher::Entry> entries;
    entries.reserve(special.size());
    for (int32_t id : special) {
        entries.push_back({tokenText(id), id, m_types[size_t(id)] == TokenType::UserDefined});
    }
    m_special.build(entries);
}

void Tokenizer::finishLoading() {
    const size_t n = m_types.size();
    m_pieceOffset.reserve(n + 1);
    m_pieceArena.reserve(m_textArena.size());
    for (size_t i = 0; i < n; ++i) {
        m_pieceOffset.push_back(uint32_t(m_pieceArena.size()));
        // As llama.cpp's token_to_piece: types a tokenizer does not use render as nothing.
        switch (m_types[i]) {
        case TokenType::Normal:
            m_pieceArena += normalPiece(int32_t(i));
            break;
        case TokenType::Byte:
            if (m_kind == Kind::Spm) m_pieceArena += normalPiece(int32_t(i));
            break;
        case TokenType::UserDefined:
            m_pieceArena += tokenText(int32_t(i));
            break;
        case TokenType::Control:
        case TokenType::Unknown:
        case TokenType::Unused:
        case TokenType::Undefined:
            break;
        }
    }
    m_pieceOffset.push_back(uint32_t(m_pieceArena.size()));
}

std::string_view Tokenizer::tokenText(int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    return std::string_view(m_textArena)
        .substr(m_textOffset[size_t(id)], m_textOffset[size_t(id) + 1] - m_textOffset[size_t(id)]);
}

TokenType Tokenizer::tokenType(int32_t id) const {
    if (id < 0 || id >= vocabSize()) return TokenType::Undefined;
    return m_types[size_t(id)];
}

std::string_view Tokenizer::piece(int32_t id, bool renderSpecial) const {
    if (id < 0 || id >= vocabSize()) return {};
    const TokenType t = m_types[size_t(id)];
    if (renderSpecial && (t == TokenType::Control || t == TokenType::Unknown)) {
        return tokenText(id);
    }
    return std::string_view(m_pieceArena)
        .substr(m_pieceOffset[size_t(id)],
                m_pieceOffset[size_t(id) + 1] - m_pieceOffset[size_t(id)]);
}

std::string Tokenizer::tokenBytes(int32_t id) const {
    return std::string(piece(id, false));
}

bool Tokenizer::isEndOfGeneration(int32_t id) const {
    return std::binary_search(m_endOfGeneration.begin(), m_endOfGeneration.end(), id);
}

void Tokenizer::partitionSpecial(std::string_view text, bool parseSpecial,
                                 std::vector<Fragment>& fragments) const {
    std::vector<SpecialTokenMatcher::Match> matches;
    m_special.find(text, parseSpecial, matches);
    uint32_t pos = 0;
    for (const SpecialTokenMatcher::Match& m : matches) {
        if (m.begin > pos) fragments.push_back({-1, pos, m.begin - pos});
        fragments.push_back({m.id, m.begin, m.length});
        pos = m.begin + m.length;
    }
    if (pos < text.size()) fragments.push_back({-1, pos, uint32_t(text.size() - pos)});
}

std::vector<int32_t> Tokenizer::encode(std::string_view utf8, bool addSpecial,
                                       bool parseSpecial) const {
    if (utf8.size() >= std::numeric_limits<uint32_t>::max()) {
        throw TokenizerError("text of " + std::to_string(utf8.size()) +
                             " bytes is too long to tokenize at once (limit 4 GiB)");
    }
    std::vector<int32_t> out;
    out.reserve(utf8.size() / 3 + 4);
    if (addSpecial && m_addBos) out.push_back(m_bos);
    if (!utf8.empty()) {
        std::vector<Fragment> fragments;
        partitionSpecial(utf8, parseSpecial, fragments);
        bool startsFragment = true;
        for (const Fragment& f : fragments) {
            if (f.token >= 0) {
                out.push_back(f.token);
                startsFragment = true;
            } else {
                encodePlain(utf8.substr(f.begin, f.length), startsFragment, out);
                startsFragment = false;
            }
        }
    }
    if (addSpecial && m_addEos) out.push_back(m_eos);
    return out;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool renderSpecial) const {
    std::string out;
    bool stripPending = stripsLeadingSpace();
    for (int32_t id : ids) {
        std::string_view p = piece(id, renderSpecial);
        if (stripPending && tokenType(id) != TokenType::Control && !p.empty()) {
            if (p.front() == ' ') p.remove_prefix(1);
            stripPending = false;
        }
        out += p;
    }
    return out;
}

} // namespace fabulist::inference
