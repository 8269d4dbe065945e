#include "inference/model/model.h"

#include "inference/engine_error.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace fabulist::inference {

Model::Model(ModelConfig config, ModelWeights weights, Backend& backend, int maxRows,
             int maxContext)
    : m_config(std::move(config)), m_weights(std::move(weights)), m_backend(backend),
      m_maxRows(maxRows) {
    const ModelConfig& c = m_config;
    if ((c.needsExtendedOps() && !backend.hasExtendedOps()) ||
        (c.needsScaleOp() && !backend.hasScaleOp()))
        throw EngineError("the " + backend.name() + " backend cannot run '" + c.architecture +
                          "' models yet; use the CPU (--device cpu)");
    const int qDim = c.nHead * c.headDimK, kDim = c.nHeadKv * c.headDimK,
              vDim = c.nHeadKv * c.headDimV, oDim = c.nHead * c.headDimV;
    // Logits for a whole batch of a big vocabulary would be large; produce them in chunks.
    m_logitRows =
        std::max(1, std::min(maxRows, int((int64_t(64) << 20) / (int64_t(c.nVocab) * 4))));
    m_x = backend.allocate(maxRows, c.nEmbd);
    m_xn = backend.allocate(maxRows, c.nEmbd);
    m_q = backend.allocate(maxRows, qDim);
    m_k = backend.allocate(maxRows, kDim);
    m_v = backend.allocate(maxRows, vDim);
    m_attn = backend.allocate(maxRows, oDim);
    m_tmp = backend.allocate(maxRows, c.nEmbd);
    m_router = backend.allocate(maxRows, std::max(c.nExpert, 1));
    m_logits = backend.allocate(m_logitRows, c.nVocab);
    if (c.isMla()) {
        m_mlaQuery = backend.allocate(maxRows, c.nHead * c.mlaKeyLength);
        m_mlaQa = backend.allocate(maxRows, std::max(c.qLoraRank, 1));
        m_mlaValues = backend.allocate(maxRows, c.nHead * c.mlaValueLength);
    }

    int maxFf = std::max(c.nFf, 1);
    for (const auto& L : m_weights.layers) {
        if (L.isMoe()) maxFf = std::max<int>(maxFf, int(L.gateExps.nOut));
        if (L.gateShared.host) maxFf = std::max<int>(maxFf, int(L.gateShared.nOut));
    }
    BackendLimits lim;
    lim.maxRows = maxRows;
    lim.maxCols =
        std::max({c.nEmbd, qDim, kDim, vDim, oDim, c.nHead * c.mlaKeyLength, c.qLoraRank});
    lim.maxContext = maxContext;
    lim.maxFf = maxFf;
    lim.maxFfRows = maxRows * std::max(1, c.nExpertUsed);
    lim.nEmbd = c.nEmbd;
    backend.reserve(lim);
}

int Model::ringSlots(int layer, int capacity) const {
    return m_config.layerKvSlots(layer, capacity, m_maxRows);
}

int Model::rewindLimit(int capacity) const {
    int limit = INT_MAX;
    for (int l = 0; l < m_config.nLayer; ++l) {
        const int slots = ringSlots(l, capacity);
        if (slots < capacity) limit = std::min(limit, slots - m_config.layerWindow[size_t(l)] + 1);
    }
    return limit;
}

std::unique_ptr<KvCache> Model::createKvCache(int capacity, GgmlType type, bool ring) {
    const ModelConfig& c = m_config;
    if (ring) {
        std::vector<int> slots;
        for (int l = 0; l < c.nLayer; ++l) slots.push_back(ringSlots(l, capacity));
        return m_backend.createRingKvCache(c.nLayer, capacity, slots, c.nHeadKv * c.headDimK,
                                           c.isMla() ? 0 : c.nHeadKv * c.headDimV, type);
    }
    // Latent attention caches one row per token; its values are that row's first part.
    return m_backend.createKvCache(c.nLayer, capacity, c.nHeadKv * c.headDimK,
                                   c.isMla() ? 0 : c.nHeadKv * c.headDimV, type);
}

