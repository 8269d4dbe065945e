#include "inference/tokenizer/unicode_text.h"

#include <algorithm>
#include <array>

namespace fabulist::inference {

namespace unicode_detail {
extern const uint32_t kRangeCount;
extern const uint32_t kRanges[];
} // namespace unicode_detail

namespace {

CodepointFlags lookupFlags(char32_t cp) {
    using namespace unicode_detail;
    // Last range whose start is <= cp.
    const uint32_t key = (uint32_t(cp) << 8) | 0xffu;
    const uint32_t* end = kRanges + kRangeCount;
    const uint32_t* it = std::upper_bound(kRanges, end, key);
    return CodepointFlags{uint8_t(it == kRanges ? 0 : (*(it - 1) & 0xffu))};
}

// Latin-1 is by far the most common input; a direct table saves the binary search.
const std::array<CodepointFlags, 256>& latin1Flags() {
    static const std::array<CodepointFlags, 256> table = [] {
        std::array<CodepointFlags, 256> t{};
        for (char32_t cp = 0; cp < 256; ++cp) t[cp] = lookupFlags(cp);
        return t;
    }();
    return table;
}

} // namespace

CodepointFlags codepointFlags(char32_t cp) {
    if (cp < 256) return latin1Flags()[cp];
    if (cp > 0x10ffff) return CodepointFlags{uint8_t(UnicodeCategory::Other)};
    return lookupFlags(cp);
}

DecodedCodepoint decodeUtf8(std::string_view text, size_t pos) {
    const auto byte = [&](size_t i) { return uint8_t(text[i]); };
    const uint8_t b0 = byte(pos);
    if (b0 < 0x80) return {b0, 1};
    size_t need;
    char32_t cp;
    char32_t minimum;
    if ((b0 & 0xe0) == 0xc0) {
        need = 1, cp = b0 & 0x1f, minimum = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
        need = 2, cp = b0 & 0x0f, minimum = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
        need = 3, cp = b0 & 0x07, minimum = 0x10000;
    } else {
        return {kInvalidCodepoint, 1};
    }
    if (pos + need >= text.size()) return {kInvalidCodepoint, 1};
    for (size_t i = 1; i <= need; ++i) {
        const uint8_t b = byte(pos + i);
        if ((b & 0xc0) != 0x80) return {kInvalidCodepoint, 1};
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < minimum || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return {kInvalidCodepoint, 1};
    }
    return {cp, uint32_t(need + 1)};
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xc0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += char(0xe0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3f));
        out += char(0x80 | (cp & 0x3f));
    } else {
        out += char(0xf0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3f));
        out += char(0x80 | ((cp >> 6) & 0x3f));
        out += char(0x80 | (cp & 0x3f));
    }
}

size_t completeUtf8Prefix(std::string_view text) {
    // Look at most 3 bytes back for the lead byte of an unfinished sequence.
    const size_t n = text.size();
    for (size_t back = 1; back <= 3 && back <= n; ++back) {
        const uint8_t lead = uint8_t(text[n - back]);
        if ((lead & 0xc0) == 0x80) continue; // continuation byte: keep looking for the lead
        const size_t len = (lead >= 0xc2 && lead <= 0xdf)   ? 2
                           : (lead >= 0xe0 && lead <= 0xef) ? 3
                           : (lead >= 0xf0 && lead <= 0xf4) ? 4
                                                            : 1;
        if (len <= back) return n; // complete (or invalid, which waiting cannot fix)
        if (back >= 2) {
            // The second byte's range depends on the lead (no overlongs, surrogates, > U+10FFFF).
            const uint8_t second = uint8_t(text[n - back + 1]);
            uint8_t lo = 0x80, hi = 0xbf;
            if (lead == 0xe0) lo = 0xa0;
            if (lead == 0xed) hi = 0x9f;
            if (lead == 0xf0) lo = 0x90;
            if (lead == 0xf4) hi = 0x8f;
            if (second < lo || second > hi) return n;
        }
        return n - back;
    }
    return n;
}

} // namespace fabulist::inference
