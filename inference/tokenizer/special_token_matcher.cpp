#include "inference/tokenizer/special_token_matcher.h"

#include <algorithm>

namespace fabulist::inference {

void SpecialTokenMatcher::build(const std::vector<Entry>& entries) {
    m_entries.clear();
    m_nodes.assign(1, Node{});
    std::fill(std::begin(m_firstByte), std::end(m_firstByte), false);
    for (const Entry& e : entries) {
        if (e.text.empty()) continue;
        int32_t node = 0;
        for (unsigned char c : e.text) {
            int32_t next = child(node, c);
            if (next < 0) {
                next = int32_t(m_nodes.size());
                m_nodes[size_t(node)].children.emplace_back(c, next);
                m_nodes.emplace_back();
            }
            node = next;
        }
        // The same text twice: the first (higher precedence) takes every occurrence anyway.
        if (m_nodes[size_t(node)].entry >= 0) continue;
        m_nodes[size_t(node)].entry = int32_t(m_entries.size());
        m_entries.push_back(e);
        m_firstByte[uint8_t(e.text.front())] = true;
    }
}

int32_t SpecialTokenMatcher::child(int32_t node, uint8_t byte) const {
    for (const auto& [b, next] : m_nodes[size_t(node)].children) {
        if (b == byte) return next;
    }
    return -1;
}

void SpecialTokenMatcher::find(std::string_view text, bool parseSpecial,
                               std::vector<Match>& out) const {
    if (m_entries.empty()) return;
    // Every occurrence of every usable token, as (precedence, position).
    std::vector<std::pair<int32_t, uint32_t>> found;
    for (size_t i = 0; i < text.size(); ++i) {
        if (!m_firstByte[uint8_t(text[i])]) continue;
        int32_t node = 0;
        for (size_t j = i; j < text.size(); ++j) {
            node = child(node, uint8_t(text[j]));
            if (node < 0) break;
            const int32_t e = m_nodes[size_t(node)].entry;
            if (e >= 0 && (parseSpecial || m_entries[size_t(e)].alwaysParsed)) {
                found.emplace_back(e, uint32_t(i));
            }
        }
    }
    if (found.empty()) return;
    std::sort(found.begin(), found.end());

    // Accept in precedence order; an occurrence must not overlap an accepted one (of its own
    // token, to its left, or of a longer token): exactly what llama.cpp's repeated splitting
    // of the remaining text fragments accepts.
    std::vector<uint8_t> taken(text.size(), 0);
    const size_t first = out.size();
    for (size_t k = 0; k < found.size();) {
        const int32_t e = found[k].first;
        const uint32_t length = uint32_t(m_entries[size_t(e)].text.size());
        uint32_t ownEnd = 0;
        for (; k < found.size() && found[k].first == e; ++k) {
            const uint32_t pos = found[k].second;
            if (pos < ownEnd) continue;
            if (std::any_of(taken.begin() + pos, taken.begin() + pos + length,
                            [](uint8_t t) { return t != 0; })) {
                continue;
            }
            std::fill(taken.begin() + pos, taken.begin() + pos + length, uint8_t(1));
            out.push_back({pos, length, m_entries[size_t(e)].id});
            ownEnd = pos + length;
        }
    }
    std::sort(out.begin() + std::ptrdiff_t(first), out.end(),
              [](const Match& a, const Match& b) { return a.begin < b.begin; });
}

} // namespace fabulist::inference
