#pragma once
// Shapes of real (and tiny test) model architectures for the synthetic-model maker: hyper-
// parameters only. Weights are random, so these files measure speed and memory, not quality.

#include <string>
#include <string_view>
#include <vector>

namespace fabulist::inference {

struct SynthShape {
    enum class QkNorm { None, PerHead, FullWidth }; // qwen3moe: per head; olmoe: over all heads

    std::string name;
    std::string architecture; // general.architecture: "llama", "qwen3moe", "deepseek2", ...
    int nLayer = 0;
    int nEmbd = 0;
    int nHead = 0;
    int nHeadKv = 0;
    int headDim = 0; // key/value length per head (usually nEmbd / nHead)
    int nFf = 0;     // dense FFN size, or the FFN size of one expert
    int nExpert = 0; // 0 for dense models
    int nExpertUsed = 0;
    int contextLength = 0;
    float ropeFreqBase = 10000.0f;
    float rmsEps = 1e-5f;
    bool tiedOutput = false; // no output.weight: token_embd doubles as the output matrix
    QkNorm qkNorm = QkNorm::None;
    bool writeKeyLength = false; // write attention.key_length/value_length (decoupled heads)
    // feed_forward_length to write when it differs from nFf (qwen3moe's dense size, while
    // expert_feed_forward_length holds nFf); 0 = nFf.
    int kvFeedForwardLength = 0;
    std::string summary;

    // The newer architectures (deepseek2, gpt-oss, gemma3, glm4moe, granitemoe); every field
    // left at zero/false writes nothing and adds no tensor.
    enum class Norms {
        PreNorm,       // attn_norm, ffn_norm
        PostAttention, // attn_norm, post_attention_norm feeding the FFN (gpt-oss, glm4moe)
        Sandwich       // gemma3: attn_norm, post_attention_norm, ffn_norm, post_ffw_norm
    };
    Norms norms = Norms::PreNorm;
    int ropeDim = 0;          // rope.dimension_count when only part of a head rotates
    int leadingDense = 0;     // leading_dense_block_count: the first layers have a dense FFN
    int nFfDense = 0;         // their FFN size (written as feed_forward_length)
    int nExpertShared = 0;    // shared experts, nFf wide each (ffn_*_shexp)
    int gatingFunc = 0;       // expert_gating_func: 1 softmax, 2 sigmoid (+ exp_probs_b.bias)
    float expertWeightsScale = 0.0f;
    bool expertWeightsNorm = false;
    bool qkvBias = false;          // attn_q/k/v.bias
    bool gptOssExtras = false;     // attn_output.bias, attn_sinks, router and expert biases
    int slidingWindow = 0;         // attention.sliding_window (the layer pattern is the arch's)
    float yarnFactor = 0.0f;       // rope.scaling.type yarn with this factor
    int yarnOriginalContext = 0;
    float yarnLogMultiplier = 0.0f; // 0 = not written
    float linearRopeFactor = 0.0f;  // rope.scaling.type linear (gemma3's global layers)
    struct Mla {                    // deepseek2's multi-head latent attention
        int qLoraRank = 0;          // 0 = a plain attn_q
        int kvLoraRank = 0;         // 0 = no MLA
        int nope = 0, rope = 0, value = 0; // per-head sizes
    } mla;
    struct Granite { // granitemoe's multipliers (0 = not written)
        float embedding = 0.0f, residual = 0.0f, attention = 0.0f, logit = 0.0f;
    } granite;
    float embdStd = 0.5f;   // token_embd's draw (smaller where the arch scales the embedding)
    float outputStd = 0.25f;

    bool isMoe() const { return nExpert > 0; }
};

const std::vector<SynthShape>& synthShapes();
// nullptr when there is no shape of that name.
const SynthShape* findSynthShape(std::string_view name);

} // namespace fabulist::inference
