// Vec-dot kernels for AVX-512 F/BW/VL/DQ + VNNI (Ice Lake / Zen 4 and newer): 512-bit kernels
// for the quantized types and F16 (two legacy blocks or one K-quant group per zmm, vpdpbusd),
// the shared 256-bit kernels (with vpdpbusd) for the rest. Only the functions here are compiled
// for that ISA (target attribute); the library itself is built for baseline x86-64 and selects
// at run time.

#include "inference/quant/quant_blocks.h"
#include "inference/quant/quant_internal.h"

#include <cstdint>
#include <cstdlib>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

namespace fabulist::inference::quant {

#define FAB_TARGET "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni"
#define FAB_VNNI 1
#include "inference/quant/vec_dot_simd.inc"

// 512-bit K-quant kernels: one zmm holds a whole 64-value group (Q4_K/Q5_K: 32 low-nibble
// values with one scale and 32 high-nibble values with the next) or two 32-value groups (Q6_K),
// so each maddubs + vpdpwssd (VNNI: the scale multiply and the int32 accumulate in one
// instruction, exact like madd + add) covers 64 weights.
namespace {

// GCC 12's _mm512_inserti64x4 passes an undefined merge source to its builtin and warns about
// it at every use; the warning is about the intrinsic header, not this code.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

// [lo | hi]
FAB_FN __m512i combine(__m256i lo, __m256i hi) {
    return _mm512_inserti64x4(_mm512_inserti64x4(_mm512_setzero_si512(), lo, 0), hi, 1);
}

// Software prefetch `kAhead` bytes ahead of the weight block being read (0: none), every line
// of the block's span. A decode matvec streams each weight row once; the hardware prefetcher
// alone leaves the K-quant kernels at ~14 GB/s streaming against ~31 GB/s in cache
// (fabulist-vecdot-bench), so a single thread runs latency-bound. The distance is chosen at
// run time (decodePrefetchBytes()), so it can be measured without rebuilding.
template <int kAhead, int kBlockBytes> FAB_FN void prefetchAhead(const void* block) {
    if constexpr (kAhead > 0) {
        const char* p = static_cast<const char*>(block) + kAhead;
        for (int off = 0; off < kBlockBytes; off += 64) _mm_prefetch(p + off, _MM_HINT_T0);
    }
}

template <bool kFiveBit, typename Block, int kAhead = 0>
FAB_FN float dotScaleMinK512(const Block* x, const BlockQ8_K* y, int64_t nb) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i one = _mm512_set1_epi8(1);
    // Per-16-bit-lane shift counts: 0 for the low half (low nibbles), 4 for the high half.
    const __m512i nibbleShift = combine(_mm256_setzero_si256(), _mm256_set1_epi16(4));
    __m512 acc = _mm512_setzero_ps();
    __m128 accMin = _mm_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        prefetchAhead<kAhead, int(sizeof(Block))>(x + i);
        // d and dmin are adjacent fp16 values: convert both at once.
        uint32_t dPair;
        __builtin_memcpy(&dPair, &x[i].d, 4);
        const __m128 dd = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dPair))),
                                     _mm_set1_ps(y[i].d)); // [d, dmin, 0, 0]
        const __m128i sm = unpackScalesK4(x[i].scales);
        // Min term, kept as 4 partial sums: mins_j * (sum of sub-block j's activations).
        const __m128i mins = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));
        const __m128i pairSums =
            _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums)),
                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8)));
        accMin = _mm_fmadd_ps(_mm_broadcastss_ps(_mm_movehdup_ps(dd)),
                              _mm_cvtepi32_ps(_mm_madd_epi16(mins, pairSums)), accMin);
        // 16-bit scales (lanes 0..7) for vpermw: group j takes lane 2j (x16) and 2j+1 (x16).
        const __m512i sc16 = combine(_mm256_cvtepu8_epi16(sm), _mm256_setzero_si256());
        __m512i hb = _mm512_setzero_si512();
        if constexpr (kFiveBit) {
            // Low half: bit 2j of qh for the low nibbles; high half: bit 2j+1 (shifted by 1).
            const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh));
            hb = combine(h, _mm256_srli_epi16(h, 1));
        }
        __m512i sumi = _mm512_setzero_si512();
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
            // The 32 packed bytes in both halves (one broadcast load), then low / high nibbles.
            __m512i qq = _mm512_broadcast_i64x4(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * j)));
            qq = _mm512_and_si512(_mm512_srlv_epi16(qq, nibbleShift), m4);
            if constexpr (kFiveBit) {
                qq = _mm512_or_si512(qq, _mm512_slli_epi16(_mm512_and_si512(hb, one), 4));
                hb = _mm512_srli_epi16(hb, 2);
            }
            const __m512i yy = _mm512_loadu_si512(y[i].qs + 64 * j);
            const __m512i p = _mm512_maddubs_epi16(qq, yy);
            const __m512i s = _mm512_permutexvar_epi16(
                combine(_mm256_set1_epi16(short(2 * j)), _mm256_set1_epi16(short(2 * j + 1))),
                sc16);
            sumi = _mm512_dpwssd_epi32(sumi, p, s);
        }
        acc = _mm512_fmadd_ps(_mm512_broadcastss_ps(dd), _mm512_cvtepi32_ps(sumi), acc);
    }
    __m128 m = _mm_add_ps(accMin, _mm_movehl_ps(accMin, accMin));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return _mm512_reduce_add_ps(acc) - _mm_cvtss_f32(m);
}

