#include "inference/synth/synth_plan_blocks.h"

#include <cmath>

namespace fabulist::inference {

namespace {

std::string blk(int layer, const char* name, const char* suffix = "weight") {
    return "blk." + std::to_string(layer) + "." + name + "." + suffix;
}

float invSqrt(int64_t n) {
    return 1.0f / std::sqrt(static_cast<float>(n));
}

} // namespace

void SynthPlanBuilder::weight(std::string name, std::initializer_list<int64_t> ne, float stddev,
                              int layer) {
    SynthTensor t;
    t.name = std::move(name);
    t.nDims = static_cast<uint32_t>(ne.size());
    size_t i = 0;
    for (int64_t n : ne) t.ne[i++] = n;
    t.std = stddev;
    t.type = llamaQuantizeType(m_type, t.name, layer, m_s.nLayer, m_s.nExpert, m_s.tiedOutput,
                               t.ne[0], m_s.nHead / m_s.nHeadKv, t.ne[2]);
    m_out.push_back(std::move(t));
}

void SynthPlanBuilder::f32(std::string name, std::initializer_list<int64_t> ne, float stddev,
                           bool isNorm, float centre) {
    SynthTensor t;
    t.name = std::move(name);
    t.nDims = static_cast<uint32_t>(ne.size());
    size_t i = 0;
    for (int64_t n : ne) t.ne[i++] = n;
    t.std = stddev;
    t.isNorm = isNorm;
    t.centre = isNorm ? centre : 0.0f;
    m_out.push_back(std::move(t));
}

bool SynthPlanBuilder::denseLayer(int l) const {
    return !m_s.isMoe() || l < m_s.leadingDense;
}

void SynthPlanBuilder::block(int l) {
    const int64_t nEmbd = m_s.nEmbd;
    f32(blk(l, "attn_norm"), {nEmbd}, 0.1f, true);
    if (m_s.mla.kvLoraRank > 0)
        latentAttention(l);
    else
        attention(l);
    using N = SynthShape::Norms;
    if (m_s.norms == N::PreNorm) f32(blk(l, "ffn_norm"), {nEmbd}, 0.1f, true);
    if (m_s.norms == N::PostAttention) f32(blk(l, "post_attention_norm"), {nEmbd}, 0.1f, true);
    if (m_s.norms == N::Sandwich) {
        f32(blk(l, "post_attention_norm"), {nEmbd}, 0.1f, true, 2.0f);
        f32(blk(l, "ffn_norm"), {nEmbd}, 0.1f, true);
    }
    if (denseLayer(l))
        feedForward(l);
    else
        experts(l);
    if (m_s.norms == N::Sandwich) f32(blk(l, "post_ffw_norm"), {nEmbd}, 0.1f, true, 2.0f);
}

void SynthPlanBuilder::attention(int l) {
    const int64_t nEmbd = m_s.nEmbd;
    const int64_t nQ = int64_t(m_s.nHead) * m_s.headDim;
    const int64_t nKv = int64_t(m_s.nHeadKv) * m_s.headDim;
    const float inv = invSqrt(nEmbd);
    // The reference draws: output gain 3 in the dense llama, 2 everywhere else.
    const float gain = m_s.isMoe() || m_s.norms != SynthShape::Norms::PreNorm ? 2.0f : 3.0f;
    weight(blk(l, "attn_q"), {nEmbd, nQ}, 1.5f * inv, l);
    if (m_s.qkvBias) f32(blk(l, "attn_q", "bias"), {nQ}, 0.1f, false);
    weight(blk(l, "attn_k"), {nEmbd, nKv}, 1.5f * inv, l);
    if (m_s.qkvBias) f32(blk(l, "attn_k", "bias"), {nKv}, 0.1f, false);
    weight(blk(l, "attn_v"), {nEmbd, nKv}, inv, l);
    if (m_s.qkvBias) f32(blk(l, "attn_v", "bias"), {nKv}, 0.1f, false);
    auto qkNorms = [&] {
        if (m_s.qkNorm == SynthShape::QkNorm::PerHead) {
            f32(blk(l, "attn_q_norm"), {m_s.headDim}, 0.1f, true);
            f32(blk(l, "attn_k_norm"), {m_s.headDim}, 0.1f, true);
        } else if (m_s.qkNorm == SynthShape::QkNorm::FullWidth) {
            f32(blk(l, "attn_q_norm"), {nQ}, 0.1f, true);
            f32(blk(l, "attn_k_norm"), {nKv}, 0.1f, true);
        }
    };
    // gemma3 and glm4moe write the Q/K norms before attn_output, the older three after it.
    const bool normsFirst = m_s.norms != SynthShape::Norms::PreNorm;
    if (normsFirst) qkNorms();
    weight(blk(l, "attn_output"), {nQ, nEmbd}, gain * invSqrt(nQ), l);
    if (m_s.gptOssExtras) {
        f32(blk(l, "attn_output", "bias"), {nEmbd}, 0.1f, false);
        f32(blk(l, "attn_sinks"), {m_s.nHead}, 1.0f, false);
    }
    if (!normsFirst) qkNorms();
}

void SynthPlanBuilder::latentAttention(int l) {
    const SynthShape::Mla& m = m_s.mla;
    const int64_t nEmbd = m_s.nEmbd, nHead = m_s.nHead;
    const int64_t qWidth = nHead * (m.nope + m.rope);
    if (m.qLoraRank > 0) {
        weight(blk(l, "attn_q_a"), {nEmbd, m.qLoraRank}, invSqrt(nEmbd), l);
        f32(blk(l, "attn_q_a_norm"), {m.qLoraRank}, 0.1f, true);
        weight(blk(l, "attn_q_b"), {m.qLoraRank, qWidth}, 1.5f * invSqrt(m.qLoraRank), l);
    } else {
        weight(blk(l, "attn_q"), {nEmbd, qWidth}, 1.5f * invSqrt(nEmbd), l);
    }
    weight(blk(l, "attn_kv_a_mqa"), {nEmbd, m.kvLoraRank + m.rope}, 1.5f * invSqrt(nEmbd), l);
    f32(blk(l, "attn_kv_a_norm"), {m.kvLoraRank}, 0.1f, true);
    // kv_b split per head: K's no-RoPE part (transposed) and V.
    weight(blk(l, "attn_k_b"), {m.nope, m.kvLoraRank, nHead}, invSqrt(m.kvLoraRank), l);
    weight(blk(l, "attn_v_b"), {m.kvLoraRank, m.value, nHead}, invSqrt(m.kvLoraRank), l);
    weight(blk(l, "attn_output"), {nHead * m.value, nEmbd}, 2.0f * invSqrt(nHead * m.value), l);
}

void SynthPlanBuilder::feedForward(int l) {
    const int64_t nEmbd = m_s.nEmbd;
    const int64_t ff = m_s.isMoe() && m_s.nFfDense > 0 ? m_s.nFfDense : m_s.nFf;
    const float gain = m_s.norms == SynthShape::Norms::PreNorm && !m_s.isMoe() ? 3.0f : 2.0f;
    weight(blk(l, "ffn_gate"), {nEmbd, ff}, invSqrt(nEmbd), l);
    weight(blk(l, "ffn_up"), {nEmbd, ff}, invSqrt(nEmbd), l);
    weight(blk(l, "ffn_down"), {ff, nEmbd}, gain * invSqrt(ff), l);
}

void SynthPlanBuilder::experts(int l) {
    const int64_t nEmbd = m_s.nEmbd, e = m_s.nExpert, ff = m_s.nFf;
    const float inv = invSqrt(nEmbd);
    const float upStd = m_s.gptOssExtras ? 2.0f * inv : inv;
    f32(blk(l, "ffn_gate_inp"), {nEmbd, e}, 2.0f * inv, false);
    if (m_s.gptOssExtras) f32(blk(l, "ffn_gate_inp", "bias"), {e}, 0.5f, false);
    if (m_s.gatingFunc == 2) f32(blk(l, "exp_probs_b", "bias"), {e}, 0.5f, false);
    weight(blk(l, "ffn_gate_exps"), {nEmbd, ff, e}, upStd, l);
    if (m_s.gptOssExtras) f32(blk(l, "ffn_gate_exps", "bias"), {ff, e}, 0.1f, false);
    weight(blk(l, "ffn_up_exps"), {nEmbd, ff, e}, upStd, l);
    if (m_s.gptOssExtras) f32(blk(l, "ffn_up_exps", "bias"), {ff, e}, 0.1f, false);
    weight(blk(l, "ffn_down_exps"), {ff, nEmbd, e}, 2.0f * invSqrt(ff), l);
    if (m_s.gptOssExtras) f32(blk(l, "ffn_down_exps", "bias"), {nEmbd, e}, 0.1f, false);
    if (m_s.nExpertShared > 0) {
        const int64_t shared = ff * m_s.nExpertShared;
        weight(blk(l, "ffn_gate_shexp"), {nEmbd, shared}, inv, l);
        weight(blk(l, "ffn_up_shexp"), {nEmbd, shared}, inv, l);
        weight(blk(l, "ffn_down_shexp"), {shared, nEmbd}, 2.0f * invSqrt(shared), l);
    }
}

} // namespace fabulist::inference
