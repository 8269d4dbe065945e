#pragma once
// Finds where special tokens (control, user-defined, unknown) occur in a text, with llama.cpp's
// precedence: the longest token text first takes all its non-overlapping occurrences, left to
// right; each shorter one then takes its occurrences in what is left, and so on. A byte trie
// finds every occurrence of every token in one pass, so the cost does not grow with the number
// of special tokens (LLaMA-3 has 256).

#include <cstdint>
#include <string_view>
#include <vector>

namespace fabulist::inference {

class SpecialTokenMatcher {
public:
    struct Entry {
        std::string_view text; // must outlive the matcher
        int32_t id;
        bool alwaysParsed; // user-defined: recognised even without parseSpecial
    };
    // entries in precedence order (longest text first); empty texts are ignored.
    void build(const std::vector<Entry>& entries);
    bool empty() const { return m_entries.empty(); }

    struct Match {
        uint32_t begin;
        uint32_t length;
        int32_t id;
    };
    // The accepted occurrences in text order (appended to out).
    void find(std::string_view text, bool parseSpecial, std::vector<Match>& out) const;

private:
    struct Node {
        std::vector<std::pair<uint8_t, int32_t>> children; // byte -> node
        int32_t entry = -1; // index into m_entries of the token ending here
    };
    int32_t child(int32_t node, uint8_t byte) const;

    std::vector<Entry> m_entries;
    std::vector<Node> m_nodes;
    bool m_firstByte[256] = {};
};

} // namespace fabulist::inference
