#pragma once
// TransferRate: bytes per second over the last few seconds (a sliding window, so the time left
// follows the connection as it is now, not its average since the start).
#include <QElapsedTimer>
#include <deque>
#include <utility>

namespace fabulist::ui {

class TransferRate {
public:
    void restart();                 // forget the samples (a new connection)
    void add(qint64 totalReceived); // bytes received so far, at the time of the call
    double bytesPerSecond() const;

private:
    static constexpr qint64 kWindowMs = 5000;
    QElapsedTimer m_clock;
    std::deque<std::pair<qint64, qint64>> m_samples; // (ms, total bytes)
};

} // namespace fabulist::ui
