#include "inference/backend/rope_angles.h"

#include <algorithm>
#include <cmath>

namespace fabulist::inference {

namespace {

// ggml's rope_yarn, in its float operations: per dimension pair the interpolated and the
// extrapolated angle mixed by a ramp between the correction dimensions, cos/sin scaled.
void yarnAngles(const RopeParams& p, float theta, float thetaScale, const float* ff,
                float* cache) {
    constexpr float kPi = 3.14159265358979323846f;
    auto corrDim = [&](float nRotations) {
        return float(p.nRot) * std::log(float(p.nCtxOrig) / (nRotations * 2 * kPi)) /
               (2 * std::log(p.freqBase));
    };
    const float low = std::max(0.0f, std::floor(corrDim(p.betaFast)));
    const float high = std::min(float(p.nRot - 1), std::ceil(corrDim(p.betaSlow)));
    const float mscale = p.attnFactor * (1.0f + 0.1f * std::log(1.0f / p.freqScale));
    for (int i0 = 0; i0 < p.nRot; i0 += 2) {
        const float extrap = ff ? theta / ff[i0 / 2] : theta;
        const float interp = p.freqScale * extrap;
        const float y = float(i0 / 2 - low) / std::max(0.001f, high - low);
        const float rampMix = (1 - std::min(1.0f, std::max(0.0f, y))) * p.extFactor;
        const float t = interp * (1 - rampMix) + extrap * rampMix;
        cache[i0] = std::cos(t) * mscale;
        cache[i0 + 1] = std::sin(t) * mscale;
        theta *= thetaScale;
    }
}

} // namespace

void ropeAngles(const RopeParams& p, int pos, float* cache) {
    // ggml builds the angle table by repeated multiplication in float; do the same so positions
    // far from 0 round identically.
    const float thetaScale = std::pow(p.freqBase, -2.0f / float(p.nRot));
    const float* ff = p.freqFactors ? static_cast<const float*>(p.freqFactors->host) : nullptr;
    float theta = float(pos);
    if (p.extFactor != 0.0f) {
        yarnAngles(p, theta, thetaScale, ff, cache);
        return;
    }
    for (int i0 = 0; i0 < p.nRot; i0 += 2) {
        const float t = (ff ? theta / ff[i0 / 2] : theta) * p.freqScale;
        cache[i0] = std::cos(t);
        cache[i0 + 1] = std::sin(t);
        theta *= thetaScale;
    }
}

} // namespace fabulist::inference
