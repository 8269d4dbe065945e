#version 450
// Causal attention, one workgroup per (query row, head): scores = scale * q.k_j over cache
// positions [lo, pos0 + row], softmax, out = sum_j p_j v_j. With an f16 cache the query and the
// probabilities are rounded to f16 first, as llama.cpp (and the CPU backend) do. Scores live in
// a scratch buffer (one row of maxCtx per workgroup), or, when that would be too large (a long
// prompt deep in a text), nowhere: the keys are streamed in tiles (attendStreamed). cOffset
// values are in cache elements.
// A Q8_0 cache (kvType 2: int8 values, then f16 block scales at k/vScaleOffset words) is read as
// the CPU backend reads it: the query quantized to Q8_0, each key block's integer dot product
// times both scales, and values dequantized for the weighted sum.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer Q { float qdata[]; };
layout(std430, binding = 1) readonly buffer K { uint kdata[]; };
layout(std430, binding = 2) readonly buffer V { uint vdata[]; };
layout(std430, binding = 3) buffer S { float scores[]; };
layout(std430, binding = 4) writeonly buffer O { float odata[]; };
// Positions written by the host before each submission: dyn[posSlot] is pos0, the position of
// q row 0, so a recorded command buffer serves every position.
layout(std430, binding = 5) readonly buffer Dyn { uint dyn[]; };
// gpt-oss's attention sinks: one logit per head that joins the softmax's max and denominator
// but has no value (hasSinks 0: a dummy binding).
layout(std430, binding = 6) readonly buffer Sinks { float sinks[]; };
layout(push_constant) uniform Params {
    uint rows, nHead, group, headDimK, headDimV, kvDimK, kvDimV;
    uint qOffset, qStride, oOffset, oStride, kOffset, vOffset;
    uint posSlot, window, maxCtx, kvType; // kvType: 0 f32, 1 f16, 2 q8_0
    float scale;
    uint sinkOffset, hasSinks;
    uint kept; // > 0: a ring of `kept` slots, position j in slot j % kept
    uint kScaleOffset, vScaleOffset;
    uint streamed; // 1: no scores scratch (attendStreamed)
} p;
#include "reduce.glsl"
#include "half.glsl"

shared float qs[1024]; // DeepSeek's latent keys: kv_lora_rank 512 + 64 rotated
shared float qd[32];   // the Q8_0 query's block scales
const uint kMaxValuesPerInvocation = 1024u / WG; // value head sizes up to 1024

int q8Value(uint which, uint e) { // the int8 at byte e of a Q8_0 layer's values
    const uint w = which == 0u ? kdata[(p.kOffset + e) >> 2] : vdata[(p.vOffset + e) >> 2];
    return int(w << (24u - 8u * ((p.kOffset + e) & 3u))) >> 24;
}

float q8Scale(uint which, uint e) { // the f16 scale of the block holding element e
    const uint b = e / 32u;
    const uint w = which == 0u ? kdata[p.kScaleOffset + b / 2u] : vdata[p.vScaleOffset + b / 2u];
    return unpackHalf2x16((b & 1u) != 0u ? (w >> 16) : w).x;
}

float cacheValue(uint which, uint e) { // which: 0 = K, 1 = V; e: element index in the layer
    if (p.kvType == 2u) return q8Scale(which, e) * float(q8Value(which, e));
    if (p.kvType == 1u) {
        const uint w = which == 0u ? kdata[(p.kOffset + e) >> 1] : vdata[(p.vOffset + e) >> 1];
        return unpackHalf2x16(((p.kOffset + e) & 1u) != 0u ? (w >> 16) : w).x;
    }
    return uintBitsToFloat(which == 0u ? kdata[p.kOffset + e] : vdata[p.vOffset + e]);
}

uint slotOf(uint pos) { return p.kept > 0u ? pos % p.kept : pos; }

// The head's query as Q8_0 blocks, as the CPU backend quantizes it for a Q8_0 cache: qs holds
// the integers, qd the blocks' f16 scales.
void quantizeQuery(uint q0, uint tid) {
    for (uint b = tid; b < p.headDimK / 32u; b += WG) {
        float amax = 0.0;
        for (uint d = b * 32u; d < b * 32u + 32u; ++d) amax = max(amax, abs(qdata[q0 + d]));
        qd[b] = unpackHalf2x16(toHalfBits(amax / 127.0)).x;
        const float id = amax != 0.0 ? 127.0 / amax : 0.0;
        for (uint d = b * 32u; d < b * 32u + 32u; ++d) qs[d] = roundEven(qdata[q0 + d] * id);
    }
}

// scale · q·k for the key at position pos (the query is in qs, prepared for the cache type).
float keyScore(uint pos, uint kvh) {
    const uint kb = slotOf(pos) * p.kvDimK + kvh * p.headDimK;
    float s = 0.0;
    if (p.kvType == 2u) {
        for (uint b = 0u; b < p.headDimK / 32u; ++b) {
            int isum = 0;
            for (uint d = b * 32u; d < b * 32u + 32u; ++d) isum += int(qs[d]) * q8Value(0u, kb + d);
            s += float(isum) * (qd[b] * q8Scale(0u, kb + b * 32u));
        }
    } else {
        for (uint d = 0; d < p.headDimK; ++d) s += qs[d] * cacheValue(0u, kb + d);
    }
    return s * p.scale;
}

