#version 450
// RoPE in place. The cos/sin of every (row, pair) come from a table the host fills with the
// CPU backend's own angle arithmetic (repeated float multiplication, then libm cos/sin), so
// both backends rotate by bit-identical angles; GPU sin/cos of large angles would not be.
// Normal: pairs (2i, 2i+1); NeoX: pairs (i, i + nRot/2), counted from `offset` into each head
// (DeepSeek's MLA rotates only a head's tail). Other dims are left alone.
// One invocation per (row, head, pair).
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(std430, binding = 0) buffer X { float xdata[]; };
layout(std430, binding = 1) readonly buffer T { float table[]; }; // [rows][nRot/2][cos, sin]
layout(push_constant) uniform Params { uint rows, cols, nHead, headDim, nRot, neox, xOffset, tOffset, offset; } p;

void main() {
    const uint half_ = p.nRot / 2u;
    const uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * WG;
    if (i >= p.rows * p.nHead * half_) return;
    const uint pair = i % half_;
    const uint head = (i / half_) % p.nHead;
    const uint row = i / (half_ * p.nHead);
    const uint tb = p.tOffset + (row * half_ + pair) * 2u;
    const float c = table[tb], s = table[tb + 1u];
    const uint base = p.xOffset + row * p.cols + head * p.headDim + p.offset;
    const uint a = base + (p.neox != 0u ? pair : 2u * pair);
    const uint b = a + (p.neox != 0u ? half_ : 1u);
    const float x0 = xdata[a], x1 = xdata[b];
    xdata[a] = x0 * c - x1 * s;
    xdata[b] = x0 * s + x1 * c;
}
