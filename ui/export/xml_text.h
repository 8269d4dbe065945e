#pragma once
// Escaping for the XML the DOCX and EPUB writers put together by hand.

#include <string>
#include <string_view>

namespace fabulist::exporting {

// &, <, >, " and ' as entities; control characters XML forbids are dropped.
inline std::string xmlEscaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
        }
    }
    return out;
}

} // namespace fabulist::exporting