// pr · v[e] for value element e (Q8_0: (p·d)·q, in the CPU backend's order).
float valueTerm(float pr, uint e) {
    if (p.kvType == 2u) return (pr * q8Scale(1u, e)) * float(q8Value(1u, e));
    return pr * cacheValue(1u, e);
}

// The probability as the cache type's V·P reads it (f16 cache: rounded to f16).
float probability(float e, float inv) {
    const float pr = e * inv;
    return p.kvType == 1u ? roundToHalf(pr) : pr;
}

uint valueIndex(uint pos, uint kvh, uint d) {
    return slotOf(pos) * p.kvDimV + kvh * p.headDimV + d;
}

// Scores kept in the scratch buffer (one row of maxCtx per workgroup): one pass over the keys.
void attendWithScratch(uint item, uint row, uint h, uint kvh, uint lo, uint count, float sink) {
    const uint tid = gl_LocalInvocationID.x;
    const uint sb = item * p.maxCtx;
    float mx = -3.402823466e38;
    for (uint j = tid; j < count; j += WG) {
        const float s = keyScore(lo + j, kvh);
        scores[sb + j] = s;
        mx = max(mx, s);
    }
    mx = reduceMax(mx);
    if (p.hasSinks != 0u) mx = max(mx, sink);
    float sum = 0.0;
    for (uint j = tid; j < count; j += WG) {
        const float e = exp(scores[sb + j] - mx);
        scores[sb + j] = e;
        sum += e;
    }
    const float inv = 1.0 / (reduceSum(sum) + (p.hasSinks != 0u ? exp(sink - mx) : 0.0));
    for (uint j = tid; j < count; j += WG) scores[sb + j] = probability(scores[sb + j], inv);
    memoryBarrierBuffer();
    barrier();
    for (uint d = tid; d < p.headDimV; d += WG) {
        float o = 0.0;
        for (uint j = 0; j < count; ++j) o += valueTerm(scores[sb + j], valueIndex(lo + j, kvh, d));
        odata[p.oOffset + row * p.oStride + h * p.headDimV + d] = o;
    }
}

shared float tileP[WG]; // the streamed path's probabilities of one tile of keys

// No scratch: the keys are streamed in tiles of WG positions, three times (maximum, sum, then
// probabilities times values through shared memory). Every value is computed by the same
// arithmetic in the same order as attendWithScratch, so both paths give the same bits.
void attendStreamed(uint item, uint row, uint h, uint kvh, uint lo, uint count, float sink) {
    const uint tid = gl_LocalInvocationID.x;
    float mx = -3.402823466e38;
    for (uint j = tid; j < count; j += WG) mx = max(mx, keyScore(lo + j, kvh));
    mx = reduceMax(mx);
    if (p.hasSinks != 0u) mx = max(mx, sink);
    float sum = 0.0;
    for (uint j = tid; j < count; j += WG) sum += exp(keyScore(lo + j, kvh) - mx);
    const float inv = 1.0 / (reduceSum(sum) + (p.hasSinks != 0u ? exp(sink - mx) : 0.0));
    float acc[kMaxValuesPerInvocation];
    for (uint k = 0u; k < kMaxValuesPerInvocation; ++k) acc[k] = 0.0;
    for (uint t = 0u; t < count; t += WG) {
        if (t + tid < count) tileP[tid] = probability(exp(keyScore(lo + t + tid, kvh) - mx), inv);
        barrier();
        const uint n = min(WG, count - t);
        for (uint k = 0u, d = tid; d < p.headDimV; ++k, d += WG)
            for (uint jj = 0u; jj < n; ++jj)
                acc[k] += valueTerm(tileP[jj], valueIndex(lo + t + jj, kvh, d));
        barrier();
    }
    for (uint k = 0u, d = tid; d < p.headDimV; ++k, d += WG)
        odata[p.oOffset + row * p.oStride + h * p.headDimV + d] = acc[k];
}

void main() {
    const uint item = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (item >= p.rows * p.nHead) return; // uniform per workgroup
    const uint row = item / p.nHead, h = item % p.nHead, kvh = h / p.group;
    const uint tid = gl_LocalInvocationID.x;
    const uint hi = dyn[p.posSlot] + row;
    const uint lo = (p.window > 0u && hi + 1u > p.window) ? hi + 1u - p.window : 0u;
    const uint count = hi - lo + 1u;
    const uint q0 = p.qOffset + row * p.qStride + h * p.headDimK;
    if (p.kvType == 2u) {
        quantizeQuery(q0, tid);
    } else {
        for (uint d = tid; d < p.headDimK; d += WG) {
            const float v = qdata[q0 + d];
            qs[d] = p.kvType == 1u ? roundToHalf(v) : v;
        }
    }
    barrier();
    const float sink = p.hasSinks != 0u ? sinks[p.sinkOffset + h] : 0.0;
    if (p.streamed != 0u)
        attendStreamed(item, row, h, kvh, lo, count, sink);
    else
        attendWithScratch(item, row, h, kvh, lo, count, sink);
}
