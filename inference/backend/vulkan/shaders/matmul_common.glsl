// y[t][r] = sum_i W[r][i] * x[t][i] for a block of weight rows and up to TOKENS token rows per
// workgroup: each weight value is loaded once and used for every token row of the block (the
// matrix-matrix case); one token row is the matrix-vector case. Activations are f32, rounded
// beforehand by act_round where the CPU quantizes them. The including shader defines UNIT (elements handled per step),
// unitsPerRow(), and loadUnit(rowByte, u, out float w[UNIT]) reading weight bytes through
// readByte()/readU16()/readU32() below.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;

layout(std430, binding = 0) readonly buffer Weights { uint wdata[]; };
layout(std430, binding = 1) readonly buffer X { float xdata[]; };
layout(std430, binding = 2) writeonly buffer Y { float ydata[]; };

layout(push_constant) uniform Params {
    uint nIn;       // values per weight row
    uint nOut;      // weight rows in this dispatch (per expert with FABULIST_MOE)
    uint rows;      // token rows (slots with FABULIST_MOE)
    uint wOffset;   // bytes from the binding start to weight row 0 of this dispatch
    uint rowBytes;  // bytes per weight row
    uint xOffset;   // floats from the binding start to x row 0
    uint xStride;   // floats between x rows
    uint yOffset;   // floats from the binding start to y[0][outBase]
    uint yStride;   // floats between y rows
#ifdef FABULIST_MOE
    uint routeOffset; // uints from the route binding start to slot 0's (id, weight) pair
    uint slotDiv;     // x row of a slot = slot / slotDiv (experts used for gate/up, 1 for down)
    uint expertFirst; // experts [expertFirst, expertFirst + expertCount) are in the binding
    uint expertCount;
    uint expertBytes; // bytes between two experts' matrices
    uint slotBase;    // first slot of this dispatch (the grid's y limit)
#endif
} p;

#ifdef FABULIST_MOE
// Expert matmul: each workgroup is (weight row, slot); the slot's expert id comes from the
// routing buffer the top-k shader wrote, so the host never reads it. Slots whose expert lies
// outside this dispatch's binding are left to another dispatch.
layout(std430, binding = 3) readonly buffer Route { uint route[]; };
#endif

#include "reduce.glsl"

#define TOKENS 4

uint readByte(uint b) { return (wdata[b >> 2] >> ((b & 3u) * 8u)) & 0xFFu; }
uint readU16(uint b) { // b even: never straddles a word
    return (wdata[b >> 2] >> ((b & 2u) * 8u)) & 0xFFFFu;
}
float readHalf(uint b) { return unpackHalf2x16(readU16(b)).x; }
int readI8(uint b) { return int(readByte(b) << 24) >> 24; }
float readF32(uint b) { // b a multiple of 4
    return uintBitsToFloat(wdata[b >> 2]);
}

// The j-th (0..7) 6-bit scale and min of a Q4_K/Q5_K super-block whose 12 scale bytes start at b.
void scaleMinK4(uint b, uint j, out float sc, out float m) {
    if (j < 4u) {
        sc = float(readByte(b + j) & 63u);
        m = float(readByte(b + j + 4u) & 63u);
    } else {
        sc = float((readByte(b + j + 4u) & 15u) | ((readByte(b + j - 4u) >> 6) << 4));
        m = float((readByte(b + j + 4u) >> 4) | ((readByte(b + j) >> 6) << 4));
    }
}

void loadUnit(uint rowByte, uint u, out float w[UNIT]);

#ifdef FABULIST_MOE
void main() {
    const uint r = gl_WorkGroupID.x;
    const uint slot = p.slotBase + gl_WorkGroupID.y;
    const uint tid = gl_LocalInvocationID.x;
    if (slot >= p.rows) return; // uniform per workgroup
    const uint e = route[p.routeOffset + 2u * slot];
    if (e < p.expertFirst || e >= p.expertFirst + p.expertCount) return; // uniform too
    float acc = 0.0;
    if (r < p.nOut) {
        const uint rowByte = p.wOffset + (e - p.expertFirst) * p.expertBytes + r * p.rowBytes;
        const uint xb0 = p.xOffset + (slot / p.slotDiv) * p.xStride;
        const uint units = unitsPerRow();
        for (uint u = tid; u < units; u += WG) {
            float w[UNIT];
            loadUnit(rowByte, u, w);
            const uint xb = xb0 + u * UNIT;
            float s = 0.0;
            for (uint k = 0; k < UNIT; ++k) s += w[k] * xdata[xb + k];
            acc += s;
        }
    }
    const float s = reduceSum(acc);
    if (tid == 0 && r < p.nOut) ydata[p.yOffset + slot * p.yStride + r] = s;
}
#else
void main() {
    const uint r = gl_WorkGroupID.x;
    const uint t0 = gl_WorkGroupID.y * TOKENS;
    const uint tid = gl_LocalInvocationID.x;
    float acc[TOKENS];
    for (uint t = 0; t < TOKENS; ++t) acc[t] = 0.0;
    if (r < p.nOut) {
        const uint rowByte = p.wOffset + r * p.rowBytes;
        const uint units = unitsPerRow();
        for (uint u = tid; u < units; u += WG) {
            float w[UNIT];
            loadUnit(rowByte, u, w);
            for (uint t = 0; t < TOKENS; ++t) {
                if (t0 + t >= p.rows) break;
                const uint xb = p.xOffset + (t0 + t) * p.xStride + u * UNIT;
                float s = 0.0;
                for (uint k = 0; k < UNIT; ++k) s += w[k] * xdata[xb + k];
                acc[t] += s;
            }
        }
    }
    for (uint t = 0; t < TOKENS; ++t) {
        const float s = reduceSum(acc[t]);
        if (tid == 0 && r < p.nOut && t0 + t < p.rows) ydata[p.yOffset + (t0 + t) * p.yStride + r] = s;
    }
}
#endif
