#pragma once
// Where each generated token is in the text the writer sees, so that a click finds its token
// and the disagreement underline lies under the right letters. Tokens are bytes (a character
// of several UTF-8 bytes may be split between two tokens); the text shown is the model's text
// fitted to the page (continuation_fit.h: only whitespace changes, and the end may be cut).
#include <QByteArray>
#include <QString>
#include <optional>
#include <vector>

namespace fabulist::ui {

struct TokenSpan {
    int start = 0; // UTF-16 positions, [start, end)
    int end = 0;
    bool isEmpty() const { return end <= start; }
    bool contains(int position) const { return position >= start && position < end; }
};

// Each token's characters in `text`, which must be exactly the tokens' bytes one after the
// other (nullopt otherwise). A character split between tokens belongs to both.
std::optional<std::vector<TokenSpan>> tokenSpans(const std::vector<QByteArray>& tokens,
                                                 const QString& text);

// For each character of `raw`, its position in `shown` (-1: not shown). `shown` must be `raw`
// with only whitespace added, dropped or changed, and possibly cut at the end (nullopt
// otherwise: the writer edited it).
std::optional<std::vector<int>> alignShown(const QString& raw, const QString& shown);

// The spans in the shown text: from a token's first to its last shown character that is not
// whitespace (empty for a token of whitespace only, or not shown).
std::vector<TokenSpan> shownSpans(const std::vector<TokenSpan>& raw,
                                  const std::vector<int>& rawToShown, const QString& rawText);

// The token whose span holds `position` (the character at it), or -1.
int tokenAt(const std::vector<TokenSpan>& spans, int position);

} // namespace fabulist::ui
