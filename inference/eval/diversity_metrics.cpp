#include "inference/eval/diversity_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace fabulist::inference {

namespace {

// An n-gram as a string of its ids' bytes: hashable without a custom hash.
std::string key(const TokenSample& s, size_t at, int n) {
    std::string k(size_t(n) * sizeof(int32_t), '\0');
    std::memcpy(k.data(), s.data() + at, k.size());
    return k;
}

size_t ngramCount(const TokenSample& s, int n) {
    return s.size() >= size_t(n) ? s.size() - size_t(n) + 1 : 0;
}

using Counts = std::unordered_map<std::string, int>;

Counts countNgrams(const TokenSample& s, int n) {
    Counts counts;
    for (size_t i = 0; i < ngramCount(s, n); ++i) ++counts[key(s, i, n)];
    return counts;
}

constexpr double kEpsilon = 0.1; // smoothing method 1

double bleuFromCounts(const TokenSample& hyp, const std::vector<const Counts*> refCounts[4],
                      const std::vector<size_t>& refLengths) {
    if (hyp.empty() || refLengths.empty()) return 0.0;
    double logSum = 0.0;
    for (int n = 1; n <= 4; ++n) {
        const Counts hypCounts = countNgrams(hyp, n);
        long matched = 0;
        for (const auto& [gram, count] : hypCounts) {
            int best = 0;
            for (const Counts* ref : refCounts[n - 1]) {
                auto it = ref->find(gram);
                if (it != ref->end()) best = std::max(best, it->second);
            }
            matched += std::min(count, best);
        }
        const double total = double(std::max<size_t>(ngramCount(hyp, n), 1));
        const double precision = matched > 0 ? double(matched) / total : kEpsilon / total;
        logSum += 0.25 * std::log(precision);
    }
    // Brevity penalty against the closest reference length (ties: the shorter one).
    const double c = double(hyp.size());
    size_t closest = refLengths[0];
    for (size_t r : refLengths) {
        const double d = std::abs(double(r) - c), best = std::abs(double(closest) - c);
        if (d < best || (d == best && r < closest)) closest = r;
    }
    const double bp = c > double(closest) ? 1.0 : std::exp(1.0 - double(closest) / c);
    return bp * std::exp(logSum);
}

} // namespace

double distinctN(std::span<const TokenSample> samples, int n) {
    if (n <= 0) return 0.0;
    std::unordered_set<std::string> seen;
    size_t total = 0;
    for (const TokenSample& s : samples)
        for (size_t i = 0; i < ngramCount(s, n); ++i) {
            seen.insert(key(s, i, n));
            ++total;
        }
    return total ? double(seen.size()) / double(total) : 0.0;
}

double repN(const TokenSample& sample, int n) {
    if (n <= 0) return 0.0;
    const size_t total = ngramCount(sample, n);
    if (total == 0) return 0.0;
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < total; ++i) seen.insert(key(sample, i, n));
    return 1.0 - double(seen.size()) / double(total);
}

double bleu4(const TokenSample& hypothesis, std::span<const TokenSample> references) {
    std::vector<Counts> counts[4];
    std::vector<const Counts*> pointers[4];
    std::vector<size_t> lengths;
    for (int n = 1; n <= 4; ++n) {
        counts[n - 1].reserve(references.size());
        for (const TokenSample& r : references) counts[n - 1].push_back(countNgrams(r, n));
        for (const Counts& c : counts[n - 1]) pointers[n - 1].push_back(&c);
    }
    for (const TokenSample& r : references) lengths.push_back(r.size());
    return bleuFromCounts(hypothesis, pointers, lengths);
}

double selfBleu4(std::span<const TokenSample> samples, size_t maxHypotheses) {
    const size_t n = samples.size();
    if (n < 2) return 0.0;
    std::vector<Counts> counts[4];
    for (int k = 1; k <= 4; ++k)
        for (const TokenSample& s : samples) counts[k - 1].push_back(countNgrams(s, k));
    const size_t stride =
        maxHypotheses > 0 && n > maxHypotheses ? (n + maxHypotheses - 1) / maxHypotheses : 1;
    double sum = 0.0;
    size_t scored = 0;
    for (size_t i = 0; i < n; i += stride) {
        std::vector<const Counts*> refs[4];
        std::vector<size_t> lengths;
        for (size_t j = 0; j < n; ++j) {
            if (j == i) continue;
            for (int k = 0; k < 4; ++k) refs[k].push_back(&counts[k][j]);
            lengths.push_back(samples[j].size());
        }
        sum += bleuFromCounts(samples[i], refs, lengths);
        ++scored;
    }
    return sum / double(scored);
}

double entropyNats(std::span<const float> probabilities) {
    double h = 0.0;
    for (float p : probabilities)
        if (p > 0.0f) h -= double(p) * std::log(double(p));
    return h;
}

double logSoftmaxAt(std::span<const float> logits, int32_t id) {
    if (logits.empty() || id < 0 || size_t(id) >= logits.size()) return -INFINITY;
    const float maxLogit = *std::max_element(logits.begin(), logits.end());
    double sum = 0.0;
    for (float z : logits) sum += std::exp(double(z) - double(maxLogit));
    return double(logits[size_t(id)]) - double(maxLogit) - std::log(sum);
}

} // namespace fabulist::inference
