#include "inference/heads/word_start_mask.h"

#include "inference/engine_error.h"
#include "inference/heads/head_adapter.h"
#include "inference/tokenizer/tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>

namespace fabulist::inference {

namespace {

bool beginsSomethingNew(const std::string& bytes) {
    if (bytes.empty()) return false;
    const unsigned char c = static_cast<unsigned char>(bytes[0]);
    if (c >= 0x80) return false; // a non-ASCII letter or a piece of one
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') return true;
    return c < 0x80 && !std::isalnum(c) && c >= 0x21;
}

} // namespace

std::vector<bool> wordStartTokens(const Tokenizer& tokenizer) {
    std::vector<bool> keep(size_t(tokenizer.vocabSize()), false);
    for (int32_t id = 0; id < tokenizer.vocabSize(); ++id) {
        if (tokenizer.tokenType(id) != TokenType::Normal &&
            tokenizer.tokenType(id) != TokenType::Byte)
            continue;
        keep[size_t(id)] = beginsSomethingNew(tokenizer.tokenBytes(id));
    }
    return keep;
}

namespace {

// log Σ e^x over the word-start entries, in double with the max subtracted.
double logSumExp(std::span<const float> x, const std::vector<bool>& wordStarts) {
    float top = -std::numeric_limits<float>::infinity();
    for (size_t t = 0; t < x.size(); ++t)
        if (wordStarts[t]) top = std::max(top, x[t]);
    if (!std::isfinite(top)) return top;
    double sum = 0.0;
    for (size_t t = 0; t < x.size(); ++t)
        if (wordStarts[t]) sum += std::exp(double(x[t]) - double(top));
    return double(top) + std::log(sum);
}

} // namespace

void keepContinuationMass(std::span<const float> coherence, std::span<float> mixed,
                          const std::vector<bool>& wordStarts) {
    if (coherence.size() != mixed.size() || wordStarts.size() != mixed.size())
        throw EngineError("keepContinuationMass: " + std::to_string(coherence.size()) + ", " +
                          std::to_string(mixed.size()) + " and " +
                          std::to_string(wordStarts.size()) + " values do not match");
    const double before = logSumExp(coherence, wordStarts);
    const double after = logSumExp(mixed, wordStarts);
    if (!std::isfinite(before) || !std::isfinite(after)) return;
    const float shift = float(before - after);
    for (size_t t = 0; t < mixed.size(); ++t)
        if (wordStarts[t]) mixed[t] += shift;
}

int keepWordStartsOnly(HeadAdapter& adapter, const Tokenizer& tokenizer) {
    return keepOnly(adapter, wordStartTokens(tokenizer));
}

int keepOnly(HeadAdapter& adapter, const std::vector<bool>& keep) {
    if (int(keep.size()) != adapter.nVocab())
        throw EngineError("the head has " + std::to_string(adapter.nVocab()) +
                          " output rows but the model's tokenizer " + std::to_string(keep.size()) +
                          " tokens");
    const size_t rank = size_t(adapter.rank());
    int kept = 0;
    for (size_t t = 0; t < keep.size(); ++t) {
        if (keep[t]) {
            ++kept;
            continue;
        }
        std::fill_n(adapter.bMatrix().begin() + std::ptrdiff_t(t * rank), rank, 0.0f);
        adapter.bias()[t] = 0.0f;
    }
    adapter.training().deltaTokens = "word-starts";
    return kept;
}

} // namespace fabulist::inference