// One sequence at positions pos0.. of `cache`, or (tail set) one row per sequence of a
// candidates step.
struct Model::Placement {
    KvCache* cache = nullptr;
    int pos0 = 0; // one sequence; for candidates: the shared prefix length
    KvCache* tail = nullptr;
    std::span<const SequenceStep> steps;
    std::span<const int> positions, slots;
};

void Model::forward(KvCache& cache, std::span<const int32_t> ids, int pos0, int outputFirst,
                    float* logits, float* hidden, int expertsUsed, bool allHidden,
                    const OutputMix* mix) {
    const int T = int(ids.size());
    ++m_serial;
    m_lastHidden = m_lastLogits = Act{};
    m_backend.embed(m_weights.tokenEmbd, ids, m_x.view(0, T));
    Placement at;
    at.cache = &cache;
    at.pos0 = pos0;
    layers(at, T, expertsUsed);
    outputs(T, outputFirst, logits, hidden, allHidden, mix);
}

void Model::forwardSequences(KvCache& prefix, int prefixLen, KvCache& tail,
                             std::span<const int32_t> ids, std::span<const SequenceStep> steps,
                             float* logits, int expertsUsed, const OutputMix* mix) {
    const int T = int(ids.size());
    ++m_serial;
    m_lastHidden = m_lastLogits = Act{};
    m_positions.resize(size_t(T));
    m_slots.resize(size_t(T));
    for (int r = 0; r < T; ++r) {
        m_positions[size_t(r)] = prefixLen + steps[size_t(r)].tailCount - 1;
        m_slots[size_t(r)] = steps[size_t(r)].tailBegin + steps[size_t(r)].tailCount - 1;
    }
    m_backend.embed(m_weights.tokenEmbd, ids, m_x.view(0, T));
    Placement at;
    at.cache = &prefix;
    at.pos0 = prefixLen;
    at.tail = &tail;
    at.steps = steps;
    at.positions = m_positions;
    at.slots = m_slots;
    layers(at, T, expertsUsed);
    outputs(T, 0, logits, nullptr, false, mix);
}

