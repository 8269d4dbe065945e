#pragma once
// Pieces the Generator's single runs (generator.cpp) and its candidates (candidates.cpp) share.
// Internal to inference/engine.

#include "inference/engine/generator.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace fabulist::inference {

class Tokenizer;

namespace generator_parts {

using Clock = std::chrono::steady_clock;

// Records that the token at `index` is sampled at `alpha`, when that differs from the last α
// recorded (a resampled position replaces its own entry).
void noteAlpha(std::vector<AlphaChange>& changes, int index, float alpha);
double msSince(Clock::time_point start);
bool cancelled(const std::atomic<bool>* cancel);
// The ids of every token whose bytes contain one of the DRY sequence-breaker strings.
std::vector<int32_t> dryBreakerIds(const Tokenizer& tokenizer, const SamplerSettings& s);

} // namespace generator_parts
} // namespace fabulist::inference
