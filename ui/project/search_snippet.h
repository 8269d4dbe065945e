#pragma once
// SearchSnippet: an FTS5 snippet (storage::SearchHit::snippet, matches wrapped in the private-use
// markers below) turned into rich text with the matches highlighted, and the place of its first
// match in the document's text, so opening a result selects exactly that match.
#include <QPalette>
#include <QString>
#include <utility>

namespace fabulist::ui {

class SearchSnippet {
public:
    // The markers the project search asks storage to put around matches (U+E000, U+E001).
    static const char* markOpen();
    static const char* markClose();

    explicit SearchSnippet(const QString& marked = {});

    QString plain() const { return m_plain; }           // markers removed
    QString firstMatch() const { return m_firstMatch; } // the first highlighted word(s)
    // Rich text: the snippet escaped, matches bold on the palette's highlight (faint, so the
    // text stays readable in light and dark; on a selected row the row's colours carry it).
    QString html(const QPalette& palette, bool selected) const;
    // Where the first match is in `text` (start, length in UTF-16): found through the snippet's
    // words around it, else the first case-insensitive occurrence; (-1, 0) when absent.
    std::pair<int, int> locate(const QString& text) const;

private:
    QString m_marked;
    QString m_plain;
    QString m_firstMatch;
    int m_matchOffset = -1; // of m_firstMatch in m_plain
};

} // namespace fabulist::ui
