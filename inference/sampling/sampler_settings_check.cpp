#include "inference/sampling/sampler_settings_check.h"

#include <cmath>
#include <sstream>
#include <utility>

namespace fabulist::inference {

namespace {

// "" when lo <= value <= hi (and finite), else the sentence that says so.
std::string outside(const char* name, double value, double lo, double hi) {
    if (std::isfinite(value) && value >= lo && value <= hi) return {};
    std::ostringstream message;
    message << name << " must be a number from " << lo << " to " << hi << ", got " << value;
    return message.str();
}

} // namespace

std::string samplerSettingsProblem(const SamplerSettings& s) {
    const std::pair<const char*, std::string> checks[] = {
        {"temperature", outside("temperature", s.temperature, 0.0, 100.0)},
        {"top-p", outside("top-p", s.topP, 0.0, 1.0)},
        {"min-p", outside("min-p", s.minP, 0.0, 1.0)},
        {"typical", outside("typical-p", s.typicalP, 0.0, 1.0)},
        {"repeat", outside("repeat penalty", s.repeatPenalty, 1e-3, 100.0)},
        {"frequency", outside("frequency penalty", s.frequencyPenalty, -100.0, 100.0)},
        {"presence", outside("presence penalty", s.presencePenalty, -100.0, 100.0)},
        {"xtc-p", outside("XTC probability", s.xtcProbability, 0.0, 1.0)},
        {"xtc-t", outside("XTC threshold", s.xtcThreshold, 0.0, 1.0)},
        {"dry-m", outside("DRY multiplier", s.dryMultiplier, 0.0, 1e6)},
        {"dry-b", outside("DRY base", s.dryBase, 1.0, 100.0)},
    };
    for (const auto& [name, problem] : checks)
        if (!problem.empty()) return problem;
    if (s.dryAllowedLength < 0) return "DRY allowed length must be 0 or more";
    if (s.penaltyLastN < -1) return "the penalty window must be -1 (all), 0 (off) or more";
    return {};
}

} // namespace fabulist::inference
