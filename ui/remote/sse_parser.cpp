#include "ui/remote/sse_parser.h"

namespace fabulist::remote {

std::vector<SseEvent> SseParser::feed(const QByteArray& bytes) {
    std::vector<SseEvent> out;
    if (!m_error.isEmpty()) return out;
    m_line.append(bytes);
    qsizetype start = 0;
    for (qsizetype nl; (nl = m_line.indexOf('\n', start)) >= 0 && m_error.isEmpty(); start = nl + 1)
        takeLine(m_line.mid(start, nl - start), out);
    m_line.remove(0, start);
    if (m_error.isEmpty() && m_line.size() > kMaxLineBytes)
        m_error = QStringLiteral("a stream line longer than %1 MiB").arg(kMaxLineBytes >> 20);
    return out;
}

std::vector<SseEvent> SseParser::finish() {
    std::vector<SseEvent> out;
    if (m_error.isEmpty()) dispatch(out);
    return out;
}

void SseParser::takeLine(QByteArray line, std::vector<SseEvent>& out) {
    if (line.endsWith('\r')) line.chop(1);
    if (line.isEmpty()) return dispatch(out);
    if (line.startsWith(':')) return; // a comment (servers send them as keep-alives)
    const qsizetype colon = line.indexOf(':');
    const QByteArray field = colon < 0 ? line : line.left(colon);
    QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
    if (value.startsWith(' ')) value.remove(0, 1);
    if (field == "data") {
        if (m_hasData) m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    } else if (field != "id" && field != "event" && field != "retry") {
        m_error = QStringLiteral("a malformed stream line: \u201c%1\u201d")
                      .arg(QString::fromUtf8(line.left(120)));
    }
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
    if (!m_hasData) return;
    SseEvent event;
    event.done = m_data.trimmed() == "[DONE]";
    event.data = std::move(m_data);
    m_data.clear();
    m_hasData = false;
    out.push_back(std::move(event));
}

} // namespace fabulist::remote
