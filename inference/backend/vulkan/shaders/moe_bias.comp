#version 450
// Per-expert biases (gpt-oss): y[slot][i] += bias[e][i] for the expert e the router chose for
// each slot (read from the routing buffer on the device). One invocation per (slot, i).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) buffer Y { float ydata[]; };
layout(std430, binding = 1) readonly buffer B { float bias[]; };
layout(std430, binding = 2) readonly buffer R { uint route[]; };
layout(push_constant) uniform Params { uint slots, n, yOffset, yStride, bOffset, rOffset; } p;

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.slots * p.n) return;
    const uint slot = i / p.n, c = i % p.n;
    const uint e = route[p.rOffset + 2u * slot];
    ydata[p.yOffset + slot * p.yStride + c] += bias[p.bOffset + e * p.n + c];
}
