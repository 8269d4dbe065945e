#pragma once
// The token probabilities in a completion choice, in the shapes servers send them: OpenAI's
// completions `logprobs` {tokens, token_logprobs, top_logprobs} (vLLM, SGLang), the chat-style
// `logprobs.content` [{id, token, bytes, logprob, top_logprobs}] (llama-server's
// /v1/completions), and llama-server's own `completion_probabilities` (/completion).
#include "ui/remote/remote_types.h"

#include <QJsonObject>

namespace fabulist::remote {

// Appends the tokens `choice` carries (none when it has no probabilities).
void appendLogprobs(const QJsonObject& choice, std::vector<TokenLogprob>& into);

} // namespace fabulist::remote
