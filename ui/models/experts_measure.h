#pragma once
// What fewer (or more) experts per token do to a MoE model, measured on this machine: the
// perplexity of a shipped text (the sample novel's prose, through the engine's chunked
// perplexity, as `fabulist-cli perplexity` computes it) and the decode speed. Slow (a model
// load and a few hundred tokens): run it off the GUI thread.
#include "ui/models/model_settings.h"

#include <QString>

namespace fabulist::ui {

// The sample novel's prose: its text lines, without the '@' structure lines.
QString measurementText();

// Loads `modelPath` on the CPU with `experts` per token (0: the GGUF's own; the result names
// the k used) and settings' threads and KV type. On failure `error` says why and the result is
// empty (experts 0).
ExpertsMeasurement measureExperts(const QString& modelPath, const ModelSettings& settings,
                                  int experts, QString* error);

} // namespace fabulist::ui
