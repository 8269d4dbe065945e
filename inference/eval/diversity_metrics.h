#pragma once
// Diversity metrics of generated samples, computed over the model's token ids (not over
// whitespace words): every model has ids, while "words" depend on the language and on how a
// tokenizer marks spaces, and token n-grams are exactly what the sampler chooses between.
//
// - distinct-n: distinct n-grams / all n-grams, pooled over the samples of one prompt.
// - self-BLEU-4: the mean BLEU-4 of each sample against the other samples of the same prompt
//   (clipped n-gram precisions 1..4, uniform weights, brevity penalty against the closest
//   reference length, ties to the shorter). A precision with no match is smoothed as
//   epsilon / count with epsilon 0.1 (Chen & Cherry's method 1, as NLTK's). Higher = less
//   diverse. With more than maxHypotheses samples, every k-th sample is scored (deterministic)
//   against all the others.
// - rep-n: 1 - distinct n-grams / n-grams within one sample (repetition inside a text).
// - entropy: of a sampling distribution, in nats.
// - perplexity: exp(mean negative log-likelihood per token).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fabulist::inference {

using TokenSample = std::vector<int32_t>;

// 0 when the samples hold no n-gram at all.
double distinctN(std::span<const TokenSample> samples, int n);

// 0 for fewer than two samples (nothing to compare with).
double selfBleu4(std::span<const TokenSample> samples, size_t maxHypotheses = 64);

// BLEU-4 of one hypothesis against references (as described above).
double bleu4(const TokenSample& hypothesis, std::span<const TokenSample> references);

// 0 when the sample is shorter than n.
double repN(const TokenSample& sample, int n);

// Shannon entropy in nats of probabilities that sum to 1 (zeros ignored).
double entropyNats(std::span<const float> probabilities);

// log softmax(logits)[id], computed in double with the max subtracted.
double logSoftmaxAt(std::span<const float> logits, int32_t id);

} // namespace fabulist::inference
