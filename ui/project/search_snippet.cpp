#include "ui/project/search_snippet.h"

namespace fabulist::ui {

namespace {
const QChar kOpen(0xE000);
const QChar kClose(0xE001);
const QChar kEllipsis(0x2026); // FTS5 puts it where the snippet cuts the text
} // namespace

const char* SearchSnippet::markOpen() {
    return "\xEE\x80\x80";
}

const char* SearchSnippet::markClose() {
    return "\xEE\x80\x81";
}

SearchSnippet::SearchSnippet(const QString& marked) : m_marked(marked) {
    for (const QChar c : marked) {
        if (c == kOpen) {
            if (m_matchOffset < 0) m_matchOffset = int(m_plain.size());
        } else if (c == kClose) {
            if (m_firstMatch.isEmpty() && m_matchOffset >= 0)
                m_firstMatch = m_plain.mid(m_matchOffset);
        } else {
            m_plain += c;
        }
    }
}

QString SearchSnippet::html(const QPalette& palette, bool selected) const {
    QColor mark = palette.color(QPalette::Highlight);
    mark.setAlpha(selected ? 0 : 70);
    const QString open =
        QStringLiteral("<span style=\"font-weight:600; background-color:rgba(%1,%2,"
                       "%3,%4)\">")
            .arg(mark.red())
            .arg(mark.green())
            .arg(mark.blue())
            .arg(mark.alpha());
    QString out = m_marked.toHtmlEscaped();
    out.replace(kOpen, open);
    out.replace(kClose, QStringLiteral("</span>"));
    out.replace(QLatin1Char('\n'), QStringLiteral(" "));
    return out;
}

std::pair<int, int> SearchSnippet::locate(const QString& text) const {
    if (m_firstMatch.isEmpty()) return {-1, 0};
    // The snippet is a verbatim slice of the text, but for the ellipses where it was cut.
    QString context = m_plain;
    int offset = m_matchOffset;
    if (context.startsWith(kEllipsis)) {
        context.remove(0, 1);
        --offset;
    }
    if (context.endsWith(kEllipsis)) context.chop(1);
    if (!context.isEmpty() && offset >= 0) {
        const qsizetype at = text.indexOf(context);
        if (at >= 0) return {int(at) + offset, int(m_firstMatch.size())};
    }
    // The text changed since it was indexed (unsaved typing): the word alone.
    const qsizetype at = text.indexOf(m_firstMatch, 0, Qt::CaseInsensitive);
    return at >= 0 ? std::pair<int, int>{int(at), int(m_firstMatch.size())}
                   : std::pair<int, int>{-1, 0};
}

} // namespace fabulist::ui
