#include "ui/generate/generation_record.h"

namespace fabulist::ui {

storage::GenerationStop toStorageStop(inference::StopReason reason) {
    switch (reason) {
    case inference::StopReason::Cancelled:
    case inference::StopReason::Callback:
        return storage::GenerationStop::Stopped;
    case inference::StopReason::MaxTokens:
        return storage::GenerationStop::Length;
    case inference::StopReason::EndOfGeneration:
        return storage::GenerationStop::EndOfText;
    case inference::StopReason::ContextFull:
        return storage::GenerationStop::ContextFull;
    }
    return storage::GenerationStop::Unknown;
}

storage::Generation makeGenerationRecord(const GenerationOrigin& origin,
                                         const GenerationRequest& request,
                                         const GenerationOutcome& outcome,
                                         const LoadedModel& model) {
    storage::Generation g;
    g.task = origin.task.toStdString();
    g.documentId = origin.documentId;
    g.contextEnd = origin.contextEnd;
    g.contextStart = std::max<qint64>(0, origin.contextEnd - outcome.sceneChars);
    g.modelId = model.modelName.toStdString();
    // A remote engine: the server, the model name it reported, what it honours, and a fault.
    if (!outcome.engine.serverUrl.isEmpty()) {
        g.engine = outcome.engine.serverUrl.toStdString();
        if (!outcome.engine.serverModel.isEmpty())
            g.modelId = outcome.engine.serverModel.toStdString();
        g.engineSettings = outcome.engine.honoured.join(QLatin1Char(' ')).toStdString();
    }
    g.failure = outcome.failure.toStdString();
    g.modelSha256 = model.modelSha256.toStdString();
    // Where the slider moved while it streamed; one entry is the starting α (nothing moved).
    bool headTookPart = outcome.alpha > 0.0f;
    if (outcome.alphaChanges.size() > 1)
        for (const inference::AlphaChange& c : outcome.alphaChanges) {
            g.alphaChanges.push_back({c.tokenIndex, double(c.alpha)});
            headTookPart |= c.alpha > 0.0f;
        }
    // The adapter only counts when it took part (α > 0); at α 0 the model's own head decides.
    if (headTookPart) g.adapterId = model.adapterId.toStdString();
    g.mixAlpha = outcome.alpha;
    g.sampler = request.sampler; // the engine's struct is storage's (one set of names)
    g.seed = request.sampler.seed;
    g.prompt = outcome.prompt.toStdString();
    g.output = outcome.text.toStdString();
    g.promptTokens = outcome.promptTokens;
    g.generatedTokens = outcome.generatedTokens;
    g.promptMs = outcome.promptMs;
    g.generationMs = outcome.decodeMs;
    // Stopped or not, it waits for the writer's decision (stop when it's good, keep it).
    g.status = storage::GenerationStatus::Pending;
    g.stopReason = outcome.cancelled ? storage::GenerationStop::Stopped : outcome.stop;
    g.parentId = origin.parentId;
    if (request.story) g.instruction = request.story->request.instruction;
    if (const auto& built = outcome.storyPrompt) {
        g.bibleEntries = built->includedEntries;
        for (const inference::prompting::PromptPart& part : built->parts)
            g.promptParts.push_back({part.source, int64_t(part.start), int64_t(part.end)});
    }
    return g;
}

} // namespace fabulist::ui
