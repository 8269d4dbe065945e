#version 450
// RMSNorm of one group (a row, or one head of a row) per workgroup: y = x / sqrt(mean(x^2) + eps),
// times weight[i] when hasWeight. In place (x and y the same buffer range) is allowed.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer X { float xdata[]; };
layout(std430, binding = 1) readonly buffer W { float wdata[]; };
layout(std430, binding = 2) buffer Y { float ydata[]; };
layout(push_constant) uniform Params {
    uint groups, cols, group, xOffset, yOffset, wOffset, hasWeight;
    float eps;
} p;
#include "reduce.glsl"

void main() {
    // Workgroups are numbered over x and y (x is capped at 65535 per dispatch).
    const uint wg = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (wg >= p.groups) return; // uniform per workgroup, so the barriers below stay legal
    const uint groupsPerRow = p.cols / p.group;
    const uint row = wg / groupsPerRow;
    const uint g0 = (wg % groupsPerRow) * p.group;
    const uint xb = p.xOffset + row * p.cols + g0, yb = p.yOffset + row * p.cols + g0;
    float s = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.group; i += WG) s += xdata[xb + i] * xdata[xb + i];
    const float scale = 1.0 / sqrt(reduceSum(s) / float(p.group) + p.eps);
    for (uint i = gl_LocalInvocationID.x; i < p.group; i += WG) {
        const float v = xdata[xb + i] * scale;
        ydata[yb + i] = p.hasWeight != 0u ? v * wdata[p.wOffset + i] : v;
    }
}