template <int kAhead> FAB_KERNEL float dotQ4_K512(const void* w, const void* a, int64_t n) {
    return dotScaleMinK512<false, BlockQ4_K, kAhead>(static_cast<const BlockQ4_K*>(w),
                                                     static_cast<const BlockQ8_K*>(a), n / kQKK);
}

FAB_KERNEL float dotQ5_K512(const void* w, const void* a, int64_t n) {
    return dotScaleMinK512<true>(static_cast<const BlockQ5_K*>(w), static_cast<const BlockQ8_K*>(a),
                                 n / kQKK);
}

// Scales of two consecutive 32-value blocks: [dx0*dy0 x8 | dx1*dy1 x8] (for 16 int32 sums).
template <typename BlockX, typename BlockY>
FAB_FN __m512 pairScales(const BlockX& x0, const BlockX& x1, const BlockY& y0, const BlockY& y1) {
    // The four fp16 scales gathered in a general register (loads and shifts run beside the
    // vector work), one vcvtph2ps, one multiply, one vpermps to spread them.
    const uint64_t bits =
        uint64_t(x0.d) | (uint64_t(y0.d) << 16) | (uint64_t(x1.d) << 32) | (uint64_t(y1.d) << 48);
    const __m128 f = _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(bits))); // x0 y0 x1 y1
    const __m128 p = _mm_mul_ps(f, _mm_movehdup_ps(f)); // x0*y0 . x1*y1 .
    const __m512i spread = combine(_mm256_setzero_si256(), _mm256_set1_epi32(2));
    return _mm512_permutexvar_ps(spread, _mm512_castps128_ps512(p));
}

// Q8_0 x Q8_0, two blocks per zmm. Signed x signed bytes: |x| times y with x's sign, as the
// 256-bit kernel does (AVX-512 has no vpsignb: a masked subtract negates).
FAB_FN __m512 stepQ8_0(const BlockQ8_0* x, const BlockQ8_0* y, __m512 acc) {
    const __m512i qx = combine(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[0].qs)),
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[1].qs)));
    const __m512i qy = combine(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[0].qs)),
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[1].qs)));
    const __mmask64 neg = _mm512_movepi8_mask(qx);
    const __m512i sy = _mm512_mask_sub_epi8(qy, neg, _mm512_setzero_si512(), qy);
    const __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(qx), sy);
    return _mm512_fmadd_ps(pairScales(x[0], x[1], y[0], y[1]), _mm512_cvtepi32_ps(p), acc);
}

template <int kAhead> FAB_KERNEL float dotQ8_0_512(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ8_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 4 <= nb; i += 4) {
        prefetchAhead<kAhead, 4 * int(sizeof(BlockQ8_0))>(x + i);
        acc0 = stepQ8_0(x + i, y + i, acc0);
        acc1 = stepQ8_0(x + i + 2, y + i + 2, acc1);
    }
    for (; i + 2 <= nb; i += 2) acc0 = stepQ8_0(x + i, y + i, acc0);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    if (i < nb) sum += dotQ8_0(x + i, y + i, kQK);
    return sum;
}

// Q4_0 x Q8_0, two blocks per zmm: sum (q - 8) * y = sum q * y - 8 * sum y, both with vpdpbusd
// (q and 8 are unsigned), so no sign juggling.
// The 32 nibbles of two blocks in element order: [lo0, hi0, lo1, hi1] (16 bytes each).
FAB_FN __m512i nibblePair(const uint8_t* qs0, const uint8_t* qs1) {
    // 16-byte lanes: [b0, b0, b1, b1]; shift the 2nd and 4th by 4 for the high nibbles.
    const __m512i lanes = _mm512_setr_epi64(0, 1, 0, 1, 2, 3, 2, 3);
    const long long four = 0x0004000400040004LL;
    const __m512i shifts = _mm512_setr_epi64(0, 0, four, four, 0, 0, four, four);
    const __m256i packed = _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs1)),
                                            _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0)));
    const __m512i q = _mm512_permutexvar_epi64(lanes, combine(packed, _mm256_setzero_si256()));
    return _mm512_and_si512(_mm512_srlv_epi16(q, shifts), _mm512_set1_epi8(0x0F));
}

FAB_FN __m512 stepQ4_0(const BlockQ4_0* x, const BlockQ8_0* y, __m512 acc) {
    const __m512i q = nibblePair(x[0].qs, x[1].qs);
    const __m512i qy = combine(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[0].qs)),
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[1].qs)));
    const __m512i p =
        _mm512_sub_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), q, qy),
                         _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(8), qy));
    return _mm512_fmadd_ps(pairScales(x[0], x[1], y[0], y[1]), _mm512_cvtepi32_ps(p), acc);
}

