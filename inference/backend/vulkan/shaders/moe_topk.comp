#version 450
// MoE routing, one invocation per token row; writes [rows][nUsed] (expert id, weight) pairs,
// highest first, ties to the lower id, as the CPU backend routes:
//   gating 0 softmax: the most probable experts, weights their probabilities (renormalised to
//            sum 1 when normalize != 0);
//   gating 1 sigmoid (DeepSeek-V3, GLM-4.5): chosen by sigmoid + selection bias (binding 2 when
//            hasBias), weighted by the sigmoid alone (renormalised when normalize != 0);
//   gating 2 softmax of the chosen (gpt-oss): chosen by raw logit, weights a softmax over them.
// Every weight is then multiplied by scale. Up to 128 experts.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer L { float logits[]; };
layout(std430, binding = 1) buffer R { uint route[]; }; // read back when normalising
layout(std430, binding = 2) readonly buffer B { float bias[]; };
layout(push_constant) uniform Params {
    uint rows, nExpert, nUsed, lOffset, lStride, normalize, rOffset;
    uint gating, hasBias, bOffset;
    float scale;
} p;

float softmaxMax(uint b) {
    float mx = -3.402823466e38;
    for (uint e = 0; e < p.nExpert; ++e) mx = max(mx, logits[b + e]);
    return mx;
}

// The expert's weight before normalisation, and the score it is chosen by.
void score(uint b, uint e, float mx, float inv, out float weight, out float choice) {
    const float l = logits[b + e];
    if (p.gating == 1u) {
        weight = 1.0 / (1.0 + exp(-l));
        choice = p.hasBias != 0u ? weight + bias[p.bOffset + e] : weight;
    } else if (p.gating == 2u) {
        weight = l;
        choice = l;
    } else {
        weight = exp(l - mx) * inv;
        choice = weight;
    }
}

void main() {
    const uint t = gl_GlobalInvocationID.x;
    if (t >= p.rows) return;
    const uint b = p.lOffset + t * p.lStride;
    float mx = 0.0, inv = 1.0;
    if (p.gating == 0u) {
        mx = softmaxMax(b);
        float sum = 0.0;
        for (uint e = 0; e < p.nExpert; ++e) sum += exp(logits[b + e] - mx);
        inv = 1.0 / sum;
    }
    uint taken[4] = uint[4](0u, 0u, 0u, 0u);
    float wsum = 0.0, chosenMax = -3.402823466e38;
    for (uint j = 0; j < p.nUsed; ++j) {
        int best = -1;
        float bestChoice = 0.0, bestWeight = 0.0;
        for (uint e = 0; e < p.nExpert; ++e) {
            if (((taken[e >> 5] >> (e & 31u)) & 1u) != 0u) continue;
            float w, c;
            score(b, e, mx, inv, w, c);
            if (best < 0 || c > bestChoice) {
                best = int(e);
                bestChoice = c;
                bestWeight = w;
            }
        }
        taken[uint(best) >> 5] |= 1u << (uint(best) & 31u);
        route[p.rOffset + (t * p.nUsed + j) * 2u] = uint(best);
        route[p.rOffset + (t * p.nUsed + j) * 2u + 1u] = floatBitsToUint(bestWeight);
        wsum += bestWeight;
        chosenMax = max(chosenMax, bestWeight);
    }
    float div = p.normalize != 0u ? wsum : 1.0;
    if (p.gating == 2u) { // softmax over the chosen logits
        float sum = 0.0;
        for (uint j = 0; j < p.nUsed; ++j) {
            const uint k = p.rOffset + (t * p.nUsed + j) * 2u + 1u;
            const float e = exp(uintBitsToFloat(route[k]) - chosenMax);
            route[k] = floatBitsToUint(e);
            sum += e;
        }
        div = sum;
    }
    for (uint j = 0; j < p.nUsed; ++j) {
        const uint k = p.rOffset + (t * p.nUsed + j) * 2u + 1u;
        float w = uintBitsToFloat(route[k]);
        if (p.gating == 2u) w *= 1.0 / div; else if (p.normalize != 0u) w /= div;
        if (p.scale != 1.0) w *= p.scale;
        route[k] = floatBitsToUint(w);
    }
}
