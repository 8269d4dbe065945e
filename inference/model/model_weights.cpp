#include "inference/model/model_weights.h"

#include "inference/engine_error.h"
#include "inference/gguf/gguf_file.h"
#include "inference/quant/quant_kernels.h"

#include <functional>
#include <set>
#include <stdexcept>

namespace fabulist::inference {

namespace {

std::string shapeText(const std::array<int64_t, 4>& ne, uint32_t dims) {
    std::string s = "[";
    for (uint32_t i = 0; i < std::max<uint32_t>(dims, 1); ++i)
        s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

enum class Use { Matrix, Vector };

class Loader {
public:
    Loader(const GgufFile& f, const ModelConfig& c, Backend& b)
        : m_file(f), m_config(c), m_backend(b) {}

    Weight get(const std::string& name, std::array<int64_t, 3> ne, Use use, bool required = true) {
        const GgufTensorInfo* t = m_file.findTensor(name);
        if (!t) {
            if (required)
                throw EngineError(m_file.path() + ": tensor '" + name +
                                  "' is missing; the file does not match its '" +
                                  m_config.architecture + "' architecture or is incomplete");
            return {};
        }
        m_used.insert(name);
        const std::array<int64_t, 4> want{ne[0], ne[1], ne[2], 1};
        if (t->ne != want)
            throw EngineError(m_file.path() + ": tensor '" + name + "' has shape " +
                              shapeText(t->ne, t->nDims) +
                              " but the model's hyperparameters need " + shapeText(want, 3) +
                              "; the file is inconsistent");
        if (use == Use::Vector) {
            if (t->type != GgmlType::F32)
                throw EngineError(m_file.path() + ": tensor '" + name + "' has type " +
                                  std::string(ggmlTypeTraits(t->type).name) +
                                  ", expected F32 for a norm/bias vector");
        } else {
            try {
                (void)quantKernels(t->type);
            } catch (const std::exception&) {
                throw EngineError(m_file.path() + ": tensor '" + name + "' has type " +
                                  std::string(ggmlTypeTraits(t->type).name) +
                                  ", which has no matrix kernel in this engine");
            }
        }
        try {
            return m_backend.upload(*t);
        } catch (const std::exception& e) {
            // A backend that cannot take this tensor (e.g. no shader for its type): say which.
            throw EngineError(m_file.path() + ": tensor '" + name + "' (" +
                              std::string(ggmlTypeTraits(t->type).name) + "): " + e.what());
        }
    }

    const std::set<std::string>& used() const { return m_used; }

private:
    const GgufFile& m_file;
    const ModelConfig& m_config;
    Backend& m_backend;
    std::set<std::string> m_used;
};

// DeepSeek's latent attention tensors (ModelConfig::isMla), as current llama.cpp converters
// write them: attn_k_b / attn_v_b split per head.
void loadLatentAttention(Loader& l, const std::string& b, const ModelConfig& c, LayerWeights& L) {
    const int64_t E = c.nEmbd, H = c.nHead, lora = c.kvLoraRank, rope = c.nRot;
    const int64_t nope = c.mlaKeyLength - rope, qFull = H * c.mlaKeyLength;
    if (c.qLoraRank > 0) {
        L.wqA = l.get(b + "attn_q_a.weight", {E, c.qLoraRank, 1}, Use::Matrix);
        L.qANorm = l.get(b + "attn_q_a_norm.weight", {c.qLoraRank, 1, 1}, Use::Vector);
        L.wqB = l.get(b + "attn_q_b.weight", {c.qLoraRank, qFull, 1}, Use::Matrix);
    } else {
        L.wq = l.get(b + "attn_q.weight", {E, qFull, 1}, Use::Matrix);
    }
    L.wkvA = l.get(b + "attn_kv_a_mqa.weight", {E, lora + rope, 1}, Use::Matrix);
    L.kvANorm = l.get(b + "attn_kv_a_norm.weight", {lora, 1, 1}, Use::Vector);
    L.kB = l.get(b + "attn_k_b.weight", {nope, lora, H}, Use::Matrix);
    L.vB = l.get(b + "attn_v_b.weight", {lora, c.mlaValueLength, H}, Use::Matrix);
    L.wo = l.get(b + "attn_output.weight", {H * c.mlaValueLength, E, 1}, Use::Matrix);
}

} // namespace

ModelWeights ModelWeights::load(const GgufFile& f, const ModelConfig& c, Backend& backend,
                                const std::function<bool(float)>& progress) {
    Loader l(f, c, backend);
    ModelWeights w;
    const int64_t E = c.nEmbd, V = c.nVocab;
    const int64_t qDim = int64_t(c.nHead) * c.headDimK, kDim = int64_t(c.nHeadKv) * c.headDimK,
                  vDim = int64_t(c.nHeadKv) * c.headDimV, oDim = int64_t(c.nHead) * c.headDimV;
    w.tokenEmbd = l.get("token_embd.weight", {E, V, 1}, Use::Matrix);
    w.outputNorm = l.get("output_norm.weight", {E, 1, 1}, Use::Vector);
    w.output = l.get("output.weight", {E, V, 1}, Use::Matrix, false);
    if (!w.output.host) w.output = w.tokenEmbd; // tied embeddings
    w.ropeFreqs = l.get("rope_freqs.weight", {c.nRot / 2, 1, 1}, Use::Vector, false);

    auto checkCancel = [&](int layer) {
        if (progress && !progress(float(layer + 1) / float(c.nLayer + 1)))
            throw EngineError(f.path() + ": loading cancelled");
    };
    checkCancel(-1);
    for (int i = 0; i < c.nLayer; ++i) {
        const std::string b = "blk." + std::to_string(i) + ".";
        LayerWeights L;
        L.attnNorm = l.get(b + "attn_norm.weight", {E, 1, 1}, Use::Vector);
        if (c.isMla()) {
            loadLatentAttention(l, b, c, L);
        } else {
            L.wq = l.get(b + "attn_q.weight", {E, qDim, 1}, Use::Matrix);
            L.wk = l.get(b + "attn_k.weight", {E, kDim, 1}, Use::Matrix);
            L.wv = l.get(b + "attn_v.weight", {E, vDim, 1}, Use::Matrix);
            L.wo = l.get(b + "attn_output.weight", {oDim, E, 1}, Use::Matrix);
        }
        L.bq = l.get(b + "attn_q.bias", {qDim, 1, 1}, Use::Vector, false);
        L.bk = l.get(b + "attn_k.bias", {kDim, 1, 1}, Use::Vector, false);
        L.bv = l.get(b + "attn_v.bias", {vDim, 1, 1}, Use::Vector, false);
        L.bo = l.get(b + "attn_output.bias", {E, 1, 1}, Use::Vector, false);
        L.sinks = l.get(b + "attn_sinks.weight", {c.nHead, 1, 1}, Use::Vector, c.attentionSinks);
        // Q/K norm: per head (qwen3) or over the whole projection (olmoe); the stored width says
        // which.
        if (const GgufTensorInfo* t = f.findTensor(b + "attn_q_norm.weight")) {
            const int64_t qn = t->ne[0] == c.headDimK ? c.headDimK : qDim;
            const int64_t kn = t->ne[0] == c.headDimK ? c.headDimK : kDim;
            L.qNorm = l.get(b + "attn_q_norm.weight", {qn, 1, 1}, Use::Vector);
            L.kNorm = l.get(b + "attn_k_norm.weight", {kn, 1, 1}, Use::Vector);
        }
        // The pre-FFN norm: ffn_norm, or post_attention_norm where that is its name (GLM-4.5,
        // gpt-oss); Gemma 3 has both, post_attention_norm on the attention branch's output.
        const bool namedPost = !c.postNorms && !f.findTensor(b + "ffn_norm.weight");
        L.ffnNorm = l.get(b + (namedPost ? "post_attention_norm.weight" : "ffn_norm.weight"),
                          {E, 1, 1}, Use::Vector);
        if (c.postNorms) {
            L.postAttnNorm = l.get(b + "post_attention_norm.weight", {E, 1, 1}, Use::Vector);
            L.postFfnNorm = l.get(b + "post_ffw_norm.weight", {E, 1, 1}, Use::Vector);
        }
        if (c.isMoeLayer(i)) {
            const int64_t X = c.nExpert;
            const GgufTensorInfo* ge = f.findTensor(b + "ffn_gate_exps.weight");
            const int64_t F = ge ? ge->ne[1] : c.nFfExpert;
            if (c.nFfExpert > 0 && F != c.nFfExpert)
                throw EngineError(
                    f.path() + ": tensor '" + b + "ffn_gate_exps.weight' has " + std::to_string(F) +
                    " rows per expert but the metadata says expert_feed_forward_length " +
                    std::to_string(c.nFfExpert));
            L.router = l.get(b + "ffn_gate_inp.weight", {E, X, 1}, Use::Matrix);
            L.expProbsBias = l.get(b + "exp_probs_b.bias", {X, 1, 1}, Use::Vector, false);
            L.routerBias = l.get(b + "ffn_gate_inp.bias", {X, 1, 1}, Use::Vector, false);
            L.gateExpsBias = l.get(b + "ffn_gate_exps.bias", {F, X, 1}, Use::Vector, false);
            L.upExpsBias = l.get(b + "ffn_up_exps.bias", {F, X, 1}, Use::Vector, false);
            L.downExpsBias = l.get(b + "ffn_down_exps.bias", {E, X, 1}, Use::Vector, false);
            L.gateExps = l.get(b + "ffn_gate_exps.weight", {E, F, X}, Use::Matrix);
            L.upExps = l.get(b + "ffn_up_exps.weight", {E, F, X}, Use::Matrix);
            L.downExps = l.get(b + "ffn_down_exps.weight", {F, E, X}, Use::Matrix);
            if (const GgufTensorInfo* gs = f.findTensor(b + "ffn_gate_shexp.weight")) {
                const int64_t S = gs->ne[1];
                L.gateShared = l.get(b + "ffn_gate_shexp.weight", {E, S, 1}, Use::Matrix);
                L.upShared = l.get(b + "ffn_up_shexp.weight", {E, S, 1}, Use::Matrix);
                L.downShared = l.get(b + "ffn_down_shexp.weight", {S, E, 1}, Use::Matrix);
                L.sharedGateInp =
                    l.get(b + "ffn_gate_inp_shexp.weight", {E, 1, 1}, Use::Vector, false);
            }
        } else {
            L.ffnGate = l.get(b + "ffn_gate.weight", {E, c.nFf, 1}, Use::Matrix);
            L.ffnUp = l.get(b + "ffn_up.weight", {E, c.nFf, 1}, Use::Matrix);
            L.ffnDown = l.get(b + "ffn_down.weight", {c.nFf, E, 1}, Use::Matrix);
        }
        w.layers.push_back(std::move(L));
        checkCancel(i);
    }

    // Parameter counts: every tensor the model uses; active = without the unchosen experts.
    for (const auto& t : f.tensors()) {
        if (!l.used().count(t.name)) continue;
        w.parameterCount += t.elementCount();
        w.weightBytes += t.nbytes;
        const bool expert = t.name.find("_exps.") != std::string::npos;
        w.activeParameterCount += expert && c.nExpert > 0
                                      ? t.elementCount() / c.nExpert * c.nExpertUsed
                                      : t.elementCount();
    }
    return w;
}

} // namespace fabulist::inference
