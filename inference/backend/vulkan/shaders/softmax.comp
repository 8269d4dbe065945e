#version 450
// Softmax of each row in place, one row per workgroup: x = e^(x - max) / sum.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) buffer X { float xdata[]; };
layout(push_constant) uniform Params { uint rows, cols, xOffset; } p;
#include "reduce.glsl"

void main() {
    const uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return; // uniform per workgroup
    const uint b = p.xOffset + row * p.cols;
    float m = -3.402823466e38;
    for (uint i = gl_LocalInvocationID.x; i < p.cols; i += WG) m = max(m, xdata[b + i]);
    m = reduceMax(m);
    float s = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.cols; i += WG) {
        const float e = exp(xdata[b + i] - m);
        xdata[b + i] = e;
        s += e;
    }
    const float inv = 1.0 / reduceSum(s);
    for (uint i = gl_LocalInvocationID.x; i < p.cols; i += WG) xdata[b + i] *= inv;
}
