#include "ui/models/transfer_rate.h"

namespace fabulist::ui {

void TransferRate::restart() {
    m_samples.clear();
    m_clock.start();
}

void TransferRate::add(qint64 totalReceived) {
    if (!m_clock.isValid()) m_clock.start();
    const qint64 now = m_clock.elapsed();
    m_samples.emplace_back(now, totalReceived);
    while (m_samples.size() > 2 && now - m_samples.front().first > kWindowMs) m_samples.pop_front();
}

double TransferRate::bytesPerSecond() const {
    if (m_samples.size() < 2) return 0;
    const auto& [firstMs, firstBytes] = m_samples.front();
    const auto& [lastMs, lastBytes] = m_samples.back();
    if (lastMs <= firstMs) return 0;
    return double(lastBytes - firstBytes) * 1000.0 / double(lastMs - firstMs);
}

} // namespace fabulist::ui
