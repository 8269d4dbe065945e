#pragma once
// Small helpers shared by the tests that compare the engine with llama.cpp's reference JSON
// files (parity_reference_test, vulkan_parity_test).

#include <QJsonArray>
#include <QJsonValue>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace fabulist::test {

inline std::vector<int32_t> ids(const QJsonValue& v) {
    std::vector<int32_t> out;
    for (const auto& x : v.toArray()) out.push_back(int32_t(x.toInt()));
    return out;
}

inline std::vector<float> floats(const QJsonValue& v) {
    std::vector<float> out;
    for (const auto& x : v.toArray()) out.push_back(float(x.toDouble()));
    return out;
}

inline int argmax(std::span<const float> v) {
    return int(std::max_element(v.begin(), v.end()) - v.begin());
}

inline float maxAbsDiff(std::span<const float> a, const std::vector<float>& b) {
    float m = 0.0f;
    for (size_t i = 0; i < b.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
    return m;
}

} // namespace fabulist::test
