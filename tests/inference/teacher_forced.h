#pragma once
// Two sessions teacher-forced along a reference's greedy paths (each prompt followed by
// llama.cpp's greedy tokens): the largest |logit| difference between them at any step.

#include "inference/engine/session.h"
#include "tests/inference/reference_json.h"

#include <QJsonArray>
#include <QJsonObject>
#include <algorithm>
#include <vector>

namespace fabulist::test {

inline float worstTeacherForcedDiff(inference::Session& a, inference::Session& b,
                                    const QJsonObject& reference) {
    float worst = 0.0f;
    for (const auto& g : reference["greedy"].toArray()) {
        const auto o = g.toObject();
        auto seq = ids(o["prompt_ids"]);
        const size_t promptLen = seq.size();
        const auto want = ids(o["ids"]);
        seq.insert(seq.end(), want.begin(), want.end());
        a.clear();
        b.clear();
        a.evaluate(seq, true);
        b.evaluate(seq, true);
        for (size_t st = 0; st < want.size(); ++st) {
            const auto la = a.logitsAt(int(promptLen - 1 + st));
            const auto lb = b.logitsAt(int(promptLen - 1 + st));
            worst = std::max(worst, maxAbsDiff(la, std::vector<float>(lb.begin(), lb.end())));
        }
    }
    return worst;
}

} // namespace fabulist::test
