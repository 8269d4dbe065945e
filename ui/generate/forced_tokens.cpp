#include "ui/generate/forced_tokens.h"

namespace fabulist::ui {

namespace {

template <typename Generated> void prepend(const GenerationRequest& request, Generated& g) {
    const int forced = int(request.forcedIds.size());
    g.text.prepend(request.forcedText);
    g.ids.insert(g.ids.begin(), request.forcedIds.begin(), request.forcedIds.end());
    g.generatedTokens += forced;
    for (size_t i = 1; i < g.alphaChanges.size(); ++i) g.alphaChanges[i].tokenIndex += forced;
}

} // namespace

void prependForcedTokens(const GenerationRequest& request, GenerationOutcome& outcome) {
    if (request.forcedIds.empty()) return;
    prepend(request, outcome);
    for (CandidateOutcome& c : outcome.candidates) prepend(request, c);
}

} // namespace fabulist::ui
