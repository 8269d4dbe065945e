#pragma once
// SseParser: the server-sent-events framing of a streamed /v1/completions reply, fed the bytes as
// they arrive (a line may be split across reads, CRLF or LF). Each blank line ends an event; its
// `data:` lines (joined by '\n') are the payload. `data: [DONE]` is the end of the stream.
// Comments (": ...") and the fields id/event/retry are skipped; any other line is malformed.
#include <QByteArray>
#include <QString>
#include <vector>

namespace fabulist::remote {

struct SseEvent {
    QByteArray data;
    bool done = false; // `data: [DONE]`
};

class SseParser {
public:
    // The events that the bytes so far complete; on a malformed line, error() says which
    // (and no event after it is returned).
    std::vector<SseEvent> feed(const QByteArray& bytes);
    // What is left when the stream closes: an unterminated event is dispatched (a server may
    // close right after its last line); a partial line is not.
    std::vector<SseEvent> finish();
    const QString& error() const { return m_error; }
    bool hasPartialLine() const { return !m_line.isEmpty(); }

    static constexpr qsizetype kMaxLineBytes = 4 << 20; // a longer line is malformed

private:
    void takeLine(QByteArray line, std::vector<SseEvent>& out);
    void dispatch(std::vector<SseEvent>& out);

    QByteArray m_line;
    QByteArray m_data;
    bool m_hasData = false;
    QString m_error;
};

} // namespace fabulist::remote
