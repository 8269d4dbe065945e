#pragma once
// Byte-level BPE (GPT-2 style, `tokenizer.ggml.model = gpt2`): the text is split by the
// pre-tokenizer, each byte of a piece becomes the vocabulary symbol of its GPT-2 byte character,
// and adjacent symbols merge by the rank of `tokenizer.ggml.merges` (lowest rank first, leftmost
// first on ties) with a priority queue over a linked list of symbols.

#include "inference/tokenizer/pre_tokenizer.h"
#include "inference/tokenizer/tokenizer.h"

#include <array>
#include <string>
#include <unordered_map>

namespace fabulist::inference {

class BpeTokenizer final : public Tokenizer {
public:
    explicit BpeTokenizer(const GgufFile& file);

    PreTokenizerKind preTokenizer() const { return m_pre.kind(); }

protected:
    void encodePlain(std::string_view text, bool startsFragment,
                     std::vector<int32_t>& out) const override;
    std::string normalPiece(int32_t id) const override;

private:
    struct Workspace;
    void encodePiece(std::string_view piece, Workspace& ws, std::vector<int32_t>& out) const;
    // Vocabulary id of text (hash: its hashBytes()), or a new id past the vocabulary.
    int32_t internSymbol(std::string_view text, uint64_t hash);
    void appendSymbol(int32_t symbol, std::vector<int32_t>& out) const;

    PreTokenizer m_pre;
    bool m_ignoreMerges;
    MergeMap m_merges;
    std::array<int32_t, 256> m_byteSymbol{}; // symbol of each byte's GPT-2 character
    std::array<std::string, 256> m_byteChar; // UTF-8 of each byte's GPT-2 character
    std::vector<std::string> m_extraSymbols; // merge texts missing from the vocabulary
    std::unordered_map<std::string, int32_t> m_extraIndex; // text -> id, while loading
    size_t m_maxTokenLength = 0;
};

} // namespace fabulist::inference
