#pragma once
// The plain values that travel between the GUI thread and the InferenceWorker's thread through
// queued signals: what to generate, what came out, and which model answers. Copies only, so
// neither side ever touches the other's objects.
#include "inference/engine/generator.h"
#include "inference/sampling/sampler_settings.h"
#include "storage/generation_repository.h"

#include <QMetaType>
#include <QString>
#include <atomic>
#include <memory>
#include <vector>

namespace fabulist::ui {

// The prompt budget: at most this many tokens of the text before the cursor, taken from the last
// kPromptContextChars characters (prose runs about four characters a token).
inline constexpr int kPromptBudgetTokens = 1500;
inline constexpr int kPromptContextChars = 4 * kPromptBudgetTokens;
// The least the model reads of the writer's text: the length is capped before the prompt
// shrinks below this (a model with a short context otherwise sees a few words).
inline constexpr int kMinimumPromptTokens = 256;

struct GenerationRequest {
    qint64 id = 0;   // assigned by the caller; cancel(id) stops it and every earlier one
    QString context; // the text before the cursor; the worker keeps the end that fits
    int maxTokens = 80;
    int maxContextTokens = kPromptBudgetTokens; // at most this many prompt tokens (and the model's)
    inference::SamplerSettings sampler;
    float alpha = 0.0f; // diversity-head weight; ignored without an adapter
    // The slider while the text streams: the GUI stores into it, the worker's generator reads
    // it before every token (starts at alpha). nullptr: alpha throughout.
    std::shared_ptr<std::atomic<float>> liveAlpha;
};

struct GenerationOutcome {
    qint64 requestId = 0;
    QString prompt; // the suffix of GenerationRequest::context that was used
    QString text;   // what the model wrote (partial when cancelled)
    bool cancelled = false;
    // How the model stopped, in the project's terms (the worker maps the engine's reason once).
    storage::GenerationStop stop = storage::GenerationStop::Unknown;
    int promptTokens = 0;
    int reusedTokens = 0; // prompt tokens found in the session's KV cache
    int generatedTokens = 0;
    double promptMs = 0.0;
    double decodeMs = 0.0;
    float alpha = 0.0f; // the weight actually used (0 without an adapter)
    // With a live slider: the α of the first token and every change after it.
    std::vector<inference::AlphaChange> alphaChanges;
};

// Identity of the loaded model and adapter, as generations record it.
struct LoadedModel {
    QString modelPath;
    QString modelName;   // general.name, else the file name
    QString modelSha256; // of the whole model file
    int contextLength = 0;
    QString adapterPath;   // empty when none is loaded
    QString adapterId;     // the adapter's file name
    QString adapterStatus; // why there is no adapter (empty when one is loaded)
};

} // namespace fabulist::ui

Q_DECLARE_METATYPE(fabulist::ui::GenerationRequest)
Q_DECLARE_METATYPE(fabulist::ui::GenerationOutcome)
Q_DECLARE_METATYPE(fabulist::ui::LoadedModel)
