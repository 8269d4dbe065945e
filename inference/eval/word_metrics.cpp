#include "inference/eval/word_metrics.h"

#include "inference/engine_error.h"

#include <fstream>
#include <set>

namespace fabulist::inference {

namespace {

bool isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

// An apostrophe at text[i]: "'" (one byte) or "’" (U+2019, three bytes); its length, or 0.
size_t apostropheAt(std::string_view text, size_t i) {
    if (text[i] == '\'') return 1;
    if (text.substr(i, 3) == "\xE2\x80\x99") return 3;
    return 0;
}

struct Word {
    std::string text; // apostrophes as '
    bool lowercase = true;
    size_t start = 0;
    size_t end = 0; // one past its last byte
};

std::vector<Word> words(std::string_view text) {
    std::vector<Word> out;
    size_t i = 0;
    while (i < text.size()) {
        if (!isLetter(text[i])) {
            ++i;
            continue;
        }
        Word w;
        w.start = i;
        while (i < text.size()) {
            if (isLetter(text[i])) {
                w.lowercase &= !(text[i] >= 'A' && text[i] <= 'Z');
                w.text += lower(text[i++]);
                continue;
            }
            const size_t a = apostropheAt(text, i);
            if (a && i + a < text.size() && isLetter(text[i + a])) { // inner apostrophe only
                w.text += '\'';
                i += a;
                continue;
            }
            break;
        }
        w.end = i;
        out.push_back(std::move(w));
    }
    return out;
}

bool known(const std::string& word, const WordList& list) {
    if (list.contains(word)) return true;
    for (std::string_view suffix : {"n't", "'s", "'ll", "'re", "'ve", "'d", "'m"}) {
        if (word.size() <= suffix.size() || !word.ends_with(suffix)) continue;
        std::string stem = word.substr(0, word.size() - suffix.size());
        if (suffix == "n't" && (stem == "ca" || stem == "wo" || stem == "sha")) return true;
        if (list.contains(stem)) return true;
    }
    return false;
}

} // namespace

WordList WordList::load(const std::vector<std::string>& paths) {
    WordList list;
    for (const std::string& path : paths) {
        std::ifstream in(path);
        if (!in)
            throw EngineError("cannot read the word list '" + path +
                              "': install Debian's wamerican and wbritish "
                              "(installer/install-deps.sh) or pass --word-list FILE");
        const size_t before = list.m_words.size();
        for (std::string line; std::getline(in, line);) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            // One word per line; a line with other letters (é) is left out, not cut.
            const std::vector<Word> found = words(line);
            if (found.size() == 1 && found[0].start == 0 && found[0].text.size() == line.size())
                list.m_words.insert(found[0].text);
        }
        if (list.m_words.size() == before)
            throw EngineError("the word list '" + path + "' holds no word (one word per line)");
    }
    return list;
}

bool WordList::contains(std::string_view lowercaseWord) const {
    return m_words.count(std::string(lowercaseWord)) > 0;
}

void countNonWords(std::string_view sample, const WordList& list, NonWordCount& count,
                   size_t maxExamples) {
    const std::vector<Word> all = words(sample);
    for (size_t k = 0; k < all.size(); ++k) {
        const Word& w = all[k];
        if (!w.lowercase) continue;
        // The sample's first word may finish the prompt's last one ("restless" + "ness"), and
        // its last may be cut by the length ("handkerch"): neither is judged.
        if (k == 0 && w.start == 0) continue;
        if (k + 1 == all.size() && w.end == sample.size()) continue;
        ++count.words;
        if (known(w.text, list)) continue;
        ++count.nonWords;
        if (count.examples.size() < maxExamples) count.examples.push_back(w.text);
    }
}

std::vector<std::string> lowercaseWords(std::string_view text) {
    std::vector<std::string> out;
    for (Word& w : words(text)) out.push_back(std::move(w.text));
    return out;
}

double wordDistinct2(const std::vector<std::string>& samples) {
    std::set<std::pair<std::string, std::string>> distinct;
    size_t total = 0;
    for (const std::string& sample : samples) {
        const std::vector<std::string> w = lowercaseWords(sample);
        for (size_t i = 1; i < w.size(); ++i) {
            distinct.insert({w[i - 1], w[i]});
            ++total;
        }
    }
    return total ? double(distinct.size()) / double(total) : 0.0;
}

} // namespace fabulist::inference
