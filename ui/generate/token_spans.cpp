#include "ui/generate/token_spans.h"

namespace fabulist::ui {

namespace {

int utf8Length(char32_t c) {
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

} // namespace

std::optional<std::vector<TokenSpan>> tokenSpans(const std::vector<QByteArray>& tokens,
                                                 const QString& text) {
    QByteArray joined;
    for (const QByteArray& t : tokens) joined += t;
    if (joined != text.toUtf8()) return std::nullopt;
    // For every byte, the UTF-16 range of the character it belongs to.
    std::vector<TokenSpan> charOfByte;
    charOfByte.reserve(size_t(joined.size()));
    for (int i = 0; i < text.size();) {
        const bool pair = text.at(i).isHighSurrogate() && i + 1 < text.size();
        const char32_t c = pair ? QChar::surrogateToUcs4(text.at(i), text.at(i + 1))
                                : char32_t(text.at(i).unicode());
        const int units = pair ? 2 : 1;
        for (int b = 0; b < utf8Length(c); ++b) charOfByte.push_back({i, i + units});
        i += units;
    }
    std::vector<TokenSpan> spans;
    spans.reserve(tokens.size());
    int byte = 0;
    for (const QByteArray& t : tokens) {
        const int first = byte, last = byte + int(t.size()) - 1;
        byte += int(t.size());
        if (t.isEmpty()) {
            const int at =
                first < int(charOfByte.size()) ? charOfByte[size_t(first)].start : int(text.size());
            spans.push_back({at, at});
        } else {
            spans.push_back({charOfByte[size_t(first)].start, charOfByte[size_t(last)].end});
        }
    }
    return spans;
}

std::optional<std::vector<int>> alignShown(const QString& raw, const QString& shown) {
    std::vector<int> map(size_t(raw.size()), -1);
    int j = 0;
    for (int i = 0; i < raw.size(); ++i) {
        if (raw.at(i).isSpace()) continue;
        while (j < shown.size() && shown.at(j).isSpace()) ++j;
        if (j == shown.size()) break; // the shown text was cut here
        if (shown.at(j) != raw.at(i)) return std::nullopt;
        map[size_t(i)] = j++;
    }
    while (j < shown.size() && shown.at(j).isSpace()) ++j;
    if (j != shown.size()) return std::nullopt; // text the model did not write
    return map;
}

std::vector<TokenSpan> shownSpans(const std::vector<TokenSpan>& raw,
                                  const std::vector<int>& rawToShown, const QString& rawText) {
    std::vector<TokenSpan> spans;
    spans.reserve(raw.size());
    for (const TokenSpan& r : raw) {
        TokenSpan s{-1, -1};
        for (int i = r.start; i < r.end; ++i) {
            const int at = rawToShown[size_t(i)];
            if (at < 0 || rawText.at(i).isSpace()) continue;
            if (s.start < 0) s.start = at;
            s.end = at + 1;
        }
        spans.push_back(s.start < 0 ? TokenSpan{} : s);
    }
    return spans;
}

int tokenAt(const std::vector<TokenSpan>& spans, int position) {
    for (size_t i = 0; i < spans.size(); ++i)
        if (spans[i].contains(position)) return int(i);
    return -1;
}

} // namespace fabulist::ui