void Model::layers(const Placement& at, int T, int expertsUsed) {
    const ModelConfig& c = m_config;
    Backend& b = m_backend;
    const Act x = m_x.view(0, T), xn = m_xn.view(0, T), q = m_q.view(0, T), k = m_k.view(0, T),
              v = m_v.view(0, T), attn = m_attn.view(0, T), tmp = m_tmp.view(0, T),
              router = m_router.view(0, T);

    RopeParams ropeQ{c.nHead,
                     c.headDimK,
                     c.nRot,
                     c.ropeFreqBase,
                     c.ropeFreqScale,
                     c.ropeNeox,
                     optional(m_weights.ropeFreqs)};
    ropeQ.extFactor = c.ropeExtFactor;
    ropeQ.attnFactor = c.ropeAttnFactor;
    ropeQ.betaFast = c.yarnBetaFast;
    ropeQ.betaSlow = c.yarnBetaSlow;
    ropeQ.nCtxOrig = c.ropeCtxOrig;
    RopeParams ropeK = ropeQ;
    ropeK.nHead = c.nHeadKv;
    const float scoreScale =
        c.attentionScale > 0.0f ? c.attentionScale : 1.0f / std::sqrt(float(c.headDimK));
    AttentionParams ap{c.nHead, c.nHeadKv, c.headDimK, c.headDimV, c.scaleQuery ? 1.0f : scoreScale,
                       0};
    MoeParams mp;
    mp.nExpert = c.nExpert;
    mp.nUsed = expertsUsed;
    mp.normalizeWeights = c.expertWeightsNorm;
    mp.gating = c.gating;
    mp.weightsScale = c.expertWeightsScale;
    mp.activation = c.activation;

    if (c.embeddingScale != 1.0f) b.scale(x, c.embeddingScale);
    // A branch's output joins the residual stream: post-norm (Gemma 3), times the residual
    // multiplier (Granite), added.
    auto joinResidual = [&](const Weight& postNorm) {
        if (postNorm.host) b.rmsNorm(tmp, &postNorm, tmp, c.nEmbd, c.rmsEps);
        if (c.residualScale != 1.0f) b.scale(tmp, c.residualScale);
        b.add(x, tmp);
    };
    for (int il = 0; il < c.nLayer; ++il) {
        const LayerWeights& L = m_weights.layers[size_t(il)];
        ropeQ.freqBase = ropeK.freqBase = c.layerRopeBase[size_t(il)];
        ropeQ.freqScale = ropeK.freqScale = c.layerRopeScale[size_t(il)];
        ap.window = c.layerWindow[size_t(il)];
        ap.sinks = optional(L.sinks);
        // Attention block.
        b.rmsNorm(x, &L.attnNorm, xn, c.nEmbd, c.rmsEps);
        if (c.isMla()) {
            latentAttention(at, il, T, ropeQ, ropeK, ap);
            const Backend::MatmulJob o[1] = {{&L.wo, nullptr, tmp}};
            b.matmul(m_mlaValues.view(0, T), o);
            joinResidual(L.postAttnNorm);
        } else {
            const Backend::MatmulJob qkv[3] = {
                {&L.wq, optional(L.bq), q}, {&L.wk, optional(L.bk), k}, {&L.wv, optional(L.bv), v}};
            b.matmul(xn, qkv);
            if (L.qNorm.host) {
                b.rmsNorm(q, &L.qNorm, q, int(L.qNorm.nIn), c.rmsEps);
                b.rmsNorm(k, &L.kNorm, k, int(L.kNorm.nIn), c.rmsEps);
            }
            rope(at, q, ropeQ);
            rope(at, k, ropeK);
            if (c.scaleQuery) b.scale(q, scoreScale);
            attend(at, il, q, k, v, attn, ap);
            const Backend::MatmulJob o[1] = {{&L.wo, optional(L.bo), tmp}};
            b.matmul(attn, o);
            joinResidual(L.postAttnNorm);
        }

        // Feed-forward block.
        b.rmsNorm(x, &L.ffnNorm, xn, c.nEmbd, c.rmsEps);
        if (L.isMoe()) {
            const Backend::MatmulJob r[1] = {{&L.router, optional(L.routerBias), router}};
            b.matmul(xn, r);
            mp.selectionBias = optional(L.expProbsBias);
            const MoeWeights experts{&L.gateExps,
                                     &L.upExps,
                                     &L.downExps,
                                     optional(L.gateExpsBias),
                                     optional(L.upExpsBias),
                                     optional(L.downExpsBias)};
            b.moe(xn, router, experts, mp, tmp);
            if (L.gateShared.host)
                b.ffn(xn, L.gateShared, L.upShared, L.downShared, tmp, optional(L.sharedGateInp),
                      true, c.activation);
        } else {
            b.ffn(xn, L.ffnGate, L.ffnUp, L.ffnDown, tmp, nullptr, false, c.activation);
        }
        joinResidual(L.postFfnNorm);
    }
}

void Model::rope(const Placement& at, Act x, const RopeParams& params) {
    if (at.tail)
        m_backend.ropeAt(x, params, at.positions);
    else
        m_backend.rope(x, params, at.pos0);
}

void Model::attend(const Placement& at, int il, Act q, Act k, Act v, Act out,
                   const AttentionParams& ap) {
    if (at.tail) {
        m_backend.storeKvAt(*at.tail, il, k, v, at.slots);
        m_backend.attentionSequences(*at.cache, at.pos0, *at.tail, il, q, out, at.steps, ap);
    } else {
        m_backend.storeKv(*at.cache, il, k, v, at.pos0);
        m_backend.attention(*at.cache, il, q, out, at.pos0, ap);
    }
}

