#pragma once
// Reads a saved `eval-diversity --json` output back into plot points, so that a measurement
// (e.g. resources/models/fabulist-default.head.eval.json) can be redrawn without the model.

#include "app/cli/diversity_plot.h"

#include <string>

namespace fabulist::cli {

// Strict: the file must be a JSON object with a non-empty "settings" array whose entries have
// a known "method" and numeric "value", "distinct_2" and "perplexity", and numeric "prompts",
// "samples", "length" and "seed". "model" and "adapter" (file paths, written by newer
// versions) are optional. Throws std::runtime_error naming the file, the entry and what is
// wrong.
DiversityPlot readDiversityResults(const std::string& path);

} // namespace fabulist::cli