FAB_KERNEL float dotQ4_0_512(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ4_0*>(w);
    const auto* y = static_cast<const BlockQ8_0*>(a);
    const int64_t nb = n / kQK;
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 4 <= nb; i += 4) {
        acc0 = stepQ4_0(x + i, y + i, acc0);
        acc1 = stepQ4_0(x + i + 2, y + i + 2, acc1);
    }
    for (; i + 2 <= nb; i += 2) acc0 = stepQ4_0(x + i, y + i, acc0);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    if (i < nb) sum += dotQ4_0(x + i, y + i, kQK);
    return sum;
}

// F16: 16 values per register, 4 accumulators; the tail goes through the 256-bit code. (F32 keeps
// the 256-bit kernel: with 32-byte aligned rows, 512-bit loads split cache lines and streamed
// 24 GB/s against 32 GB/s.)
FAB_FN __m512 loadHalf16(const uint16_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

FAB_KERNEL float dotF16_512(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const uint16_t*>(w);
    const auto* y = static_cast<const uint16_t*>(a);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
    __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        acc0 = _mm512_fmadd_ps(loadHalf16(x + i), loadHalf16(y + i), acc0);
        acc1 = _mm512_fmadd_ps(loadHalf16(x + i + 16), loadHalf16(y + i + 16), acc1);
        acc2 = _mm512_fmadd_ps(loadHalf16(x + i + 32), loadHalf16(y + i + 32), acc2);
        acc3 = _mm512_fmadd_ps(loadHalf16(x + i + 48), loadHalf16(y + i + 48), acc3);
    }
    for (; i + 16 <= n; i += 16) acc0 = _mm512_fmadd_ps(loadHalf16(x + i), loadHalf16(y + i), acc0);
    float sum =
        _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
    if (i < n) sum += dotF16(x + i, y + i, n - i);
    return sum;
}

// dotF16_512 for `kCols` activation rows at once: each weight register is converted once and
// used for every column; per column the same accumulators, steps and tail as dotF16_512.
template <int kCols>
FAB_KERNEL void dotF16_512ColsN(const uint16_t* x, const uint16_t* const* y, int64_t n,
                                float* out) {
    __m512 acc[kCols][4];
    for (int c = 0; c < kCols; ++c)
        for (int k = 0; k < 4; ++k) acc[c][k] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        const __m512 w0 = loadHalf16(x + i), w1 = loadHalf16(x + i + 16),
                     w2 = loadHalf16(x + i + 32), w3 = loadHalf16(x + i + 48);
        for (int c = 0; c < kCols; ++c) {
            acc[c][0] = _mm512_fmadd_ps(w0, loadHalf16(y[c] + i), acc[c][0]);
            acc[c][1] = _mm512_fmadd_ps(w1, loadHalf16(y[c] + i + 16), acc[c][1]);
            acc[c][2] = _mm512_fmadd_ps(w2, loadHalf16(y[c] + i + 32), acc[c][2]);
            acc[c][3] = _mm512_fmadd_ps(w3, loadHalf16(y[c] + i + 48), acc[c][3]);
        }
    }
    for (; i + 16 <= n; i += 16) {
        const __m512 w0 = loadHalf16(x + i);
        for (int c = 0; c < kCols; ++c)
            acc[c][0] = _mm512_fmadd_ps(w0, loadHalf16(y[c] + i), acc[c][0]);
    }
    for (int c = 0; c < kCols; ++c) {
        float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[c][0], acc[c][1]),
                                                       _mm512_add_ps(acc[c][2], acc[c][3])));
        if (i < n) sum += dotF16(x + i, y[c] + i, n - i);
        out[c] = sum;
    }
}

FAB_KERNEL void dotF16_512Cols(const void* w, const void* const* acts, int cols, int64_t n,
                               float* out) {
    const auto* x = static_cast<const uint16_t*>(w);
    const uint16_t* y[4]; // kMaxDotCols
    for (int c = 0; c < cols; ++c) y[c] = static_cast<const uint16_t*>(acts[c]);
    switch (cols) {
    case 1:
        return dotF16_512ColsN<1>(x, y, n, out);
    case 2:
        return dotF16_512ColsN<2>(x, y, n, out);
    case 3:
        return dotF16_512ColsN<3>(x, y, n, out);
    default:
        return dotF16_512ColsN<4>(x, y, n, out);
    }
}

