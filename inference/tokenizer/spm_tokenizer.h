#pragma once
// SentencePiece-style tokenizer (`tokenizer.ggml.model = llama`): spaces become U+2581, a dummy
// space is prefixed (add_space_prefix), the text starts as single characters, and the adjacent
// pair whose concatenation is the highest-scoring vocabulary piece merges first (leftmost on
// ties), as sentencepiece's BPE encoder and llama.cpp do. Characters left outside the vocabulary
// become <0xNN> byte tokens (byte fallback), or <unk> when the vocabulary has none.

#include "inference/tokenizer/tokenizer.h"

#include <array>

namespace fabulist::inference {

class SpmTokenizer final : public Tokenizer {
public:
    explicit SpmTokenizer(const GgufFile& file);

    bool addsSpacePrefix() const { return m_addSpacePrefix; }

protected:
    void encodePlain(std::string_view text, bool startsFragment,
                     std::vector<int32_t>& out) const override;
    std::string normalPiece(int32_t id) const override;
    bool stripsLeadingSpace() const override { return m_addSpacePrefix; }

private:
    struct Workspace;
    void encodeChunk(std::string_view text, Workspace& ws, std::vector<int32_t>& out) const;

    std::vector<float> m_scores;
    StringIdMap m_pieces;                   // normal and user-defined tokens: what merges can make
    std::array<int32_t, 256> m_byteToken{}; // <0xNN>, or -1
    bool m_addSpacePrefix = true;
    // No piece has U+2581 after another character (true for vocabularies trained with
    // sentencepiece's split_by_whitespace): then no merge crosses the start of a word, and
    // each word can be merged on its own.
    bool m_wordsAreIndependent = false;
};

} // namespace fabulist::inference
