#pragma once
// Hyperparameters of a transformer read from GGUF metadata, plus the per-architecture rules
// (RoPE mode, expert-weight normalisation). The forward pass is driven entirely by this struct
// and by which optional tensors exist (biases, Q/K norms, experts, shared expert): there is no
// per-architecture code path.

#include "inference/backend/backend.h"

#include <algorithm>
#include <string>
#include <vector>

namespace fabulist::inference {

class GgufFile;

struct ModelConfig {
    std::string architecture;
    int nLayer = 0;
    int nEmbd = 0;
    int nHead = 0;
    int nHeadKv = 0;
    int headDimK = 0; // query/key head size
    int headDimV = 0; // value head size
    int nRot = 0;     // rotary dimensions per head (<= headDimK)
    int nFf = 0;      // dense FFN size
    int nFfExpert = 0;
    int nFfShared = 0;
    int nExpert = 0;
    int nExpertUsed = 0;
    int nCtxTrain = 0;
    int nVocab = 0;
    int slidingWindow = 0; // 0 = full attention
    float ropeFreqBase = 10000.0f;
    float ropeFreqScale = 1.0f; // 1 / rope.scaling.factor for linear scaling and YaRN
    // YaRN (rope.scaling.type yarn): see RopeParams; attnFactor as llama.cpp derives it.
    float ropeExtFactor = 0.0f;
    float ropeAttnFactor = 1.0f;
    float yarnBetaFast = 32.0f, yarnBetaSlow = 1.0f;
    float yarnLogMultiplier = 0.0f;
    int ropeCtxOrig = 0;
    bool ropeNeox = false;
    bool expertWeightsNorm = true;
    float rmsEps = 1e-5f;

    // Per layer: the attention window (0 = full) and the RoPE base. Gemma 3 and gpt-oss
    // interleave sliding-window layers (with their own base, Gemma) and global ones.
    std::vector<int> layerWindow;
    std::vector<float> layerRopeBase;
    std::vector<float> layerRopeScale;
    // Multipliers (1 = none). Granite: embedding, residual branches, logits (divided by
    // logitScale); Gemma 3: the embedding by sqrt(n_embd).
    float embeddingScale = 1.0f;
    float residualScale = 1.0f;
    float logitScale = 1.0f;
    float attentionScale = 0.0f; // scores times this; 0 = 1/sqrt(headDimK)
    bool scaleQuery = false;     // Gemma 3: Q times attentionScale, the scores left unscaled
    bool postNorms = false;      // Gemma 3: post_attention_norm, post_ffw_norm on the branches
    FfnActivation activation = FfnActivation::Silu;
    bool attentionSinks = false; // gpt-oss: attn_sinks per layer
    // Multi-head latent attention (deepseek2): the cache holds per token the latent
    // (kvLoraRank) and the shared rotated key part (nRot) as one key row of headDimK =
    // kvLoraRank + nRot, one "KV head", values being its first kvLoraRank; the queries are
    // absorbed into the latent space (MlaShape). qLoraRank 0: a plain attn_q.
    int qLoraRank = 0;
    int kvLoraRank = 0;
    int mlaKeyLength = 0;   // per-head query/key size before absorption (nope + rope)
    int mlaValueLength = 0; // per-head value size after expansion
    // MoE routing: leading dense layers (GLM-4.5, DeepSeek), sigmoid gating with a selection
    // bias, and a factor on the chosen weights.
    int leadingDenseLayers = 0;
    MoeGating gating = MoeGating::Softmax;
    float expertWeightsScale = 1.0f;

    bool isMoe() const { return nExpert > 0; }
    bool isMla() const { return kvLoraRank > 0; }
    // K and V values cached per token, all layers (the latent once for MLA).
    int64_t kvValuesPerToken() const {
        return int64_t(nLayer) * nHeadKv * (headDimK + (isMla() ? 0 : headDimV));
    }
    // Positions layer `layer` keeps in a cache of `capacity` when sliding-window layers are
    // rings: the window plus one batch (a batch's rows look back a window from its first row).
    int layerKvSlots(int layer, int capacity, int batch) const {
        const int window = layerWindow.empty() ? 0 : layerWindow[size_t(layer)];
        return window > 0 ? std::min(capacity, window + batch) : capacity;
    }
    // K and V values a whole cache of `capacity` positions holds (rings or not).
    int64_t kvCacheValues(int capacity, int batch, bool ring) const {
        const int64_t perPosition = kvValuesPerToken() / std::max(nLayer, 1);
        int64_t n = 0;
        for (int l = 0; l < nLayer; ++l)
            n += perPosition * (ring ? layerKvSlots(l, capacity, batch) : capacity);
        return n;
    }
    // What a cache of full per-head K and V would hold (MLA decompressed), for comparison.
    int64_t naiveKvValuesPerToken() const {
        return isMla() ? int64_t(nLayer) * nHead * (mlaKeyLength + mlaValueLength)
                       : kvValuesPerToken();
    }
    bool isMoeLayer(int layer) const { return isMoe() && layer >= leadingDenseLayers; }
    // Whether the forward pass needs Backend::scale (a backend without it cannot run it).
    bool needsScaleOp() const {
        return embeddingScale != 1.0f || residualScale != 1.0f || logitScale != 1.0f || scaleQuery;
    }
    // Ops only some backends have (the CPU): latent attention, GeGLU, the clamped SwiGLU,
    // sinks, YaRN, sigmoid or chosen-softmax routing, scaled expert weights.
    bool needsExtendedOps() const {
        return isMla() || activation != FfnActivation::Silu || attentionSinks ||
               ropeExtFactor != 0.0f || gating != MoeGating::Softmax || expertWeightsScale != 1.0f;
    }

    // Reads and checks the metadata of `file`. Throws EngineError naming the file and the key.
    static ModelConfig fromGguf(const GgufFile& file);
};

// Architectures the engine can run (general.architecture values).
bool isSupportedArchitecture(const std::string& arch);
std::string supportedArchitectures(); // "llama, qwen2, ..." for error messages

} // namespace fabulist::inference