// llama.cpp's deepseek2 graph with absorption: q (through the q LoRA when there is one) per head
// [nope | rope], the rope part rotated; the key row [normed latent | rotated rope part] is what
// the cache keeps; the no-rope query is absorbed by attn_k_b into the latent, so attention runs
// over cached latents directly (one KV head, values = the latent), and attn_v_b expands each
// head's latent result to its value.
void Model::latentAttention(const Placement& at, int il, int T, RopeParams ropeQ, RopeParams ropeK,
                            const AttentionParams& ap) {
    const ModelConfig& c = m_config;
    Backend& b = m_backend;
    const LayerWeights& L = m_weights.layers[size_t(il)];
    const Act xn = m_xn.view(0, T), qFull = m_mlaQuery.view(0, T), k = m_k.view(0, T),
              q = m_q.view(0, T), attn = m_attn.view(0, T);
    if (L.wqA.host) {
        const Act qa = m_mlaQa.view(0, T);
        const Backend::MatmulJob a[1] = {{&L.wqA, nullptr, qa}};
        b.matmul(xn, a);
        b.rmsNorm(qa, &L.qANorm, qa, c.qLoraRank, c.rmsEps);
        const Backend::MatmulJob qb[1] = {{&L.wqB, nullptr, qFull}};
        b.matmul(qa, qb);
    } else {
        const Backend::MatmulJob qj[1] = {{&L.wq, nullptr, qFull}};
        b.matmul(xn, qj);
    }
    const Backend::MatmulJob kv[1] = {{&L.wkvA, nullptr, k}};
    b.matmul(xn, kv);
    b.rmsNorm(k, &L.kvANorm, k, c.kvLoraRank, c.rmsEps); // the latent part only
    const int nope = c.mlaKeyLength - c.nRot;
    ropeQ.headDim = c.mlaKeyLength;
    ropeQ.offset = nope;
    ropeK.nHead = 1;
    ropeK.headDim = c.headDimK;
    ropeK.offset = c.kvLoraRank;
    rope(at, qFull, ropeQ);
    rope(at, k, ropeK);
    const MlaShape shape{c.nHead, nope, c.nRot, c.kvLoraRank, c.mlaValueLength};
    b.absorbQuery(qFull, L.kB, q, shape);
    attend(at, il, q, k, k, attn, ap);
    b.expandValues(attn, L.vB, m_mlaValues.view(0, T), shape);
}

void Model::outputs(int T, int outputFirst, float* logits, float* hidden, bool allHidden,
                    const OutputMix* mix) {
    const ModelConfig& c = m_config;
    Backend& b = m_backend;
    const Act x = m_x.view(0, T);
    if (outputFirst >= T) return;
    for (int r0 = outputFirst; r0 < T; r0 += m_logitRows) {
        const int n = std::min(m_logitRows, T - r0);
        const Act h = m_xn.view(r0, n);
        b.rmsNorm(x.view(r0, n), &m_weights.outputNorm, h, c.nEmbd, c.rmsEps);
        if (hidden && allHidden)
            for (int i = 0; i < n; ++i)
                b.read(h, i, hidden + size_t(r0 - outputFirst + i) * c.nEmbd);
        else if (hidden && r0 + n == T)
            b.read(h, n - 1, hidden);
        if (logits) {
            const Act out = m_logits.view(0, n);
            const Backend::MatmulJob jo[1] = {{&m_weights.output, nullptr, out}};
            b.matmul(h, jo);
            if (m_config.logitScale != 1.0f) b.scale(out, 1.0f / m_config.logitScale);
            for (int i = 0; i < n; ++i)
                b.read(out, i, logits + size_t(r0 - outputFirst + i) * c.nVocab);
            if (mix && mix->head && mix->alpha != 0.0f) {
                b.headMix(h, out, *mix->head, mix->alpha, mix->projected.view(0, n), out);
                for (int i = 0; i < n; ++i)
                    b.read(out, i, mix->out + size_t(r0 - outputFirst + i) * c.nVocab);
            } else if (r0 + n == T) {
                m_lastHidden = h.view(n - 1, 1);
                m_lastLogits = out.view(n - 1, 1);
            }
        }
    }
}

} // namespace fabulist::inference
