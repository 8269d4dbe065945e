#pragma once
// Keeps a diversity head's delta off the tokens that continue a word. Rare tokens are often word
// pieces, and a head trained to favour rare tokens otherwise spells new words ("bedcretary",
// "sunsettized"); with the mask, the head chooses among ways to begin the next word (or a mark),
// and the coherence head alone finishes every word it begins.
//
// A token continues a word when its text starts with a letter, a digit or a non-ASCII byte (it
// joins the text before it); it begins something new when it starts with whitespace or an ASCII
// punctuation mark. Control and unknown tokens keep no delta either.
#include <span>
#include <vector>

namespace fabulist::inference {

class HeadAdapter;
class Tokenizer;

// True for the tokens whose delta is kept (see above), one per vocabulary id.
std::vector<bool> wordStartTokens(const Tokenizer& tokenizer);

// With a masked head the mixed logits of word-continuing tokens equal the coherence head's; this
// also keeps the coherence head's total probability of continuing the word: the word-start
// logits are shifted together by log(Σ_S e^coherence) − log(Σ_S e^mixed), so the head only
// redistributes the mass of beginning something new among its choices, and never decides
// whether a word goes on. `mixed` is changed in place; both spans hold nVocab values.
void keepContinuationMass(std::span<const float> coherence, std::span<float> mixed,
                          const std::vector<bool>& wordStarts);

// Zeroes B's and b's rows of every token outside `keep` (one flag per vocabulary id) and marks
// the head "word-starts". Returns how many tokens keep their delta.
int keepOnly(HeadAdapter& adapter, const std::vector<bool>& keep);

// Zeroes B's rows and b's entries of every token that continues a word and marks the head
// "word-starts" (HeadTrainingInfo::deltaTokens: sessions then keep the continuation mass).
// Returns how many tokens keep their delta. Throws EngineError when the vocabularies differ in
// size.
int keepWordStartsOnly(HeadAdapter& adapter, const Tokenizer& tokenizer);

} // namespace fabulist::inference
