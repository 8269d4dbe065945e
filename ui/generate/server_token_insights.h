#pragma once
// The token view's numbers for a text a server wrote: its logprobs (the token's probability
// and the likeliest alternatives per token) as TokenInsights, so a remote generation's tokens
// are inspected like local ones. A server has no diversity head: the coherence column holds
// the server's probabilities and the mix equals it (α 0). Tokens the server sends without an
// id get ids of their own (from kTextOnlyIdBase on), one per distinct text.
#include "ui/generate/token_insight_request.h"
#include "ui/remote/remote_types.h"

namespace fabulist::ui {

inline constexpr int32_t kTextOnlyIdBase = 1'000'000'000;

// `forcedText`: "Branch with this token"'s text, which opens the generation without a draw
// (it gets a token of its own with no probabilities).
TokenInsights serverTokenInsights(const std::vector<remote::TokenLogprob>& tokens,
                                  const QString& forcedText = {});

} // namespace fabulist::ui
