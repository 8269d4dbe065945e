#include "ui/generation_record.h"

namespace fabulist::ui {

storage::SamplerSettings toStorageSampler(const inference::SamplerSettings& s) {
    storage::SamplerSettings out;
    out.temperature = s.temperature;
    out.topK = s.topK;
    out.topP = s.topP;
    out.minP = s.minP;
    out.typicalP = s.typicalP;
    out.repeatPenalty = s.repeatPenalty;
    out.repeatLastN = s.penaltyLastN;
    out.frequencyPenalty = s.frequencyPenalty;
    out.presencePenalty = s.presencePenalty;
    out.dryMultiplier = s.dryMultiplier;
    out.dryBase = s.dryBase;
    out.dryAllowedLength = s.dryAllowedLength;
    out.dryPenaltyLastN = s.dryPenaltyLastN;
    out.drySequenceBreakers = s.drySequenceBreakers;
    out.xtcProbability = s.xtcProbability;
    out.xtcThreshold = s.xtcThreshold;
    out.mirostat = 0; // the engine's chain has no Mirostat stage
    return out;
}

storage::GenerationStop toStorageStop(const QString& stopReason, bool cancelled) {
    // The writer's Stop (and closing the window) cancels; the token callback only stops for
    // the same reasons. Names are inference::stopReasonName's.
    if (cancelled || stopReason == QLatin1String("cancelled") ||
        stopReason == QLatin1String("callback"))
        return storage::GenerationStop::Stopped;
    if (stopReason == QLatin1String("max_tokens")) return storage::GenerationStop::Length;
    if (stopReason == QLatin1String("end_of_generation")) return storage::GenerationStop::EndOfText;
    if (stopReason == QLatin1String("context_full")) return storage::GenerationStop::ContextFull;
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
    g.contextStart = std::max<qint64>(0, origin.contextEnd - outcome.prompt.size());
    g.modelId = model.modelName.toStdString();
    g.modelSha256 = model.modelSha256.toStdString();
    // The adapter only counts when it took part (α > 0); at α 0 the model's own head decides.
    if (outcome.alpha > 0.0f) g.adapterId = model.adapterId.toStdString();
    g.mixAlpha = outcome.alpha;
    g.sampler = toStorageSampler(request.sampler);
    g.seed = request.sampler.seed;
    g.prompt = outcome.prompt.toStdString();
    g.output = outcome.text.toStdString();
    g.promptTokens = outcome.promptTokens;
    g.generatedTokens = outcome.generatedTokens;
    g.promptMs = outcome.promptMs;
    g.generationMs = outcome.decodeMs;
    g.status = outcome.cancelled ? storage::GenerationStatus::Rejected
                                 : storage::GenerationStatus::Pending;
    g.stopReason = toStorageStop(outcome.stopReason, outcome.cancelled);
    g.parentId = origin.parentId;
    return g;
}

} // namespace fabulist::ui
