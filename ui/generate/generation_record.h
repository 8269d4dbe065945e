#pragma once
// Turns one finished request into the storage::Generation row that records it: everything needed
// to know how the text was made and to make it again (model and adapter identity, α, every
// sampler setting, seed, the context span in UTF-16 positions, prompt, output, counts, timings).
#include "inference/engine/generator.h"
#include "storage/generation_repository.h"
#include "ui/generate/generation_request.h"

#include <cstdint>
#include <optional>

namespace fabulist::ui {

// What the panel knew when it asked: where in which document, and what it branched from.
struct GenerationOrigin {
    QString task = QStringLiteral("continue");
    std::optional<int64_t> documentId;
    qint64 contextEnd = 0; // the cursor position the text continues from
    std::optional<int64_t> parentId;
};

// How the model stopped, in the project's terms: the writer's Stop (and closing the window)
// cancels, and the token callback only stops for the same reason, so both are "stopped".
storage::GenerationStop toStorageStop(inference::StopReason reason);

// Status Pending, stopped or finished: the writer may keep what they stopped. stopReason says
// how it ended, so the history tells "stopped" from "read and rejected".
storage::Generation makeGenerationRecord(const GenerationOrigin& origin,
                                         const GenerationRequest& request,
                                         const GenerationOutcome& outcome,
                                         const LoadedModel& model);

} // namespace fabulist::ui
