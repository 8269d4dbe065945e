#pragma once
// Text <-> token ids for the vocabularies stored in GGUF files, matching llama.cpp:
//  - byte-level BPE (`tokenizer.ggml.model = gpt2`) with the gpt-2, llama-bpe/llama3, qwen2 and
//    default pre-tokenizers (bpe_tokenizer.h);
//  - SentencePiece-style merging by score with byte fallback (`tokenizer.ggml.model = llama`,
//    spm_tokenizer.h).
// Control and user-defined tokens are recognised in the input as llama.cpp does (longest
// first), BOS/EOS are added per the file's add_bos_token/add_eos_token keys.
// A Tokenizer is immutable after loading and keeps no reference to the GgufFile; its const
// methods may be called from several threads at once.

#include "inference/tokenizer/flat_hash.h"
#include "inference/tokenizer/special_token_matcher.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

class GgufFile;

// A vocabulary that cannot be used; the message names the file and the key.
class TokenizerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Values of `tokenizer.ggml.token_type`.
enum class TokenType : uint8_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

class Tokenizer {
public:
    enum class Kind { Bpe, Spm };

    // Throws TokenizerError (naming the file and the key) for missing or inconsistent data and
    // for tokenizer models or pre-tokenizers that are not implemented.
    static std::unique_ptr<Tokenizer> fromGguf(const GgufFile& file);
    virtual ~Tokenizer();
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // addSpecial: add BOS/EOS per the file's add_bos_token/add_eos_token.
    // parseSpecial: recognise control token texts in the input (user-defined tokens are always
    // recognised, as in llama.cpp). Any bytes are accepted; only a text of 4 GiB or more is
    // refused (TokenizerError).
    std::vector<int32_t> encode(std::string_view utf8, bool addSpecial = true,
                                bool parseSpecial = false) const;
    // The whole text. Control tokens render as their text only with renderSpecial; ids out of
    // range render as nothing. SentencePiece's dummy-prefix space is removed from the first
    // piece, so decode(encode(x)) == x.
    std::string decode(std::span<const int32_t> ids, bool renderSpecial = false) const;

    std::string_view tokenText(int32_t id) const; // raw vocabulary string ("" when out of range)
    // The bytes this token stands for when detokenized (control, unknown, unused and undefined
    // tokens, and byte tokens of a BPE vocabulary: "", as in llama.cpp).
    std::string tokenBytes(int32_t id) const;
    TokenType tokenType(int32_t id) const;

    int32_t vocabSize() const { return int32_t(m_types.size()); }
    int32_t bos() const { return m_bos; } // -1 when none
    int32_t eos() const { return m_eos; }
    int32_t unk() const { return m_unk; }
    bool isEndOfGeneration(int32_t id) const; // eos, eot, eom
    bool addsBos() const { return m_addBos; }
    bool addsEos() const { return m_addEos; }
    bool isControl(int32_t id) const { return tokenType(id) == TokenType::Control; }
    Kind kind() const { return m_kind; }
    // Fill-in-the-middle: the prefix, suffix and middle tokens of a model trained for it
    // (tokenizer.ggml.fim_pre/suf/mid_token_id, or the older prefix/suffix/middle keys).
    struct FimTokens {
        int32_t prefix = -1, suffix = -1, middle = -1;
    };
    std::optional<FimTokens> fimTokens() const {
        if (m_fim.prefix < 0 || m_fim.suffix < 0 || m_fim.middle < 0) return std::nullopt;
        return m_fim;
    }

protected:
    explicit Tokenizer(Kind kind) : m_kind(kind) {}

    // Reads tokens, token types and the special-token ids; called first by subclasses.
    void loadVocabulary(const GgufFile& file);
    // Fills the table of detokenized bytes; called last by subclasses (needs normalPiece()).
    void finishLoading();

    // Appends the ids of plain text that holds no special tokens. `startsFragment`: the text
    // begins the input or follows a special token.
    virtual void encodePlain(std::string_view text, bool startsFragment,
                             std::vector<int32_t>& out) const = 0;
    // The bytes a normal or byte token stands for.
    virtual std::string normalPiece(int32_t id) const = 0;
    // SentencePiece's dummy prefix: the first piece of a decoded text loses one leading space.
    virtual bool stripsLeadingSpace() const { return false; }

    [[noreturn]] void fail(std::string_view key, std::string_view problem) const;

    Kind m_kind;
    std::string m_path;
    std::string m_textArena;            // all token texts, back to back
    std::vector<uint32_t> m_textOffset; // vocabSize() + 1 offsets into m_textArena
    std::vector<TokenType> m_types;
    StringIdMap m_textToId; // every token; for duplicate texts the last id wins (as llama.cpp)
    int32_t m_bos = -1;
    FimTokens m_fim;
    int32_t m_eos = -1;
    int32_t m_unk = -1;
    bool m_addBos = false;
    bool m_addEos = false;

private:
    friend class TokenTextStream;
    struct Fragment {
        int32_t token; // -1: plain text
        uint32_t begin;
        uint32_t length;
    };
    void partitionSpecial(std::string_view text, bool parseSpecial,
                          std::vector<Fragment>& fragments) const;
    std::string_view piece(int32_t id, bool renderSpecial) const;

    std::string m_pieceArena; // detokenized bytes of every token
    std::vector<uint32_t> m_pieceOffset;
    SpecialTokenMatcher m_special;          // control/user-defined/unknown tokens in the input
    std::vector<int32_t> m_endOfGeneration; // sorted
};

// Streaming detokenizer: feed ids one by one; returns only complete UTF-8 and holds back a
// sequence that the next token may finish. Bytes that can never become valid UTF-8 come out as
// U+FFFD, so every returned string is valid UTF-8. The tokens are treated as a continuation of
// earlier text (generated text after a prompt), so unlike decode() no SentencePiece dummy-prefix
// space is removed: the output is the concatenation of tokenBytes().
class TokenTextStream {
public:
    explicit TokenTextStream(const Tokenizer& tokenizer, bool renderSpecial = false);
    std::string push(int32_t id);
    std::string flush(); // whatever is held back, then starts over

private:
    std::string takeComplete(bool all);

    const Tokenizer& m_tokenizer;
    bool m_renderSpecial;
    std::string m_pending;
};

} // namespace fabulist::inference
