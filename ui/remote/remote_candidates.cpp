#include "ui/remote/remote_candidates.h"

#include <algorithm>

namespace fabulist::remote {

Completion completeCandidates(RemoteClient& client, const CompletionParams& params,
                              const RemoteClient::PieceCallback& onPiece,
                              const std::atomic<bool>* cancel) {
    Completion out;
    const int count = std::max(1, params.n);
    for (int i = 0; i < count; ++i) {
        CompletionParams one = params;
        one.n = 1;
        one.sampler.seed = params.sampler.seed + uint32_t(i);
        Completion r = client.complete(
            one, [&](int, const QString& piece) { return !onPiece || onPiece(i, piece); }, cancel);
        CompletionChoice choice = r.choices.empty() ? CompletionChoice{} : r.choices.front();
        choice.seed = one.sampler.seed;
        choice.stopped = r.cancelled;
        out.choices.push_back(std::move(choice));
        if (i == 0) {
            out.honoured = r.honoured;
            out.unconfirmed = r.unconfirmed;
            out.promptTokens = r.promptTokens;
        }
        if (!r.serverModel.isEmpty()) out.serverModel = r.serverModel;
        // Stop: the flag, or the callback of the only candidate (as complete() says it).
        out.cancelled = (cancel && cancel->load()) || (count == 1 && r.cancelled);
        if (!r.ok()) {
            out.error = r.error;
            out.httpStatus = r.httpStatus;
            out.retryAfterSeconds = r.retryAfterSeconds;
        }
        if (!r.ok() || out.cancelled) break;
    }
    return out;
}

} // namespace fabulist::remote
