#pragma once
// Candidates on a server: each in a request of its own with a seed of its own, candidate i
// with the base seed + i, as local generation draws them. A server's `n` draws every choice
// from the request's one seed, so with a fixed seed all of them would be the same text.
#include "ui/remote/remote_client.h"

namespace fabulist::remote {

// params.n candidates, one request after another; choices[i] is candidate i (its seed in
// CompletionChoice::seed). onPiece(i, piece) returning false ends candidate i only; the cancel
// flag ends the request in flight and asks for no more; a fault ends them too, with
// Completion::error (the candidates before it and its streamed text are kept).
Completion completeCandidates(RemoteClient& client, const CompletionParams& params,
                              const RemoteClient::PieceCallback& onPiece = {},
                              const std::atomic<bool>* cancel = nullptr);

} // namespace fabulist::remote