// Q4_1 / Q5_0 / Q5_1 x Q8_0 / Q8_1 for NC activation rows, two blocks per step. Values are
// unsigned (nibble, plus the 5th bit for Q5); Q5_0 subtracts 16 * sum(y); Q4_1/Q5_1 add
// min * s per block. The weight pair is unpacked once for all columns; NC = 1 is the
// single-row kernel, so each column is bit for bit its result. DeepSeek's attn_k_b (rows of
// 128, so Q5_0 in a Q4_K_M file) runs through it in prompts.
template <int NC, typename BlockX, typename BlockY, bool kFifthBit, bool kHasMin>
FAB_FN void dotLegacy512Cols(const BlockX* x, const void* const* acts, int64_t nb, float* out,
                             VecDotFn tail) {
    const BlockY* ys[NC];
    __m512 acc[NC];
    __m128 accMin[NC];
    for (int c = 0; c < NC; ++c) {
        ys[c] = static_cast<const BlockY*>(acts[c]);
        acc[c] = _mm512_setzero_ps();
        accMin[c] = _mm_setzero_ps();
    }
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        __m512i q = nibblePair(x[i].qs, x[i + 1].qs);
        if constexpr (kFifthBit)
            q = _mm512_or_si512(q, combine(fifthBits(x[i].qh), fifthBits(x[i + 1].qh)));
        for (int c = 0; c < NC; ++c) {
            const BlockY* y = ys[c];
            const __m512i qy =
                combine(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs)),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i + 1].qs)));
            __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, qy);
            if constexpr (!kHasMin)
                p = _mm512_sub_epi32(
                    p, _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(16), qy));
            acc[c] = _mm512_fmadd_ps(pairScales(x[i], x[i + 1], y[i], y[i + 1]),
                                     _mm512_cvtepi32_ps(p), acc[c]);
            if constexpr (kHasMin) {
                const uint64_t bits = uint64_t(x[i].m) | (uint64_t(y[i].s) << 16) |
                                      (uint64_t(x[i + 1].m) << 32) | (uint64_t(y[i + 1].s) << 48);
                const __m128 f = _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(bits)));
                accMin[c] = _mm_add_ps(accMin[c], _mm_mul_ps(f, _mm_movehdup_ps(f)));
            }
        }
    }
    for (int c = 0; c < NC; ++c) {
        float sum = _mm512_reduce_add_ps(acc[c]);
        if constexpr (kHasMin)
            sum += _mm_cvtss_f32(_mm_add_ss(accMin[c], _mm_movehl_ps(accMin[c], accMin[c])));
        if (i < nb) sum += tail(x + i, ys[c] + i, kQK);
        out[c] = sum;
    }
}

template <int NC>
FAB_FN void dotQ4_1Cols(const BlockQ4_1* x, const void* const* a, int64_t nb, float* out) {
    dotLegacy512Cols<NC, BlockQ4_1, BlockQ8_1, false, true>(x, a, nb, out, dotQ4_1);
}
template <int NC>
FAB_FN void dotQ5_0Cols(const BlockQ5_0* x, const void* const* a, int64_t nb, float* out) {
    dotLegacy512Cols<NC, BlockQ5_0, BlockQ8_0, true, false>(x, a, nb, out, dotQ5_0);
}
template <int NC>
FAB_FN void dotQ5_1Cols(const BlockQ5_1* x, const void* const* a, int64_t nb, float* out) {
    dotLegacy512Cols<NC, BlockQ5_1, BlockQ8_1, true, true>(x, a, nb, out, dotQ5_1);
}

FAB_KERNEL float dotQ4_1_512(const void* w, const void* a, int64_t n) {
    float out;
    dotQ4_1Cols<1>(static_cast<const BlockQ4_1*>(w), &a, n / kQK, &out);
    return out;
}

FAB_KERNEL float dotQ5_0_512(const void* w, const void* a, int64_t n) {
    float out;
    dotQ5_0Cols<1>(static_cast<const BlockQ5_0*>(w), &a, n / kQK, &out);
    return out;
}

FAB_KERNEL float dotQ5_1_512(const void* w, const void* a, int64_t n) {
    float out;
    dotQ5_1Cols<1>(static_cast<const BlockQ5_1*>(w), &a, n / kQK, &out);
    return out;
}

FAB_FN __m256i quadMask(int k) {
    const long long b = 0x0101010101010101LL;
    return _mm256_set_epi64x(b * (k + 3), b * (k + 2), b * (k + 1), b * k);
}

template <int kAhead> FAB_KERNEL float dotQ6_K512(const void* w, const void* a, int64_t n) {
    const auto* x = static_cast<const BlockQ6_K*>(w);
    const auto* y = static_cast<const BlockQ8_K*>(a);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i m2 = _mm512_set1_epi8(0x03);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n / kQKK; ++i) {
        prefetchAhead<kAhead, int(sizeof(BlockQ6_K))>(x + i);
        const float d = y[i].d * half(x[i].d);
        const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
        const __m256i scales2 = _mm256_broadcastsi128_si256(scales);
        // The -32 offset of every value: -32 * sum_k sc_k * (sum of sub-block k's activations).
        const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
        const __m256i off =
            _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(scales), bs), 5);
        __m512i sumi =
            combine(_mm256_sub_epi32(_mm256_setzero_si256(), off), _mm256_setzero_si256());
#pragma GCC unroll 2
        for (int c = 0; c < 2; ++c) {
            const __m512i l = _mm512_loadu_si512(x[i].ql + 64 * c);
            const __m256i h =
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * c));
            const __m512i hh = combine(h, _mm256_srli_epi16(h, 2));
            const __m512i q01 = _mm512_or_si512(_mm512_and_si512(l, m4),
                                                _mm512_slli_epi16(_mm512_and_si512(hh, m2), 4));
            const __m512i q23 = _mm512_or_si512(
                _mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hh, 4), m2), 4));
            const __m512i p01 = _mm512_maddubs_epi16(q01, _mm512_loadu_si512(y[i].qs + 128 * c));
            const __m512i p23 =
                _mm512_maddubs_epi16(q23, _mm512_loadu_si512(y[i].qs + 128 * c + 64));
            const __m512i s01 = _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(scales2, quadMask(8 * c)));
            const __m512i s23 =
                _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(scales2, quadMask(8 * c + 4)));
            sumi = _mm512_dpwssd_epi32(sumi, p01, s01);
            sumi = _mm512_dpwssd_epi32(sumi, p23, s23);
        }
        acc = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

