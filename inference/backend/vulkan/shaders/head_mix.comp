#version 450
// Second pass of the diversity-head mix (the first, t = A·h, is the f32 matmul shader):
//   out[row][i] = z[row][i] + alpha * (bias[i] + sum_j B[i][j] * t[row][j])
// for vocabulary entries i of this dispatch's chunk. The rank is small (tens), so each
// invocation sums its own row of B in the order heads/head_mix.cpp does; no reduction needed.
// z and out may be the same buffer: each element is read and then written by one invocation.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer B { float bdata[]; };
layout(std430, binding = 1) readonly buffer Bias { float biasdata[]; };
layout(std430, binding = 2) readonly buffer T { float tdata[]; };
layout(std430, binding = 3) buffer Z { float zdata[]; };
layout(std430, binding = 4) buffer Out { float odata[]; };
layout(push_constant) uniform Params {
    uint rows;       // token rows
    uint n;          // vocabulary entries in this dispatch
    uint rank;
    uint bOffset;    // floats from the binding start to B's first row of the chunk
    uint biasOffset; // floats to the chunk's first bias value
    uint tOffset;    // floats to t row 0
    uint tStride;
    uint zOffset;    // floats to z[0][first entry of the chunk]
    uint zStride;
    uint oOffset;
    uint oStride;
    float alpha;
} p;

void main() {
    const uint idx = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (idx >= p.rows * p.n) return;
    const uint row = idx / p.n, i = idx % p.n;
    const uint w = p.bOffset + i * p.rank, t = p.tOffset + row * p.tStride;
    float s = biasdata[p.biasOffset + i];
    for (uint j = 0; j < p.rank; ++j) s += bdata[w + j] * tdata[t + j];
    odata[p.oOffset + row * p.oStride + i] = zdata[p.zOffset + row * p.zStride + i] + p.alpha * s;
}
