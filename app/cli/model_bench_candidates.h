#pragma once
// `fabulist-cli bench --candidates N`: a request of N candidates against a request of one,
// interleaved repetition by repetition (this machine's speed drifts over minutes).

#include "inference/engine/engine.h"

namespace fabulist::cli {

struct CandidatesBenchSpec {
    int candidates = 4;
    int nPrompt = 512, nGen = 128, reps = 5;
    bool json = false;
};

int runCandidatesBench(inference::Engine& engine, const std::string& modelPath,
                       const CandidatesBenchSpec& spec);

} // namespace fabulist::cli
