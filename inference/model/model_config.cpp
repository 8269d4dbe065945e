#include "inference/model/model_config.h"

#include "inference/engine_error.h"
#include "inference/gguf/gguf_file.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace fabulist::inference {

namespace {

// What differs between the supported architectures beyond tensor presence. Values follow
// llama.cpp: RoPE NEOX for the Qwen family, OLMoE, Gemma 3 and GLM-4.5; top-k expert weights
// renormalised for llama (Mixtral), qwen3moe and granitemoe, left as softmax probabilities for
// qwen2moe and olmoe. swaPattern: every swaPattern-th layer is global, the others use the
// sliding window (0: the window, if any, applies to every layer).
struct ArchRules {
    const char* name;
    bool ropeNeox;
    bool expertWeightsNorm;
    int swaPattern = 0;
};

constexpr std::array<ArchRules, 11> kArchitectures{{
    {"llama", false, true},
    {"qwen2", true, false},
    {"qwen2moe", true, false},
    {"qwen3", true, false},
    {"qwen3moe", true, true},
    {"olmoe", true, false},
    {"granitemoe", false, true},
    {"gemma3", true, false, 6},
    {"glm4moe", true, true},
    {"gpt-oss", true, false, 2},
    {"deepseek2", false, false},
}};

int positive(const GgufFile& f, const std::string& key, int64_t v, int64_t maxValue = 1 << 24);

// YaRN as llama.cpp sets it up (llama_context): freq scale 1/factor, ext factor 1, and the
// attention factor from the log multiplier, then divided by the (1 + 0.1 ln factor) that ggml's
// rope multiplies back in.
void readYarn(const GgufFile& f, const std::string& p, double factor, ModelConfig& c) {
    c.ropeFreqScale = float(1.0 / factor);
    c.ropeExtFactor = 1.0f;
    const std::string key = p + "rope.scaling.original_context_length";
    if (!f.has(key))
        throw EngineError(f.path() + ": YaRN RoPE scaling without " + key +
                          "; the file is incomplete");
    c.ropeCtxOrig = int(f.getInt(key));
    c.yarnBetaFast = float(f.getFloat(p + "rope.scaling.yarn_beta_fast", 32.0));
    c.yarnBetaSlow = float(f.getFloat(p + "rope.scaling.yarn_beta_slow", 1.0));
    c.yarnLogMultiplier = float(f.getFloat(p + "rope.scaling.yarn_log_multiplier", 0.0));
    // DeepSeek's converter writes 0.1 * mscale_all_dim "for legacy reasons".
    if (c.architecture == "deepseek2") c.yarnLogMultiplier /= 0.1f;
    const float scale = 1.0f / c.ropeFreqScale;
    auto mscale = [&](float m) { return scale <= 1.0f ? 1.0f : 0.1f * m * std::log(scale) + 1.0f; };
    float attn = mscale(1.0f);
    if (c.yarnLogMultiplier != 0.0f) {
        const float all = c.yarnLogMultiplier;
        const float m = c.architecture == "deepseek2" && all != 1.0f ? all : 1.0f;
        attn = mscale(m) / mscale(all);
    }
    attn *= 1.0f / (1.0f + 0.1f * std::log(scale));
    c.ropeAttnFactor = attn * float(f.getFloat(p + "rope.scaling.attn_factor", 1.0));
}

// gpt-oss: sinks, the clamped SwiGLU, and a softmax over the chosen experts' logits.
void applyGptOss(ModelConfig& c) {
    c.attentionSinks = true;
    c.activation = FfnActivation::SwigluOai;
    c.gating = MoeGating::SoftmaxOfChosen;
    c.expertWeightsNorm = false;
}

// DeepSeek-V2/V3: latent attention sizes, and llama.cpp's YaRN-adjusted score scale
// mscale^2 / sqrt(key length) with mscale = attn_factor·(1 + 0.1 ln F)·(1 + 0.1·L·ln F).
void readDeepseek2(const GgufFile& f, const std::string& p, ModelConfig& c) {
    auto need = [&](const std::string& k) {
        if (!f.has(p + k))
            throw EngineError(f.path() + ": " + p + k +
                              " is missing; this engine runs DeepSeek files written by a current "
                              "llama.cpp converter (split attn_k_b / attn_v_b): re-convert it");
        return positive(f, p + k, f.getInt(p + k));
    };
    c.kvLoraRank = need("attention.kv_lora_rank");
    c.mlaKeyLength = need("attention.key_length_mla");
    c.mlaValueLength = need("attention.value_length_mla");
    c.qLoraRank =
        f.has(p + "attention.q_lora_rank") ? int(f.getInt(p + "attention.q_lora_rank")) : 0;
    if (c.nHeadKv != 1 || c.headDimK != c.kvLoraRank + c.nRot || c.headDimV != c.kvLoraRank ||
        c.mlaKeyLength <= c.nRot)
        throw EngineError(f.path() +
                          ": the latent-attention sizes do not fit together "
                          "(head_count_kv 1, key_length = kv_lora_rank + rope dims, value_length "
                          "= kv_lora_rank expected)");
    const float lnF = std::log(1.0f / c.ropeFreqScale);
    const float attnOrg = c.ropeAttnFactor * (1.0f + 0.1f * lnF);
    const float mscale = attnOrg * (1.0f + 0.1f * c.yarnLogMultiplier * lnF);
    c.attentionScale = 1.0f * mscale * mscale / std::sqrt(float(c.mlaKeyLength));
    c.expertWeightsScale = float(f.getFloat(p + "expert_weights_scale", 1.0));
}

// Granite's multipliers (llama.cpp's build_granite): embedding, each residual branch, the
// attention scores (instead of 1/sqrt(d)) and the logits (divided).
void readGraniteScales(const GgufFile& f, const std::string& p, ModelConfig& c) {
    c.embeddingScale = float(f.getFloat(p + "embedding_scale", 1.0));
    c.residualScale = float(f.getFloat(p + "residual_scale", 1.0));
    c.attentionScale = float(f.getFloat(p + "attention.scale", 0.0));
    c.logitScale = float(f.getFloat(p + "logit_scale", 1.0));
    if (!(c.logitScale > 0.0f))
        throw EngineError(f.path() + ": " + p + "logit_scale must be positive");
}

// Gemma 3: sqrt(n_embd) on the embedding, Q scaled before attention, post-norms on both
// branches, GeGLU, and sliding-window layers with RoPE base 10000 and no RoPE scaling.
void applyGemma3(ModelConfig& c) {
    c.embeddingScale = std::sqrt(float(c.nEmbd));
    c.scaleQuery = true;
    // llama.cpp: the 27B model (62 layers) scales by n_embd / n_head instead of the head size.
    c.attentionScale = 1.0f / std::sqrt(float(c.nLayer == 62 ? c.nEmbd / c.nHead : c.headDimK));
    c.postNorms = true;
    c.activation = FfnActivation::GeluFp16;
    for (int i = 0; i < c.nLayer; ++i)
        if (c.layerWindow[size_t(i)] > 0) {
            c.layerRopeBase[size_t(i)] = 10000.0f;
            c.layerRopeScale[size_t(i)] = 1.0f;
        }
}

const ArchRules* findArch(const std::string& arch) {
    for (const auto& a : kArchitectures)
        if (arch == a.name) return &a;
    return nullptr;
}

// Reads an integer hyperparameter that some files store per layer as an array; all layers must
// agree because the engine does not support varying sizes.
int64_t readIntOrUniformArray(const GgufFile& f, const std::string& key, int64_t fallback,
                              bool required) {
    if (!f.has(key)) {
        if (required)
            throw EngineError(f.path() + ": missing metadata key '" + key +
                              "'; the file is incomplete or not a model");
        return fallback;
    }
    if (f.typeOf(key) == GgufValueType::Array) {
        const auto values = f.getIntArray(key);
        if (values.empty())
            throw EngineError(f.path() + ": metadata key '" + key + "' is an empty array");
        for (auto v : values)
            if (v != values[0])
                throw EngineError(f.path() + ": metadata key '" + key +
                                  "' varies per layer, which this engine does not support");
        return values[0];
    }
    return f.getInt(key);
}

int positive(const GgufFile& f, const std::string& key, int64_t v, int64_t maxValue) {
    if (v <= 0 || v > maxValue)
        throw EngineError(f.path() + ": metadata key '" + key + "' has the value " +
                          std::to_string(v) + ", which is out of range");
    return int(v);
}

} // namespace

