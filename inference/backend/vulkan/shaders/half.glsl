// f32 -> IEEE half bits with round-to-nearest-even, bit-exact with x86 F16C and the CPU
// backend's fp32ToFp16 (GLSL's packHalf2x16 leaves the rounding mode to the implementation).
uint toHalfBits(float f) {
    const uint x = floatBitsToUint(f);
    const uint sign = (x >> 16) & 0x8000u;
    const uint ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return sign | 0x7e00u | ((ax >> 13) & 0x3ffu);
    if (ax >= 0x47800000u) return sign | 0x7c00u;
    if (ax >= 0x38800000u) {
        uint h = ((((ax >> 23) - 112u) << 10) | ((ax & 0x7fffffu) >> 13));
        const uint rem = ax & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u)) ++h;
        return sign | h;
    }
    if (ax <= 0x33000000u) return sign;
    const uint mant = (ax & 0x7fffffu) | 0x800000u;
    const uint shift = 126u - (ax >> 23);
    uint h = mant >> shift;
    const uint rem = mant & ((1u << shift) - 1u);
    const uint half_ = 1u << (shift - 1u);
    if (rem > half_ || (rem == half_ && (h & 1u) != 0u)) ++h;
    return sign | h;
}
float roundToHalf(float f) { return unpackHalf2x16(toHalfBits(f)).x; }
