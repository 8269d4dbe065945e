#version 450
// The MoE output: out[t][c] = sum over the token's slots j (in choice order) of
// weight[t][j] * y[t * nUsed + j][c], the weights read from the routing buffer the top-k shader
// wrote. Added in the CPU backend's order (first product assigned, then +=); `precise` keeps
// the compiler from fusing the product and the sum into an fma the CPU does not use.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;
layout(std430, binding = 0) readonly buffer Y { float ydata[]; };
layout(std430, binding = 1) readonly buffer R { uint route[]; };
layout(std430, binding = 2) writeonly buffer O { float odata[]; };
layout(push_constant) uniform Params {
    uint rows, cols, nUsed, yOffset, yStride, rOffset, oOffset, oStride;
} p;

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.rows * p.cols) return;
    const uint t = i / p.cols, c = i % p.cols;
    precise float o = 0.0;
    for (uint j = 0; j < p.nUsed; ++j) {
        const uint s = t * p.nUsed + j;
        const float w = uintBitsToFloat(route[p.rOffset + 2u * s + 1u]);
        precise float v = ydata[p.yOffset + s * p.yStride + c] * w;
        o = j == 0u ? v : o + v;
    }
    odata[p.oOffset + t * p.oStride + c] = o;
}
