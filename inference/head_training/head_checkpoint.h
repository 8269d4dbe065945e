#pragma once
// A resumable head-training run's checkpoint: everything the training loop carries from one
// step to the next (parameters, Adam moments, the batch RNG, the best-so-far parameters and the
// loss bookkeeping), so that a resumed run continues bit for bit where the stopped one was.
//
// Stored as GGUF (general.type = "fabulist.head-checkpoint"), F32 tensors and F64 values, so
// floats round-trip exactly. It also records the run's identity (HeadCheckpointKey): a
// checkpoint is only resumed by a run with the same model, corpus and options.

#include "inference/heads/head_adapter.h"

#include <string>
#include <utility>
#include <vector>

namespace fabulist::inference {

// A checkpoint that cannot be read, or belongs to another run. The message names the file,
// what differs and what to do.
class HeadCheckpointError : public EngineError {
public:
    using EngineError::EngineError;
};

// Ordered (name, value) pairs that must all match for a resume, e.g. ("--rank", "32"),
// ("model output SHA-256", "…"). Values are exact text (doubles as %.17g).
using HeadCheckpointKey = std::vector<std::pair<std::string, std::string>>;

struct HeadTrainerState {
    int step = 0;          // steps completed
    uint64_t rngState = 0; // the splitmix64 batch stream after `step` steps
    HeadAdapter head;      // current parameters (and HeadTrainingInfo so far)
    HeadAdapter best;      // parameters with the lowest held-out loss so far
    std::vector<float> adamMA, adamVA, adamMB, adamVB, adamMBias, adamVBias;
    double bestLoss = 0.0;    // held-out loss of `best`
    double heldOutLoss = 0.0; // last held-out evaluation
    double recentLoss = 0.0;  // sum of the training losses since the last report
    int recentSteps = 0;
};

// Writes atomically (GgufWriter::write); throws GgufError naming the path.
void writeHeadCheckpoint(const std::string& path, const HeadCheckpointKey& key,
                         const HeadTrainerState& state);

// Reads `path` and checks it against `key` and the base model; throws HeadCheckpointError
// naming the file and every difference ("--rank 16 (checkpoint) vs 32 (this run)"), with the
// advice to rerun with the checkpoint's options or start over with --fresh.
HeadTrainerState readHeadCheckpoint(const std::string& path, const HeadCheckpointKey& key,
                                    const HeadAdapterBase& base);

} // namespace fabulist::inference
