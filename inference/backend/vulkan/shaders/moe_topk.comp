#version 450
// MoE routing, one invocation per token row: softmax of the router logits, the nUsed most
// probable experts (highest first, ties to the lower id), their probabilities renormalised to
// sum 1 when normalize != 0. Writes [rows][nUsed] (expert id, weight) pairs.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer L { float logits[]; };
layout(std430, binding = 1) buffer R { uint route[]; }; // read back when normalising
layout(push_constant) uniform Params { uint rows, nExpert, nUsed, lOffset, lStride, normalize, rOffset; } p;

void main() {
    const uint t = gl_GlobalInvocationID.x;
    if (t >= p.rows) return;
    const uint b = p.lOffset + t * p.lStride;
    float mx = -3.402823466e38;
    for (uint e = 0; e < p.nExpert; ++e) mx = max(mx, logits[b + e]);
    float sum = 0.0;
    for (uint e = 0; e < p.nExpert; ++e) sum += exp(logits[b + e] - mx);
    const float inv = 1.0 / sum;
    uint takenLo = 0u, takenHi = 0u; // up to 64 experts
    float wsum = 0.0;
    for (uint j = 0; j < p.nUsed; ++j) {
        int best = -1;
        float bestP = 0.0;
        for (uint e = 0; e < p.nExpert; ++e) {
            const bool taken = e < 32u ? ((takenLo >> e) & 1u) != 0u : ((takenHi >> (e - 32u)) & 1u) != 0u;
            const float pr = exp(logits[b + e] - mx) * inv;
            if (!taken && (best < 0 || pr > bestP)) {
                best = int(e);
                bestP = pr;
            }
        }
        if (best < 32) takenLo |= 1u << uint(best); else takenHi |= 1u << uint(best - 32);
        route[p.rOffset + (t * p.nUsed + j) * 2u] = uint(best);
        route[p.rOffset + (t * p.nUsed + j) * 2u + 1u] = floatBitsToUint(bestP);
        wsum += bestP;
    }
    if (p.normalize != 0u)
        for (uint j = 0; j < p.nUsed; ++j) {
            const uint k = p.rOffset + (t * p.nUsed + j) * 2u + 1u;
            route[k] = floatBitsToUint(uintBitsToFloat(route[k]) / wsum);
        }
}