// --- multi-column kernels (batched matmul) -------------------------------------------------
// Each weight block is unpacked once and dotted with NC activation rows. Per column the
// instruction sequence is exactly the single-column kernel's, so results are bit-identical to
// vecDot (the parity tests pin the rounding).

template <int NC, bool kFiveBit, typename Block>
FAB_FN void dotScaleMinK512Cols(const Block* x, const void* const* acts, int64_t nb, float* out) {
    const BlockQ8_K* ys[NC];
    for (int c = 0; c < NC; ++c) ys[c] = static_cast<const BlockQ8_K*>(acts[c]);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i one = _mm512_set1_epi8(1);
    const __m512i nibbleShift = combine(_mm256_setzero_si256(), _mm256_set1_epi16(4));
    __m512 acc[NC];
    __m128 accMin[NC];
    for (int c = 0; c < NC; ++c) {
        acc[c] = _mm512_setzero_ps();
        accMin[c] = _mm_setzero_ps();
    }
    for (int64_t i = 0; i < nb; ++i) {
        uint32_t dPair;
        __builtin_memcpy(&dPair, &x[i].d, 4);
        const __m128 dx = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dPair)));
        const __m128i sm = unpackScalesK4(x[i].scales);
        const __m128i mins = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));
        const __m512i sc16 = combine(_mm256_cvtepu8_epi16(sm), _mm256_setzero_si256());
        __m512i hb = _mm512_setzero_si512();
        if constexpr (kFiveBit) {
            const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh));
            hb = combine(h, _mm256_srli_epi16(h, 1));
        }
        __m512i sumi[NC];
        for (int c = 0; c < NC; ++c) sumi[c] = _mm512_setzero_si512();
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
            __m512i qq = _mm512_broadcast_i64x4(
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * j)));
            qq = _mm512_and_si512(_mm512_srlv_epi16(qq, nibbleShift), m4);
            if constexpr (kFiveBit) {
                qq = _mm512_or_si512(qq, _mm512_slli_epi16(_mm512_and_si512(hb, one), 4));
                hb = _mm512_srli_epi16(hb, 2);
            }
            const __m512i s = _mm512_permutexvar_epi16(
                combine(_mm256_set1_epi16(short(2 * j)), _mm256_set1_epi16(short(2 * j + 1))),
                sc16);
            for (int c = 0; c < NC; ++c) {
                const __m512i p =
                    _mm512_maddubs_epi16(qq, _mm512_loadu_si512(ys[c][i].qs + 64 * j));
                sumi[c] = _mm512_dpwssd_epi32(sumi[c], p, s);
            }
        }
        for (int c = 0; c < NC; ++c) {
            const __m128 dd = _mm_mul_ps(dx, _mm_set1_ps(ys[c][i].d)); // [d, dmin, 0, 0]
            const __m128i pairSums = _mm_hadd_epi16(
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(ys[c][i].bsums)),
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(ys[c][i].bsums + 8)));
            accMin[c] = _mm_fmadd_ps(_mm_broadcastss_ps(_mm_movehdup_ps(dd)),
                                     _mm_cvtepi32_ps(_mm_madd_epi16(mins, pairSums)), accMin[c]);
            acc[c] =
                _mm512_fmadd_ps(_mm512_broadcastss_ps(dd), _mm512_cvtepi32_ps(sumi[c]), acc[c]);
        }
    }
    for (int c = 0; c < NC; ++c) {
        __m128 m = _mm_add_ps(accMin[c], _mm_movehl_ps(accMin[c], accMin[c]));
        m = _mm_add_ss(m, _mm_movehdup_ps(m));
        out[c] = _mm512_reduce_add_ps(acc[c]) - _mm_cvtss_f32(m);
    }
}

template <int NC>
FAB_FN void dotQ6_K512Cols(const BlockQ6_K* x, const void* const* acts, int64_t nb, float* out) {
    const BlockQ8_K* ys[NC];
    for (int c = 0; c < NC; ++c) ys[c] = static_cast<const BlockQ8_K*>(acts[c]);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i m2 = _mm512_set1_epi8(0x03);
    __m512 acc[NC];
    for (int c = 0; c < NC; ++c) acc[c] = _mm512_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
        const float xd = half(x[i].d);
        const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
        const __m256i scales2 = _mm256_broadcastsi128_si256(scales);
        const __m256i sc16all = _mm256_cvtepi8_epi16(scales);
        __m512i sumi[NC];
        for (int c = 0; c < NC; ++c) {
            const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ys[c][i].bsums));
            const __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(sc16all, bs), 5);
            sumi[c] =
                combine(_mm256_sub_epi32(_mm256_setzero_si256(), off), _mm256_setzero_si256());
        }
