#pragma once
// ModelSettings: how one model is loaded (Models… > Model Settings), remembered per model file
// in Settings and applied by the worker when it loads the model.
#include "inference/backend/backend_choice.h"

#include <QMetaType>
#include <QString>

namespace fabulist::ui {

struct ModelSettings {
    int contextLength = 0;                  // tokens; 0: the model's own, at most 4096
    int expertsUsed = 0;                    // MoE models; 0: the GGUF's own experts per token
    int threads = 0;                        // 0: one per physical core
    QString kvType = QStringLiteral("f16"); // "f16", "q8_0" or "f32"
    inference::BackendPreference backend = inference::BackendPreference::Auto;

    bool operator==(const ModelSettings&) const = default;
};

// A measured effect of experts per token (k) on one model: perplexity on a shipped text and
// decode speed, as the Measure button found them (cached per model and k).
struct ExpertsMeasurement {
    int experts = 0;
    double perplexity = 0.0;
    double tokensPerSecond = 0.0;
    int scoredTokens = 0;
    QString device; // what ran it ("cpu", "vulkan")
};

} // namespace fabulist::ui

Q_DECLARE_METATYPE(fabulist::ui::ModelSettings)
Q_DECLARE_METATYPE(fabulist::ui::ExpertsMeasurement)
