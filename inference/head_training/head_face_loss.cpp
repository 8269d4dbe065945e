#include "inference/head_training/head_face_loss.h"

#include <algorithm>
#include <cmath>

namespace fabulist::inference {

std::vector<float> faceTokenWeights(std::span<const int32_t> targets, int nVocab, double gamma) {
    std::vector<double> counts(size_t(nVocab), 0.0);
    for (int32_t y : targets) counts[size_t(y)] += 1.0;
    std::vector<double> w(static_cast<size_t>(nVocab));
    for (size_t t = 0; t < w.size(); ++t) w[t] = std::pow(counts[t] + 1.0, -gamma);
    double mean = 0.0;
    for (int32_t y : targets) mean += w[size_t(y)];
    mean = targets.empty() ? 1.0 : mean / double(targets.size());
    std::vector<float> out(static_cast<size_t>(nVocab));
    for (size_t t = 0; t < w.size(); ++t) out[t] = float(w[t] / mean);
    return out;
}

void HeadGradient::resize(int rank, int nEmbd, int nVocab) {
    a.assign(size_t(rank) * size_t(nEmbd), 0.0f);
    bMatrix.assign(size_t(nVocab) * size_t(rank), 0.0f);
    bias.assign(size_t(nVocab), 0.0f);
}

void HeadGradient::zero() {
    std::fill(a.begin(), a.end(), 0.0f);
    std::fill(bMatrix.begin(), bMatrix.end(), 0.0f);
    std::fill(bias.begin(), bias.end(), 0.0f);
}

HeadLossScratch::HeadLossScratch(int rank, int nVocab)
    : t(size_t(rank)), z(size_t(nVocab)), gt(size_t(rank)) {}

double faceLoss(const HeadAdapter& head, const HeadTrainingData& data,
                std::span<const uint32_t> positions, std::span<const float> tokenWeights,
                double scale, HeadGradient* grad, HeadLossScratch& scratch) {
    const size_t d = size_t(head.nEmbd()), r = size_t(head.rank()), v = size_t(head.nVocab());
    const float* A = head.a().data();
    const float* B = head.bMatrix().data();
    const float* bias = head.bias().data();
    float* t = scratch.t.data();
    float* z = scratch.z.data();
    float* gt = scratch.gt.data();
    double total = 0.0;
    for (uint32_t p : positions) {
        const float* h = data.hiddenAt(p);
        const float* zc = data.logitsAt(p);
        const size_t y = size_t(data.targets[p]);
        for (size_t j = 0; j < r; ++j) {
            const float* row = A + j * d;
            float s = 0.0f;
            for (size_t k = 0; k < d; ++k) s += row[k] * h[k];
            t[j] = s;
        }
        float m = -INFINITY;
        for (size_t i = 0; i < v; ++i) {
            const float* row = B + i * r;
            float s = zc[i] + bias[i];
            for (size_t j = 0; j < r; ++j) s += row[j] * t[j];
            z[i] = s;
            m = std::max(m, s);
        }
        // z becomes exp(z − max) (the softmax numerators, reused by the gradient); sums in double.
        const float zy = z[y];
        double sum = 0.0;
        for (size_t i = 0; i < v; ++i) {
            const float e = std::exp(z[i] - m);
            z[i] = e;
            sum += e;
        }
        const double logZ = double(m) + std::log(sum);
        const double w = tokenWeights[y];
        total += w * (logZ - double(zy));
        if (!grad) continue;

        // g_i = scale·w·(softmax_i − [i == y]); b and B take it directly, A through Bᵀ·g.
        std::fill(gt, gt + r, 0.0f);
        float* gB = grad->bMatrix.data();
        float* gb = grad->bias.data();
        const double sw = scale * w;
        const float pScale = float(sw / sum), gy = float(sw);
        for (size_t i = 0; i < v; ++i) {
            const float g = z[i] * pScale - (i == y ? gy : 0.0f);
            gb[i] += g;
            const float* row = B + i * r;
            float* grow = gB + i * r;
            for (size_t j = 0; j < r; ++j) {
                grow[j] += g * t[j];
                gt[j] += g * row[j];
            }
        }
        float* gA = grad->a.data();
        for (size_t j = 0; j < r; ++j) {
            float* grow = gA + j * d;
            const float c = gt[j];
            for (size_t k = 0; k < d; ++k) grow[k] += c * h[k];
        }
    }
    return total;
}

} // namespace fabulist::inference
