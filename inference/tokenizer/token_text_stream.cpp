#include "inference/tokenizer/tokenizer.h"
#include "inference/tokenizer/unicode_text.h"

namespace fabulist::inference {

TokenTextStream::TokenTextStream(const Tokenizer& tokenizer, bool renderSpecial)
    : m_tokenizer(tokenizer), m_renderSpecial(renderSpecial) {}

std::string TokenTextStream::push(int32_t id) {
    m_pending += m_tokenizer.piece(id, m_renderSpecial);
    return takeComplete(false);
}

std::string TokenTextStream::flush() {
    return takeComplete(true);
}

std::string TokenTextStream::takeComplete(bool all) {
    const size_t ready = all ? m_pending.size() : completeUtf8Prefix(m_pending);
    const std::string_view text = std::string_view(m_pending).substr(0, ready);
    std::string out;
    out.reserve(ready);
    for (size_t pos = 0; pos < text.size();) {
        const DecodedCodepoint d = decodeUtf8(text, pos);
        if (d.cp == kInvalidCodepoint) {
            out += "\xef\xbf\xbd"; // U+FFFD REPLACEMENT CHARACTER
        } else {
            out.append(text.substr(pos, d.length));
        }
        pos += d.length;
    }
    m_pending.erase(0, ready);
    return out;
}

} // namespace fabulist::inference
