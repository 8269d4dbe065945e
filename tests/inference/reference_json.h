#pragma once
// Small helpers shared by the tests that compare the engine with llama.cpp's reference JSON
// files (parity_reference_test, vulkan_parity_test).

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

namespace fabulist::test {

// The llama.cpp reference folders (CTest sets both: ../shared/reference, reference-next).
inline QString referenceDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_DIR");
}
inline QString referenceNextDir() {
    return qEnvironmentVariable("FABULIST_REFERENCE_NEXT_DIR");
}

// <dir>/<name>.json as an object; empty when it cannot be read.
inline QJsonObject readReferenceJson(const QString& dir, const QString& name) {
    QFile f(dir + "/" + name + ".json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

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
