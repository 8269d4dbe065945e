#pragma once
// Word-level checks of generated prose, beside the token-level metrics of diversity_metrics.h:
// does the text stay in the language (the share of invented words), and how varied are its
// word pairs across the samples of one prompt.
//
// A word is a run of ASCII letters with inner apostrophes (' or ’); hyphens and other marks
// split words. Only lowercase words are looked up (capitalised ones may be names), and never the
// first word of a sample that does not begin with a space (it may finish the prompt's last
// word), nor the last word when it ends the sample (the length may have cut it). A contraction or
// possessive counts as a word when the list has it or has its stem
// ("didn't", "keeper's", "they'll").

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace fabulist::inference {

class WordList {
public:
    // One word per line (e.g. Debian's /usr/share/dict/american-english); lowercased, ’ read as
    // '. Throws EngineError naming a file that cannot be read or holds no word.
    static WordList load(const std::vector<std::string>& paths);
    bool contains(std::string_view lowercaseWord) const;
    size_t size() const { return m_words.size(); }

private:
    std::unordered_set<std::string> m_words;
};

struct NonWordCount {
    long words = 0;                    // lowercase words looked up
    long nonWords = 0;                 // of them, not in the list
    std::vector<std::string> examples; // the first few non-words, for reports
    double rate() const { return words ? double(nonWords) / double(words) : 0.0; }
};

// Adds the sample's lowercase words to `count` (see the file comment).
void countNonWords(std::string_view sample, const WordList& words, NonWordCount& count,
                   size_t maxExamples = 12);

// Every word of the text, lowercased, in order (apostrophes kept).
std::vector<std::string> lowercaseWords(std::string_view text);

// Distinct word bigrams / all word bigrams, pooled over the samples of one prompt (bigrams do
// not cross samples); 0 when there is none.
double wordDistinct2(const std::vector<std::string>& samples);

} // namespace fabulist::inference
