#version 450
// y[r][0, cols) = x[r][0, cols) for `rows` rows with their own strides and offsets (in floats):
// DeepSeek's rotated query part next to its absorbed one. One invocation per value.
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) readonly buffer X { float xdata[]; };
layout(std430, binding = 1) writeonly buffer Y { float ydata[]; };
layout(push_constant) uniform Params { uint rows, cols, xOffset, xStride, yOffset, yStride; } p;

void main() {
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.rows * p.cols) return;
    const uint r = i / p.cols, c = i % p.cols;
    ydata[p.yOffset + r * p.yStride + c] = xdata[p.xOffset + r * p.xStride + c];
}