#pragma GCC unroll 2
        for (int h2 = 0; h2 < 2; ++h2) {
            const __m512i l = _mm512_loadu_si512(x[i].ql + 64 * h2);
            const __m256i h =
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * h2));
            const __m512i hh = combine(h, _mm256_srli_epi16(h, 2));
            const __m512i q01 = _mm512_or_si512(_mm512_and_si512(l, m4),
                                                _mm512_slli_epi16(_mm512_and_si512(hh, m2), 4));
            const __m512i q23 = _mm512_or_si512(
                _mm512_and_si512(_mm512_srli_epi16(l, 4), m4),
                _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(hh, 4), m2), 4));
            const __m512i s01 =
                _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(scales2, quadMask(8 * h2)));
            const __m512i s23 =
                _mm512_cvtepi8_epi16(_mm256_shuffle_epi8(scales2, quadMask(8 * h2 + 4)));
            for (int c = 0; c < NC; ++c) {
                const __m512i p01 =
                    _mm512_maddubs_epi16(q01, _mm512_loadu_si512(ys[c][i].qs + 128 * h2));
                const __m512i p23 =
                    _mm512_maddubs_epi16(q23, _mm512_loadu_si512(ys[c][i].qs + 128 * h2 + 64));
                sumi[c] = _mm512_dpwssd_epi32(sumi[c], p01, s01);
                sumi[c] = _mm512_dpwssd_epi32(sumi[c], p23, s23);
            }
        }
        for (int c = 0; c < NC; ++c) {
            const float d = ys[c][i].d * xd;
            acc[c] = _mm512_fmadd_ps(_mm512_set1_ps(d), _mm512_cvtepi32_ps(sumi[c]), acc[c]);
        }
    }
    for (int c = 0; c < NC; ++c) out[c] = _mm512_reduce_add_ps(acc[c]);
}

// stepQ8_0 for NC columns, the weight half (sign mask, |x|) shared.
template <int NC>
FAB_FN void stepQ8_0Cols(const BlockQ8_0* x, const BlockQ8_0* const* ys, int64_t i, __m512* accs) {
    const __m512i qx = combine(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs)),
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i + 1].qs)));
    const __mmask64 neg = _mm512_movepi8_mask(qx);
    const __m512i ax = _mm512_abs_epi8(qx);
    for (int c = 0; c < NC; ++c) {
        const BlockQ8_0* y = ys[c] + i;
        const __m512i qy = combine(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[0].qs)),
                                   _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[1].qs)));
        const __m512i sy = _mm512_mask_sub_epi8(qy, neg, _mm512_setzero_si512(), qy);
        const __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ax, sy);
        accs[c] =
            _mm512_fmadd_ps(pairScales(x[i], x[i + 1], y[0], y[1]), _mm512_cvtepi32_ps(p), accs[c]);
    }
}

template <int NC>
FAB_FN void dotQ8_0_512Cols(const BlockQ8_0* x, const void* const* acts, int64_t nb, float* out) {
    const BlockQ8_0* ys[NC];
    for (int c = 0; c < NC; ++c) ys[c] = static_cast<const BlockQ8_0*>(acts[c]);
    __m512 acc0[NC], acc1[NC];
    for (int c = 0; c < NC; ++c) acc0[c] = acc1[c] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 4 <= nb; i += 4) {
        stepQ8_0Cols<NC>(x, ys, i, acc0);
        stepQ8_0Cols<NC>(x, ys, i + 2, acc1);
    }
    for (; i + 2 <= nb; i += 2) stepQ8_0Cols<NC>(x, ys, i, acc0);
    for (int c = 0; c < NC; ++c) {
        float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0[c], acc1[c]));
        if (i < nb) sum += dotQ8_0(x + i, ys[c] + i, kQK);
        out[c] = sum;
    }
}

// mxfp4HalfScale of every E8M0 byte: one load per block instead of a shift and a branch.
struct Mxfp4ScaleTable {
    float v[256];
};
constexpr Mxfp4ScaleTable makeMxfp4Scales() {
    Mxfp4ScaleTable t{};
    for (int e = 0; e < 256; ++e) t.v[e] = mxfp4HalfScale(uint8_t(e));
    return t;
}
constexpr Mxfp4ScaleTable kMxfp4Scales = makeMxfp4Scales();

