#pragma once
// Trains a diversity-head adapter with the model frozen: runs the model over a corpus once,
// caches (hidden state, model logits, next token) for every position in memory, then fits
// A, B, b with Adam on the FACE loss (head_face_loss.h) of z_c + B·(A·h) + b, keeping a
// held-out split (the end of the corpus) to report generalisation.
//
// Deterministic for a seed and thread count: batches come from a seeded splitmix64 stream, the
// batch is cut into one fixed slice per thread, and the slices' gradients are summed in order.
// Resumable: with a checkpoint path the whole loop state is written every checkpointEvery
// steps (head_checkpoint.h), and a later run with the same model, corpus and options continues
// from it to exactly the adapter an uninterrupted run gives.

#include "inference/head_training/head_checkpoint.h"
#include "inference/head_training/head_face_loss.h"

#include <atomic>
#include <vector>
#include <functional>
#include <span>
#include <string>

namespace fabulist::inference {

class Session;

struct HeadTrainerProgress {
    enum class Phase { Collect, Train };
    Phase phase = Phase::Collect;
    int64_t done = 0, total = 0;                   // tokens (Collect) or steps (Train)
    double trainLoss = 0.0;                        // mean FACE loss of the recent batches (Train)
    double heldOutLoss = 0.0;                      // last held-out evaluation (Train)
    double elapsedSeconds = 0.0, etaSeconds = 0.0; // of this process (not the resumed part)
    int resumedFromStep = 0;                       // > 0: continued from a checkpoint (Train)
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
    // Tokens whose delta (row of B, entry of b) may be trained; the others stay 0. Empty: all.
    // wordStartTokens() (heads/word_start_mask.h) keeps the head off word-continuing pieces.
    std::vector<bool> deltaTokens;
    // The position cache stays in memory up to maxMemoryBytes; above that it is written to an
    // unlinked temporary file in cacheDirectory (empty: $TMPDIR or /tmp) and mapped, up to
    // maxCacheBytes.
    uint64_t maxMemoryBytes = uint64_t(2) << 30;
    uint64_t maxCacheBytes = uint64_t(64) << 30;
    std::string cacheDirectory;
    // With a path, a cache that goes to disk is a named file there instead (kept after the
    // run; head_position_cache.h) and is reused when it exists with the same cacheFingerprint
    // (the caller's description of the model, the tokens and the context length).
    std::string keepCachePath;
    std::string cacheFingerprint;
    std::function<void(const HeadTrainerProgress&)> progress;

    // Checkpointing (empty path: none). A checkpoint holds everything the loop carries between
    // steps; it is written atomically every checkpointEvery steps (0: only when stopping early).
    std::string checkpointPath;
    int checkpointEvery = 50;
    bool resume = true;    // false: start over even when the checkpoint exists (--fresh)
    int stopAfterStep = 0; // > 0: stop after exactly this step (checkpoint written, unfinished)
    const std::atomic<bool>* stopRequested = nullptr; // polled every step (SIGINT/SIGTERM)
    std::string corpusFingerprint; // identifies the corpus in the checkpoint (SHA-256 hex)
};

// The outcome of a possibly interrupted run.
struct HeadTrainingRun {
    HeadAdapter adapter;     // the trained adapter (only when finished)
    bool finished = false;   // false: stopped early; the state is in the checkpoint
    int resumedFromStep = 0; // > 0: continued from the checkpoint at this step
    int stepsDone = 0;       // steps completed in total (resumed ones included)
};

// Runs the model over `tokens` in chunks of chunkLength and caches every position (in memory
// or on disk, see maxMemoryBytes; or maps a kept cache again, see keepCachePath, and sets
// fromSavedCache). Throws EngineError when the cache would exceed
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

// trainHeadAdapter with checkpoints: resumes from options.checkpointPath when it exists (and
// options.resume), and may stop early (stopAfterStep, stopRequested). Throws
// HeadCheckpointError when the checkpoint belongs to another model, corpus or options (the
// message says what differs) or cannot be read, and GgufError when it cannot be written.
HeadTrainingRun runHeadTraining(const HeadAdapterBase& base, const HeadTrainingData& train,
                                const HeadTrainingData& heldOut, const HeadTrainerOptions& options);

// What a checkpoint must match to be resumed by this run: the model identity, the corpus
// (options.corpusFingerprint: the caller's description of exactly the tokens trained on) and
// every option that changes the result, threads included; not those that leave it alone, such
// as checkpointEvery.
HeadCheckpointKey headCheckpointKey(const HeadAdapterBase& base, const HeadTrainerOptions& options);

} // namespace fabulist::inference