bool isSupportedArchitecture(const std::string& arch) {
    return findArch(arch) != nullptr;
}

std::string supportedArchitectures() {
    std::string s;
    for (const auto& a : kArchitectures) s += (s.empty() ? "" : ", ") + std::string(a.name);
    return s;
}

ModelConfig ModelConfig::fromGguf(const GgufFile& f) {
    ModelConfig c;
    c.architecture = f.getString("general.architecture", "");
    const ArchRules* rules = findArch(c.architecture);
    if (!rules)
        throw EngineError(f.path() + ": model architecture '" + c.architecture +
                          "' is not supported (supported: " + supportedArchitectures() +
                          "); use a model of a supported architecture");
    const std::string p = c.architecture + ".";
    auto req = [&](const std::string& k) {
        return positive(f, p + k, readIntOrUniformArray(f, p + k, 0, true));
    };
    auto opt = [&](const std::string& k, int64_t fallback) {
        return readIntOrUniformArray(f, p + k, fallback, false);
    };

    c.nLayer = req("block_count");
    c.nEmbd = req("embedding_length");
    c.nHead = req("attention.head_count");
    c.nHeadKv = positive(f, p + "attention.head_count_kv", opt("attention.head_count_kv", c.nHead));
    if (c.nHead % c.nHeadKv != 0)
        throw EngineError(f.path() + ": attention.head_count (" + std::to_string(c.nHead) +
                          ") is not a multiple of attention.head_count_kv (" +
                          std::to_string(c.nHeadKv) + ")");
    const int64_t defaultHead = c.nEmbd / c.nHead;
    c.headDimK = positive(f, p + "attention.key_length", opt("attention.key_length", defaultHead));
    c.headDimV =
        positive(f, p + "attention.value_length", opt("attention.value_length", defaultHead));
    c.nRot = positive(f, p + "rope.dimension_count", opt("rope.dimension_count", c.headDimK));
    if (c.nRot > c.headDimK || c.nRot % 2 != 0)
        throw EngineError(f.path() + ": rope.dimension_count (" + std::to_string(c.nRot) +
                          ") must be even and at most the head size (" +
                          std::to_string(c.headDimK) + ")");
    c.nCtxTrain = positive(f, p + "context_length", opt("context_length", 2048));
    c.nExpert = int(opt("expert_count", 0));
    if (c.nExpert < 0 || c.nExpert > 4096)
        throw EngineError(f.path() + ": expert_count is out of range");
    if (c.nExpert > 0) {
        c.nExpertUsed = positive(f, p + "expert_used_count", opt("expert_used_count", 0));
        if (c.nExpertUsed > c.nExpert)
            throw EngineError(f.path() + ": expert_used_count (" + std::to_string(c.nExpertUsed) +
                              ") exceeds expert_count (" + std::to_string(c.nExpert) + ")");
        // Mixtral-style llama files give the expert size as feed_forward_length.
        c.nFfExpert = int(opt("expert_feed_forward_length", opt("feed_forward_length", 0)));
        c.nFfShared = int(opt("expert_shared_feed_forward_length", 0));
        c.nFf = int(opt("feed_forward_length", 0));
    } else {
        c.nFf = req("feed_forward_length");
    }
    c.slidingWindow = int(opt("attention.sliding_window", 0));
    if (c.slidingWindow < 0) throw EngineError(f.path() + ": attention.sliding_window is negative");
    c.ropeFreqBase = float(f.getFloat(p + "rope.freq_base", 10000.0));
    c.rmsEps = float(f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5));
    if (!(c.ropeFreqBase > 0.0f) || !(c.rmsEps >= 0.0f))
        throw EngineError(f.path() +
                          ": rope.freq_base or attention.layer_norm_rms_epsilon is invalid");
    // RoPE scaling: linear scaling divides every angle by the factor; other kinds (YaRN, LongRoPE)
    // change the angles in ways this engine does not implement, so refuse rather than run wrong.
    const std::string scaling = f.getString(p + "rope.scaling.type", "none");
    const double factor =
        f.getFloat(p + "rope.scaling.factor", f.getFloat(p + "rope.scale_linear", 0.0));
    if (scaling == "linear" || (scaling == "none" && f.has(p + "rope.scale_linear"))) {
        if (factor > 0.0) c.ropeFreqScale = float(1.0 / factor);
    } else if (scaling == "yarn" && factor > 0.0) {
        readYarn(f, p, factor, c);
    } else if (scaling != "none" && factor != 0.0 && factor != 1.0) {
        throw EngineError(
            f.path() + ": RoPE scaling '" + scaling + "' (" + p +
            "rope.scaling.type) is not supported; use a model without it or with linear scaling");
    }
    c.ropeNeox = rules->ropeNeox;
    c.expertWeightsNorm = f.getBool(p + "expert_weights_norm", rules->expertWeightsNorm);
    c.leadingDenseLayers = int(opt("leading_dense_block_count", 0));
    if (c.leadingDenseLayers < 0 || c.leadingDenseLayers > c.nLayer)
        throw EngineError(f.path() + ": " + p + "leading_dense_block_count is out of range");
    const int64_t gatingFunc = opt("expert_gating_func", 1); // llama.cpp: 1 softmax, 2 sigmoid
    if (gatingFunc != 1 && gatingFunc != 2)
        throw EngineError(f.path() + ": " + p + "expert_gating_func " + std::to_string(gatingFunc) +
                          " is not supported (1 softmax, 2 sigmoid)");
    c.gating = gatingFunc == 2 ? MoeGating::Sigmoid : MoeGating::Softmax;
    c.expertWeightsScale = float(f.getFloat(p + "expert_weights_scale", 1.0));
    if (c.leadingDenseLayers > 0 && c.nFf <= 0)
        throw EngineError(f.path() + ": the leading dense layers need " + p +
                          "feed_forward_length");

    // Per-layer window and RoPE base (a pattern interleaves sliding-window and global layers).
    for (int i = 0; i < c.nLayer; ++i) {
        const bool windowed =
            c.slidingWindow > 0 &&
            (rules->swaPattern == 0 || i % rules->swaPattern < rules->swaPattern - 1);
        c.layerWindow.push_back(windowed ? c.slidingWindow : 0);
        c.layerRopeBase.push_back(c.ropeFreqBase);
        c.layerRopeScale.push_back(c.ropeFreqScale);
    }
    if (c.architecture == "granitemoe") readGraniteScales(f, p, c);
    if (c.architecture == "gemma3") applyGemma3(c);
    if (c.architecture == "gpt-oss") applyGptOss(c);
    if (c.architecture == "deepseek2") readDeepseek2(f, p, c);

    // The vocabulary size is the embedding table's row count (checked against the tokenizer
    // and vocab_size where present).
    const GgufTensorInfo* embd = f.findTensor("token_embd.weight");
    if (!embd) throw EngineError(f.path() + ": tensor 'token_embd.weight' is missing");
    c.nVocab = positive(f, "token_embd.weight ne[1]", embd->ne[1], int64_t(1) << 30);
    if (f.has(p + "vocab_size") && f.getInt(p + "vocab_size") != c.nVocab)
        throw EngineError(
            f.path() + ": " + p + "vocab_size (" + std::to_string(f.getInt(p + "vocab_size")) +
            ") does not match token_embd.weight (" + std::to_string(c.nVocab) + " rows)");
    return c;
}

} // namespace fabulist::inference
