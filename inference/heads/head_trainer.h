#pragma once
// Trains a diversity-head adapter with the model frozen: runs the model over a corpus once,
// caches (hidden state, model logits, next token) for every position in memory, then fits
// A, B, b with Adam on the FACE loss (head_face_loss.h) of z_c + B·(A·h) + b, keeping a
// held-out split (the end of the corpus) to report generalisation.
//
// Deterministic for a seed and thread count: batches come from a seeded splitmix64 stream, the
// batch is cut into one fixed slice per thread, and the slices' gradients are summed in order.

#include "inference/heads/head_face_loss.h"

#include <functional>
#include <span>
#include <string>

namespace fabulist::inference {

class Session;

struct HeadTrainerProgress {
    enum class Phase { Collect, Train };
    Phase phase = Phase::Collect;
    int64_t done = 0, total = 0; // tokens (Collect) or steps (Train)
    double trainLoss = 0.0;      // mean FACE loss of the recent batches (Train)
    double heldOutLoss = 0.0;    // last held-out evaluation (Train)
    double elapsedSeconds = 0.0, etaSeconds = 0.0;
};

struct HeadTrainerOptions {
    int rank = 32;
    int steps = 300;
    int batchSize = 64;           // positions per step
    double learningRate = 1e-3;   // Adam (β1 0.9, β2 0.999, ε 1e-8)
    double gamma = 0.5;           // FACE exponent
    double heldOutFraction = 0.1; // of the corpus tokens, taken from its end
    uint64_t seed = 1;
    int threads = 1;
    int chunkLength = 256; // tokens per model evaluation (the context of each position)
    int evalEvery = 50;    // steps between held-out evaluations
    // The position cache stays in memory up to maxMemoryBytes; above that it is written to an
    // unlinked temporary file in cacheDirectory (empty: $TMPDIR or /tmp) and mapped, up to
    // maxCacheBytes.
    uint64_t maxMemoryBytes = uint64_t(2) << 30;
    uint64_t maxCacheBytes = uint64_t(64) << 30;
    std::string cacheDirectory;
    std::function<void(const HeadTrainerProgress&)> progress;
};

// Runs the model over `tokens` in chunks of chunkLength and caches every position (in memory
// or on disk, see maxMemoryBytes). Throws EngineError when the cache would exceed
// maxCacheBytes (with the size it would need) or the cache file cannot be written.
HeadTrainingData collectHeadTrainingData(Session& session, std::span<const int32_t> tokens,
                                         const HeadTrainerOptions& options);

// Mean FACE loss of `head` over all positions of `data` (threads as in training).
double meanFaceLoss(const HeadAdapter& head, const HeadTrainingData& data,
                    std::span<const float> tokenWeights, int threads);

// Fits an adapter to `train` (weights from its targets), starting from A ~ N(0, 1/nEmbd),
// B = 0, b = 0 so the delta starts at zero. Evaluates `heldOut` every evalEvery steps and at
// the end, and returns the parameters with the lowest held-out loss (early stopping; a zero
// delta when no step improved on the model alone). Records the training metadata (not the
// corpus fingerprint or date: the caller knows those).
HeadAdapter trainHeadAdapter(const HeadAdapterBase& base, const HeadTrainingData& train,
                             const HeadTrainingData& heldOut, const HeadTrainerOptions& options);

} // namespace fabulist::inference