// MXFP4 x Q8_0, two blocks per zmm: the nibbles looked up in the e2m1 table (vpshufb in every
// 128-bit lane), |v| times y with v's sign (vpdpbusd), scales [dx0*dy0 x8 | dx1*dy1 x8].
// The 256-bit kernel took one block per step with its scales in scalar registers: gpt-oss
// decode read its experts at half the speed of Q4_K's.
template <int NC, int kAhead = 0>
FAB_FN void dotMXFP4_512Cols(const BlockMXFP4* x, const void* const* acts, int64_t nb,
                             float* out) {
    const __m512i table =
        _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kMxfp4Values)));
    const __m512i spread = combine(_mm256_setzero_si256(), _mm256_set1_epi32(1));
    const long long four = 0x0004000400040004LL;
    const __m512i highLanes = _mm512_setr_epi64(0, 0, four, four, 0, 0, four, four);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const BlockQ8_0* ys[NC];
    __m512 acc[NC];
    for (int c = 0; c < NC; ++c) {
        ys[c] = static_cast<const BlockQ8_0*>(acts[c]);
        acc[c] = _mm512_setzero_ps();
    }
    int64_t i = 0;
    for (; i + 2 <= nb; i += 2) {
        // 34 bytes per step: one line ahead per step covers the stream.
        if constexpr (kAhead > 0)
            _mm_prefetch(reinterpret_cast<const char*>(x + i) + kAhead, _MM_HINT_T0);
        // [b0, b0, b1, b1] in 16-byte lanes from two broadcast loads, then the high nibbles.
        const __m512i packed = _mm512_mask_broadcast_i32x4(
            _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].qs))),
            0xFF00, _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i + 1].qs)));
        const __m512i nibbles = _mm512_and_si512(_mm512_srlv_epi16(packed, highLanes), m4);
        const __m512i v = _mm512_shuffle_epi8(table, nibbles);
        const __mmask64 neg = _mm512_movepi8_mask(v);
        const __m512i av = _mm512_abs_epi8(v);
        const __m128 dx = _mm_unpacklo_ps(_mm_load_ss(&kMxfp4Scales.v[x[i].e]),
                                          _mm_load_ss(&kMxfp4Scales.v[x[i + 1].e]));
        for (int c = 0; c < NC; ++c) {
            const BlockQ8_0* y = ys[c] + i;
            const __m512i qy =
                combine(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[0].qs)),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[1].qs)));
            const __m512i sy = _mm512_mask_sub_epi8(qy, neg, _mm512_setzero_si512(), qy);
            const __m512i p = _mm512_dpbusd_epi32(_mm512_setzero_si512(), av, sy);
            const uint32_t dyBits = uint32_t(y[0].d) | (uint32_t(y[1].d) << 16);
            const __m128 d =
                _mm_mul_ps(dx, _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dyBits))));
            acc[c] = _mm512_fmadd_ps(_mm512_permutexvar_ps(spread, _mm512_castps128_ps512(d)),
                                     _mm512_cvtepi32_ps(p), acc[c]);
        }
    }
    for (int c = 0; c < NC; ++c) {
        float sum = _mm512_reduce_add_ps(acc[c]);
        if (i < nb) sum += dotMXFP4(x + i, ys[c] + i, kQK);
        out[c] = sum;
    }
}

template <int kAhead> FAB_KERNEL float dotMXFP4_512(const void* w, const void* a, int64_t n) {
    float out;
    const void* acts[1] = {a};
    dotMXFP4_512Cols<1, kAhead>(static_cast<const BlockMXFP4*>(w), acts, n / kQK, &out);
    return out;
}

// Dispatch on the column count (1..kMaxDotCols; the caller guarantees the range).
#define FAB_COLS_KERNEL(name, impl, Block, nbExpr)                                                 \
    FAB_KERNEL void name(const void* w, const void* const* acts, int cols, int64_t n,              \
                         float* out) {                                                             \
        const auto* x = static_cast<const Block*>(w);                                              \
        const int64_t nb = (nbExpr);                                                               \
        switch (cols) {                                                                            \
        case 1:                                                                                    \
            return impl<1>(x, acts, nb, out);                                                      \
        case 2:                                                                                    \
            return impl<2>(x, acts, nb, out);                                                      \
        case 3:                                                                                    \
            return impl<3>(x, acts, nb, out);                                                      \
        default:                                                                                   \
            return impl<4>(x, acts, nb, out);                                                      \
        }                                                                                          \
    }

template <int NC>
FAB_FN void dotQ4_KCols(const BlockQ4_K* x, const void* const* a, int64_t nb, float* out) {
    dotScaleMinK512Cols<NC, false>(x, a, nb, out);
}
template <int NC>
FAB_FN void dotQ5_KCols(const BlockQ5_K* x, const void* const* a, int64_t nb, float* out) {
    dotScaleMinK512Cols<NC, true>(x, a, nb, out);
}

FAB_COLS_KERNEL(dotQ4_K512Cols, dotQ4_KCols, BlockQ4_K, n / kQKK)
FAB_COLS_KERNEL(dotQ5_K512Cols, dotQ5_KCols, BlockQ5_K, n / kQKK)
FAB_COLS_KERNEL(dotQ6_K512ColsK, dotQ6_K512Cols, BlockQ6_K, n / kQKK)
FAB_COLS_KERNEL(dotQ8_0_512ColsK, dotQ8_0_512Cols, BlockQ8_0, n / kQK)
// The 256-bit kernels of vec_dot_simd.inc (with vpdpbusd), NC columns at once.
FAB_COLS_KERNEL(dotQ2_KColsK, dotQ2_KCols, BlockQ2_K, n / kQKK)
FAB_COLS_KERNEL(dotQ3_KColsK, dotQ3_KCols, BlockQ3_K, n / kQKK)
FAB_COLS_KERNEL(dotIQ4_XSColsK, dotIQ4_XSCols, BlockIQ4_XS, n / kQKK)
FAB_COLS_KERNEL(dotIQ4_NLColsK, dotIQ4_NLCols, BlockIQ4_NL, n / kQK)
FAB_COLS_KERNEL(dotMXFP4ColsK, dotMXFP4_512Cols, BlockMXFP4, n / kQK)
FAB_COLS_KERNEL(dotQ4_1ColsK, dotQ4_1Cols, BlockQ4_1, n / kQK)
FAB_COLS_KERNEL(dotQ5_0ColsK, dotQ5_0Cols, BlockQ5_0, n / kQK)
FAB_COLS_KERNEL(dotQ5_1ColsK, dotQ5_1Cols, BlockQ5_1, n / kQK)
#undef FAB_COLS_KERNEL

