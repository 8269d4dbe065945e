#pragma once
// The tensors of a model, looked up by their llama.cpp names, validated against the
// hyperparameters and handed to the backend. Optional tensors (biases, Q/K norms, shared
// expert, output matrix) are absent when `host` is null; their presence is what selects the
// architecture's variant of the forward pass.

#include "inference/backend/backend.h"
#include "inference/model/model_config.h"

#include <functional>
#include <vector>

namespace fabulist::inference {

class GgufFile;

struct LayerWeights {
    Weight attnNorm, wq, wk, wv, wo;
    Weight bq, bk, bv; // optional (qwen2)
    Weight bo;         // optional (gpt-oss)
    Weight sinks;      // optional attention sinks, one per head (gpt-oss)
    Weight routerBias, gateExpsBias, upExpsBias, downExpsBias; // optional (gpt-oss)
    Weight qNorm, kNorm; // optional (qwen3*: per head; olmoe: whole projection)
    Weight ffnNorm;
    Weight ffnGate, ffnUp, ffnDown;                         // dense layers
    Weight router, gateExps, upExps, downExps;              // MoE layers
    Weight gateShared, upShared, downShared, sharedGateInp; // optional shared expert (qwen2moe)
    Weight expProbsBias;              // optional: sigmoid routing's selection bias (exp_probs_b)
    Weight postAttnNorm, postFfnNorm; // Gemma 3's norms on the branch outputs
    // Latent attention (deepseek2): wq (or wqA, qANorm, wqB), wkvA (latent + rope key),
    // kvANorm, the per-head kB (absorbs the query) and vB (expands the values).
    Weight wqA, qANorm, wqB, wkvA, kvANorm, kB, vB;

    bool isMoe() const { return router.host != nullptr; }
};

struct ModelWeights {
    Weight tokenEmbd, outputNorm, output; // output = tokenEmbd when tied
    Weight ropeFreqs;                     // optional
    std::vector<LayerWeights> layers;
    int64_t parameterCount = 0;
    int64_t activeParameterCount = 0;
    uint64_t weightBytes = 0;

    // Looks every tensor up, checks shapes and types, uploads. `progress` gets [0, 1] and may
    // return false to cancel. Throws EngineError naming the file and the tensor.
    static ModelWeights load(const GgufFile& file, const ModelConfig& config, Backend& backend,
                             const std::function<bool(float)>& progress);
};

inline const Weight* optional(const Weight& w) {
    return w.host ? &w : nullptr;
}

} // namespace fabulist::inference
