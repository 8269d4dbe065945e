#pragma once
// "Branch with this token": the token the writer chose in the token view is not sampled but
// put after the prompt; the generation's record still starts with it, so that its text reads
// from the chosen word on and its ids are what the model saw (the token view explains them).
#include "ui/generate/generation_request.h"

namespace fabulist::ui {

// Puts request.forcedIds / forcedText in front of every candidate's ids and text (and of the
// outcome's own), counts them as generated, and moves the slider changes after them (the
// first change, the starting α, stays at token 0: the chosen token came at that α).
void prependForcedTokens(const GenerationRequest& request, GenerationOutcome& outcome);

} // namespace fabulist::ui