// The single-row kernels' prefetch distance: FABULIST_DECODE_PREFETCH (bytes: 0 = hardware
// prefetch only, 1024, 2048, 4096 or 8192), read once when the kernel tables are built.
// Default 4096, the fastest of those on granite-1b-a400m Q4_K_M decode (README, "Measured
// numbers", gives the paired run).
int decodePrefetchBytes() {
    const char* v = std::getenv("FABULIST_DECODE_PREFETCH");
    if (!v) return 4096;
    const int n = std::atoi(v);
    return (n == 1024 || n == 2048 || n == 4096 || n == 8192) ? n : 0;
}

template <VecDotFn f0, VecDotFn f1024, VecDotFn f2048, VecDotFn f4096, VecDotFn f8192>
VecDotFn withPrefetch() {
    switch (decodePrefetchBytes()) {
    case 8192:
        return f8192;
    case 1024:
        return f1024;
    case 2048:
        return f2048;
    case 4096:
        return f4096;
    default:
        return f0;
    }
}

} // namespace

VecDotFn vecDotAvx512(GgmlType weightType) {
    switch (weightType) {
    case GgmlType::F32:
        return dotF32; // 512-bit loads measured slower when streaming (split cache lines)
    case GgmlType::F16:
        return dotF16_512;
    case GgmlType::BF16:
        return dotBF16;
    case GgmlType::Q4_0:
        return dotQ4_0_512;
    case GgmlType::Q4_1:
        return dotQ4_1_512;
    case GgmlType::Q5_0:
        return dotQ5_0_512;
    case GgmlType::Q5_1:
        return dotQ5_1_512;
    case GgmlType::Q8_0:
        return withPrefetch<dotQ8_0_512<0>, dotQ8_0_512<1024>, dotQ8_0_512<2048>,
                            dotQ8_0_512<4096>, dotQ8_0_512<8192>>();
    case GgmlType::Q4_K:
        return withPrefetch<dotQ4_K512<0>, dotQ4_K512<1024>, dotQ4_K512<2048>, dotQ4_K512<4096>,
                            dotQ4_K512<8192>>();
    case GgmlType::Q5_K:
        return dotQ5_K512;
    case GgmlType::Q6_K:
        return withPrefetch<dotQ6_K512<0>, dotQ6_K512<1024>, dotQ6_K512<2048>, dotQ6_K512<4096>,
                            dotQ6_K512<8192>>();
    case GgmlType::Q2_K:
        return dotQ2_K;
    case GgmlType::Q3_K:
        return dotQ3_K;
    case GgmlType::IQ4_NL:
        return dotIQ4_NL;
    case GgmlType::IQ4_XS:
        return dotIQ4_XS;
    case GgmlType::MXFP4:
        return withPrefetch<dotMXFP4_512<0>, dotMXFP4_512<1024>, dotMXFP4_512<2048>,
                            dotMXFP4_512<4096>, dotMXFP4_512<8192>>();
    default:
        return nullptr;
    }
}

VecDotColsFn vecDotColsAvx512(GgmlType weightType) {
    switch (weightType) {
    case GgmlType::F16:
        return dotF16_512Cols;
    case GgmlType::Q8_0:
        return dotQ8_0_512ColsK;
    case GgmlType::Q4_K:
        return dotQ4_K512Cols;
    case GgmlType::Q5_K:
        return dotQ5_K512Cols;
    case GgmlType::Q6_K:
        return dotQ6_K512ColsK;
    case GgmlType::Q2_K:
        return dotQ2_KColsK;
    case GgmlType::Q3_K:
        return dotQ3_KColsK;
    case GgmlType::IQ4_NL:
        return dotIQ4_NLColsK;
    case GgmlType::IQ4_XS:
        return dotIQ4_XSColsK;
    case GgmlType::MXFP4:
        return dotMXFP4ColsK;
    case GgmlType::Q4_1:
        return dotQ4_1ColsK;
    case GgmlType::Q5_0:
        return dotQ5_0ColsK;
    case GgmlType::Q5_1:
        return dotQ5_1ColsK;
    default:
        return nullptr;
    }
}

} // namespace fabulist::inference::quant

#else

namespace fabulist::inference::quant {
VecDotFn vecDotAvx512(GgmlType) {
    return nullptr;
}
VecDotColsFn vecDotColsAvx512(GgmlType) {
    return nullptr;
}
} // namespace fabulist::inference::quant

#endif
