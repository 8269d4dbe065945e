#pragma once
// The eval-diversity plot: distinct-2 (x) against the perplexity of the samples under the
// coherence head (y, log scale), one curve per sampling method, each point labelled with its
// setting value; below it, when the results have them, word distinct-2 (x) against the non-word
// rate (y). Drawn with QImage + QPainter; works without a display (see
// writeDiversityPlot).

#include <limits>
#include <string>
#include <vector>

namespace fabulist::cli {

struct DiversityPoint {
    std::string method; // "alpha", "temperature", "min_p" or "xtc"
    double value = 0.0; // the setting (α, temperature, min-p, XTC probability)
    double distinct2 = 0.0;
    double perplexity = 0.0;
    // Word-level results (eval-diversity's word_distinct_2 and non_word_rate); NaN when the
    // results have none (older files): the words panel is then left out.
    double wordDistinct2 = std::numeric_limits<double>::quiet_NaN();
    double nonWordRate = std::numeric_limits<double>::quiet_NaN();
};

struct DiversityPlot {
    std::string title;    // first line: what was measured on which files
    std::string subtitle; // second line: N, L, prompts, seed
    std::vector<DiversityPoint> points;
};

// The methods a plot knows, in legend order; anything else is refused by the results reader.
const std::vector<std::string>& diversityPlotMethods();

// "model.gguf + head.gguf" style title and "N samples × L tokens ..., base" subtitle (base:
// eval-diversity's --base, "plain" or "llama").
DiversityPlot diversityPlotHeader(const std::string& modelPath, const std::string& adapterPath,
                                  long prompts, long samples, long length, long seed,
                                  const std::string& base = "plain");

// Draws the plot and writes it as PNG to `path` atomically (QSaveFile: a failed write leaves
// any old file untouched). Creates a QGuiApplication for the drawing when none exists, on the
// "offscreen" platform unless QT_QPA_PLATFORM says otherwise, so no display is needed. Throws
// std::runtime_error naming the path and what to do when the file cannot be written, or when
// there is no point with a finite, positive perplexity to draw.
void writeDiversityPlot(const DiversityPlot& plot, const std::string& path);

// Checks before a long run that `path` can be written (opens and discards a QSaveFile there);
// throws std::runtime_error naming the path and what to do.
void checkDiversityPlotWritable(const std::string& path);

// Image size in pixels (the test checks it).
constexpr int kDiversityPlotWidth = 1200;
constexpr int kDiversityPlotHeight = 800;       // without the words panel
constexpr int kDiversityPlotWordsHeight = 1500; // with it

} // namespace fabulist::cli
