#pragma once
// The plain values that travel between the GUI thread and the InferenceWorker's thread through
// queued signals: what to generate, what came out, and which model answers. Copies only, so
// neither side ever touches the other's objects.
#include "inference/engine/generator.h"
#include "inference/prompting/story_prompt.h"
#include "inference/sampling/sampler_settings.h"
#include "storage/generation_repository.h"
#include "ui/generate/token_insight_request.h"

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace fabulist::ui {

// The prompt budget: at most this many tokens of the text before the cursor, taken from the last
// kPromptContextChars characters (prose runs about four characters a token).
inline constexpr int kPromptBudgetTokens = 1500;
inline constexpr int kPromptContextChars = 4 * kPromptBudgetTokens;
// The least the model reads of the writer's text: the length is capped before the prompt
// shrinks below this (a model with a short context otherwise sees a few words).
inline constexpr int kMinimumPromptTokens = 256;
// The most candidates one request asks for (GenerationRequest::candidates).
inline constexpr int kMaxCandidates = 8;

// A writing task (Brainstorm, Rewrite, ... or Continue with the story bible): the worker builds
// the prompt from it with inference::prompting::buildStoryPrompt, the same call the context
// viewer's preview makes, so what the writer is shown is what the model reads.
struct StoryTask {
    inference::prompting::StoryRequest request;
    inference::prompting::ContextSettings settings;
    inference::prompting::PromptTemplate promptTemplate;
    // The user-message template for an instruct model (resources/prompts/chat/); used when the
    // loaded model has a chat template.
    std::optional<inference::prompting::PromptTemplate> chatUserTemplate;
};

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
    // How many continuations of the one prompt (1-8): candidate i draws with seed sampler.seed
    // + i, and they decode together (the engine's runCandidates).
    int candidates = 1;
    // "Branch with this token": tokens taken as the first generated ones (after the prompt),
    // with the text they stand for; every candidate's text and ids begin with them.
    std::vector<int32_t> forcedIds;
    QString forcedText;
    // A writing task: the prompt comes from it instead of `context`; one-line tasks stop each
    // candidate at its line's end, tasks that replace the selection may not give it back
    // verbatim, and their length follows the selection's (writing_task.h).
    std::optional<StoryTask> story;
};

// Which server wrote a generation (empty serverUrl: the local engine).
struct RemoteEngineRecord {
    QString serverUrl;
    QString serverModel;  // the name the server reported
    QStringList honoured; // the settings sent that this server honours
};

// One candidate of a request: what GenerationOutcome says of the whole request, per candidate.
struct CandidateOutcome {
    QString text; // partial when cancelled
    storage::GenerationStop stop = storage::GenerationStop::Unknown;
    int generatedTokens = 0;
    std::vector<inference::AlphaChange> alphaChanges;
    std::optional<int64_t> generationId; // its recorded row, filled in by the controller
    std::vector<int32_t> ids; // the generated tokens (the token view explains them)
    // A server's text: the token view's numbers from its logprobs (a server's logits cannot
    // be replayed here later).
    std::shared_ptr<const TokenInsights> serverInsights;
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
    std::vector<int32_t> ids; // the generated tokens of candidate 0
    // Every candidate, in order; candidate 0 also fills text, stop, generatedTokens and
    // alphaChanges above. Empty when the request never started.
    std::vector<CandidateOutcome> candidates;
    // A story request's prompt: its parts, the bible's decisions, the ids; and how many UTF-16
    // code units of the text before the cursor it read (the recorded context span).
    std::shared_ptr<const inference::prompting::StoryPrompt> storyPrompt;
    qint64 sceneChars = 0;
    RemoteEngineRecord engine; // a remote engine's request: which server, model, settings
    // Why a remote request failed (its text until then is kept); empty when it did not.
    QString failure;
};

// The context viewer's answer: the prompt the next request would send (or why there is none).
struct PromptPreview {
    qint64 id = 0;
    std::shared_ptr<const inference::prompting::StoryPrompt> prompt;
    QString error;
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
    QString serverUrl;     // a remote engine's base URL (modelName: the model it reports)
    // Which device runs it and why: "CPU" with "no GPU found", "Vulkan" with the GPU's name.
    QString device;
    QString deviceDetail;
    // Set when the chosen GPU failed and the CPU took over: what happened, for the writer.
    QString deviceNotice;
    int expertCount = 0, expertsUsed = 0; // MoE: experts per layer and per token (0, 0: dense)
};

} // namespace fabulist::ui

Q_DECLARE_METATYPE(fabulist::ui::GenerationRequest)
Q_DECLARE_METATYPE(fabulist::ui::GenerationOutcome)
Q_DECLARE_METATYPE(fabulist::ui::LoadedModel)
Q_DECLARE_METATYPE(fabulist::ui::PromptPreview)
