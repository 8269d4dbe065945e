// Scalar reference dequantizers and quantizers for every supported type, and the activation
// quantizers used by matmuls. Layouts and the activation rounding follow ggml, so that our
// numbers can be compared with llama.cpp's.

#include "inference/quant/fp16.h"
#include "inference/quant/quant_blocks.h"
#include "inference/quant/quant_internal.h"
#include "inference/quant/quant_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace fabulist::inference {

using namespace quant;

namespace {

// The signed value with the largest magnitude (first one on ties), and that magnitude.
inline float signedAbsMax(const float* x, int n, float* amaxOut) {
    float amax = 0.f, max = 0.f;
    for (int j = 0; j < n; ++j) {
        const float ax = std::fabs(x[j]);
        if (ax > amax) {
            amax = ax;
            max = x[j];
        }
    }
    *amaxOut = amax;
    return max;
}

void checkMultiple(GgmlType type, int64_t n) {
    const auto& t = ggmlTypeTraits(type);
    if (n < 0 || n % t.blockSize != 0)
        throw std::invalid_argument("row of " + std::to_string(n) +
                                    " elements is not a multiple "
                                    "of the " +
                                    std::string(t.name) + " block size");
}

// --- dequantizers -----------------------------------------------------------------------

void dequantQ4_0(const BlockQ4_0* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQK) {
        const float d = fp16ToFp32(b[i].d);
        for (int j = 0; j < kQK / 2; ++j) {
            y[j] = static_cast<float>((b[i].qs[j] & 0xF) - 8) * d;
            y[j + 16] = static_cast<float>((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

void dequantQ4_1(const BlockQ4_1* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQK) {
        const float d = fp16ToFp32(b[i].d), m = fp16ToFp32(b[i].m);
        for (int j = 0; j < kQK / 2; ++j) {
            y[j] = static_cast<float>(b[i].qs[j] & 0xF) * d + m;
            y[j + 16] = static_cast<float>(b[i].qs[j] >> 4) * d + m;
        }
    }
}

template <typename Block> void unpackQ5(const Block& b, int* q) {
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < kQK / 2; ++j) {
        q[j] = (b.qs[j] & 0xF) | (((qh >> j) & 1) << 4);
        q[j + 16] = (b.qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    }
}

void dequantQ5_0(const BlockQ5_0* b, float* y, int64_t nb) {
    int q[kQK];
    for (int64_t i = 0; i < nb; ++i, y += kQK) {
        const float d = fp16ToFp32(b[i].d);
        unpackQ5(b[i], q);
        for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(q[j] - 16) * d;
    }
}

void dequantQ5_1(const BlockQ5_1* b, float* y, int64_t nb) {
    int q[kQK];
    for (int64_t i = 0; i < nb; ++i, y += kQK) {
        const float d = fp16ToFp32(b[i].d), m = fp16ToFp32(b[i].m);
        unpackQ5(b[i], q);
        for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(q[j]) * d + m;
    }
}

template <typename Block> void dequantQ8(const Block* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQK) {
        const float d = fp16ToFp32(b[i].d);
        for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(b[i].qs[j]) * d;
    }
}

void dequantQ4_K(const BlockQ4_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d), dmin = fp16ToFp32(b[i].dmin);
        const uint8_t* q = b[i].qs;
        for (int j = 0; j < 4; ++j, q += 32) {
            uint8_t sc, m;
            scaleMinK4(2 * j, b[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            scaleMinK4(2 * j + 1, b[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
        }
    }
}

void dequantQ5_K(const BlockQ5_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d), dmin = fp16ToFp32(b[i].dmin);
        const uint8_t* ql = b[i].qs;
        const uint8_t* qh = b[i].qh;
        for (int j = 0; j < 4; ++j, ql += 32) {
            uint8_t sc, m;
            scaleMinK4(2 * j, b[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = dmin * m;
            scaleMinK4(2 * j + 1, b[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = dmin * m;
            const int bitLo = 2 * j, bitHi = 2 * j + 1;
            for (int l = 0; l < 32; ++l)
                *y++ = d1 * static_cast<float>((ql[l] & 0xF) + (((qh[l] >> bitLo) & 1) << 4)) - m1;
            for (int l = 0; l < 32; ++l)
                *y++ = d2 * static_cast<float>((ql[l] >> 4) + (((qh[l] >> bitHi) & 1) << 4)) - m2;
        }
    }
}

void dequantQ6_K(const BlockQ6_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        const uint8_t* ql = b[i].ql;
        const uint8_t* qh = b[i].qh;
        const int8_t* sc = b[i].scales;
        for (int n = 0; n < kQKK; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * sc[is + 0] * static_cast<float>(q1);
                y[l + 32] = d * sc[is + 2] * static_cast<float>(q2);
                y[l + 64] = d * sc[is + 4] * static_cast<float>(q3);
                y[l + 96] = d * sc[is + 6] * static_cast<float>(q4);
            }
        }
    }
}

void dequantQ8_K(const BlockQ8_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i)
        for (int j = 0; j < kQKK; ++j) *y++ = b[i].d * static_cast<float>(b[i].qs[j]);
}

// --- weight quantizers (reference quality; see quant_kernels.h) --------------------------

void quantQ4_0(const float* x, BlockQ4_0* b, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax;
        const float max = signedAbsMax(x, kQK, &amax);
        const float d = max / -8.f;
        const float id = d != 0.f ? 1.f / d : 0.f;
        b[i].d = fp32ToFp16(d);
        for (int j = 0; j < kQK / 2; ++j) {
            const int q0 = std::min(15, static_cast<int>(x[j] * id + 8.5f));
            const int q1 = std::min(15, static_cast<int>(x[j + 16] * id + 8.5f));
            b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
        }
    }
}

void quantQ4_1(const float* x, BlockQ4_1* b, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        const float mn = *std::min_element(x, x + kQK), mx = *std::max_element(x, x + kQK);
        const float d = (mx - mn) / 15.f;
        const float id = d != 0.f ? 1.f / d : 0.f;
        b[i].d = fp32ToFp16(d);
        b[i].m = fp32ToFp16(mn);
        for (int j = 0; j < kQK / 2; ++j) {
            const int q0 = std::min(15, static_cast<int>((x[j] - mn) * id + 0.5f));
            const int q1 = std::min(15, static_cast<int>((x[j + 16] - mn) * id + 0.5f));
            b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
        }
    }
}

template <typename Block> void packQ5(const int* q, Block& b) {
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
        b.qs[j] = static_cast<uint8_t>((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4));
        qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
        qh |= static_cast<uint32_t>((q[j + 16] >> 4) & 1) << (j + 16);
    }
    std::memcpy(b.qh, &qh, 4);
}

void quantQ5_0(const float* x, BlockQ5_0* b, int64_t nb) {
    int q[kQK];
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax;
        const float max = signedAbsMax(x, kQK, &amax);
        const float d = max / -16.f;
        const float id = d != 0.f ? 1.f / d : 0.f;
        b[i].d = fp32ToFp16(d);
        for (int j = 0; j < kQK; ++j) q[j] = std::min(31, static_cast<int>(x[j] * id + 16.5f));
        packQ5(q, b[i]);
    }
}

void quantQ5_1(const float* x, BlockQ5_1* b, int64_t nb) {
    int q[kQK];
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        const float mn = *std::min_element(x, x + kQK), mx = *std::max_element(x, x + kQK);
        const float d = (mx - mn) / 31.f;
        const float id = d != 0.f ? 1.f / d : 0.f;
        b[i].d = fp32ToFp16(d);
        b[i].m = fp32ToFp16(mn);
        for (int j = 0; j < kQK; ++j)
            q[j] = std::min(31, static_cast<int>((x[j] - mn) * id + 0.5f));
        packQ5(q, b[i]);
    }
}

void quantQ8_0Weights(const float* x, BlockQ8_0* b, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax = 0.f;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f;
        const float id = d != 0.f ? 1.f / d : 0.f;
        b[i].d = fp32ToFp16(d);
        for (int j = 0; j < kQK; ++j) b[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
    }
}

// Scale and offset for 32 values x ~ scale * q + offset, q in 0..nmax, offset <= 0. Starts
// from the [min(0, min), max] range, then tries a few slightly different steps: for each the
// levels are fixed and scale/offset refitted by least squares; the lowest squared error wins.
void fitScaleMin(const float* x, int nmax, float* scaleOut, float* minOut) {
    const float mn = std::min(0.f, *std::min_element(x, x + 32));
    const float mx = *std::max_element(x, x + 32);
    *scaleOut = (mx - mn) / static_cast<float>(nmax);
    *minOut = -mn;
    if (mx - mn <= 0.f) return;
    float bestErr = -1.f;
    for (int k = -2; k <= 6; ++k) {
        const float iscale = (static_cast<float>(nmax) + 0.25f * static_cast<float>(k)) / (mx - mn);
        float sl = 0, sll = 0, sx = 0, slx = 0;
        int lq[32];
        for (int j = 0; j < 32; ++j) {
            lq[j] = std::clamp(nearestInt(iscale * (x[j] - mn)), 0, nmax);
            sl += static_cast<float>(lq[j]);
            sll += static_cast<float>(lq[j] * lq[j]);
            sx += x[j];
            slx += static_cast<float>(lq[j]) * x[j];
        }
        const float det = 32.f * sll - sl * sl;
        if (det <= 0.f) continue;
        float sc = (32.f * slx - sl * sx) / det;
        float off = (sll * sx - sl * slx) / det;
        if (off > 0.f) { // offsets must be <= 0 (stored as a non-negative min)
            off = 0.f;
            sc = sll > 0.f ? slx / sll : 0.f;
        }
        if (sc <= 0.f) continue;
        float err = 0.f;
        for (int j = 0; j < 32; ++j) {
            const float e = x[j] - (sc * static_cast<float>(lq[j]) + off);
            err += e * e;
        }
        if (bestErr < 0.f || err < bestErr) {
            bestErr = err;
            *scaleOut = sc;
            *minOut = -off;
        }
    }
}

// K-quant with scale + min per 32 values (Q4_K: nmax 15, Q5_K: nmax 31): each sub-block gets a
// fitted scale and min (fitScaleMin); the 8 scales and 8 mins are then quantized to 6 bits
// against the super-block's largest ones, and the values re-quantized with the rounded scales.
void quantizeScaleMinK(const float* x, int nmax, uint16_t* dOut, uint16_t* dminOut, uint8_t* scales,
                       uint8_t* q) {
    float scale[8], minv[8];
    float maxScale = 0.f, maxMin = 0.f;
    for (int s = 0; s < 8; ++s) {
        fitScaleMin(x + 32 * s, nmax, &scale[s], &minv[s]);
        maxScale = std::max(maxScale, scale[s]);
        maxMin = std::max(maxMin, minv[s]);
    }
    const float d = maxScale / 63.f, dmin = maxMin / 63.f;
    *dOut = fp32ToFp16(d);
    *dminOut = fp32ToFp16(dmin);
    const float dq = fp16ToFp32(*dOut), dminq = fp16ToFp32(*dminOut);
    uint8_t ls[8], lm[8];
    for (int s = 0; s < 8; ++s) {
        ls[s] = static_cast<uint8_t>(dq > 0.f ? std::clamp(nearestInt(scale[s] / dq), 0, 63) : 0);
        lm[s] =
            static_cast<uint8_t>(dminq > 0.f ? std::clamp(nearestInt(minv[s] / dminq), 0, 63) : 0);
    }
    std::memset(scales, 0, kScaleBytesK);
    for (int s = 0; s < 8; ++s) {
        if (s < 4) {
            scales[s] = ls[s];
            scales[s + 4] = lm[s];
        } else {
            scales[s + 4] = static_cast<uint8_t>((ls[s] & 0xF) | ((lm[s] & 0xF) << 4));
            scales[s - 4] |= static_cast<uint8_t>((ls[s] >> 4) << 6);
            scales[s] |= static_cast<uint8_t>((lm[s] >> 4) << 6);
        }
    }
    for (int s = 0; s < 8; ++s) {
        const float sd = dq * ls[s], sm = dminq * lm[s];
        for (int j = 0; j < 32; ++j) {
            const int v = sd > 0.f ? nearestInt((x[32 * s + j] + sm) / sd) : 0;
            q[32 * s + j] = static_cast<uint8_t>(std::clamp(v, 0, nmax));
        }
    }
}

void quantQ4_K(const float* x, BlockQ4_K* b, int64_t nb) {
    uint8_t q[kQKK];
    for (int64_t i = 0; i < nb; ++i, x += kQKK) {
        quantizeScaleMinK(x, 15, &b[i].d, &b[i].dmin, b[i].scales, q);
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l)
                b[i].qs[32 * j + l] =
                    static_cast<uint8_t>(q[64 * j + l] | (q[64 * j + 32 + l] << 4));
    }
}

void quantQ5_K(const float* x, BlockQ5_K* b, int64_t nb) {
    uint8_t q[kQKK];
    for (int64_t i = 0; i < nb; ++i, x += kQKK) {
        quantizeScaleMinK(x, 31, &b[i].d, &b[i].dmin, b[i].scales, q);
        std::memset(b[i].qh, 0, sizeof b[i].qh);
        for (int j = 0; j < 4; ++j)
            for (int l = 0; l < 32; ++l) {
                const int lo = q[64 * j + l], hi = q[64 * j + 32 + l];
                b[i].qs[32 * j + l] = static_cast<uint8_t>((lo & 0xF) | ((hi & 0xF) << 4));
                b[i].qh[l] |=
                    static_cast<uint8_t>(((lo >> 4) << (2 * j)) | ((hi >> 4) << (2 * j + 1)));
            }
    }
}

// Q6_K sub-block scale: the largest-magnitude value m maps to about -32 (the asymmetric end of
// [-32, 31]); a few slightly larger steps m/-t, t in 30..32, are tried so that values of the
// other sign near -m are not clamped, and the one with the least squared error wins.
float bestQ6Scale(const float* x) {
    float amax;
    const float max = signedAbsMax(x, 16, &amax);
    if (amax == 0.f) return 0.f;
    float best = max / -32.f, bestErr = -1.f;
    for (int k = 0; k <= 8; ++k) {
        const float sc = max / -(32.f - 0.25f * static_cast<float>(k));
        float err = 0.f;
        for (int j = 0; j < 16; ++j) {
            const int q = std::clamp(nearestInt(x[j] / sc), -32, 31);
            const float e = x[j] - sc * static_cast<float>(q);
            err += e * e;
        }
        if (bestErr < 0.f || err < bestErr) {
            bestErr = err;
            best = sc;
        }
    }
    return best;
}

// Q6_K: a signed scale per 16 values (bestQ6Scale); the 16 scales are quantized to int8
// against the largest one, then the values re-quantized with the rounded scales.
void quantQ6_K(const float* x, BlockQ6_K* b, int64_t nb) {
    int8_t L[kQKK];
    for (int64_t i = 0; i < nb; ++i, x += kQKK) {
        float scale[16];
        float maxScale = 0.f, maxAbsScale = 0.f;
        for (int s = 0; s < 16; ++s) {
            scale[s] = bestQ6Scale(x + 16 * s);
            if (std::fabs(scale[s]) > maxAbsScale) {
                maxAbsScale = std::fabs(scale[s]);
                maxScale = scale[s];
            }
        }
        if (maxAbsScale == 0.f) {
            std::memset(&b[i], 0, sizeof b[i]); // d = 0: every value decodes to 0
            continue;
        }
        const float iscale = -128.f / maxScale;
        b[i].d = fp32ToFp16(1.f / iscale);
        const float dq = fp16ToFp32(b[i].d);
        for (int s = 0; s < 16; ++s) {
            b[i].scales[s] = static_cast<int8_t>(std::min(127, nearestInt(iscale * scale[s])));
            const float sd = dq * b[i].scales[s];
            for (int j = 0; j < 16; ++j) {
                const int v = sd != 0.f ? nearestInt(x[16 * s + j] / sd) : 0;
                L[16 * s + j] = static_cast<int8_t>(std::clamp(v, -32, 31) + 32);
            }
        }
        for (int c = 0; c < 2; ++c) {
            uint8_t* ql = b[i].ql + 64 * c;
            uint8_t* qh = b[i].qh + 32 * c;
            const int8_t* Lc = L + 128 * c;
            for (int l = 0; l < 32; ++l) {
                const int q1 = Lc[l], q2 = Lc[l + 32], q3 = Lc[l + 64], q4 = Lc[l + 96];
                ql[l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
                ql[l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
                qh[l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) |
                                             ((q4 >> 4) << 6));
            }
        }
    }
}

} // namespace

namespace quant {

void quantizeActF32(const float* x, void* dst, int64_t n) {
    std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
}

void quantizeActF16(const float* x, void* dst, int64_t n) {
    auto* y = static_cast<uint16_t*>(dst);
    for (int64_t i = 0; i < n; ++i) y[i] = fp32ToFp16(x[i]);
}

// ggml's CPU quantize_row_q8_0 (its AVX path): round-half-even of x * (127/amax).
template <typename Block> static void quantizeActQ8(const float* x, Block* b, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax = 0.f;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.f;
        const float id = amax != 0.f ? 127.f / amax : 0.f;
        b[i].d = fp32ToFp16(d);
        int sum = 0;
        for (int j = 0; j < kQK; ++j) {
            const int q = static_cast<int>(std::nearbyint(x[j] * id));
            b[i].qs[j] = static_cast<int8_t>(q);
            sum += q;
        }
        if constexpr (std::is_same_v<Block, BlockQ8_1>)
            b[i].s = fp32ToFp16(d * static_cast<float>(sum));
    }
}

void quantizeActQ8_0(const float* x, void* dst, int64_t n) {
    quantizeActQ8(x, static_cast<BlockQ8_0*>(dst), n / kQK);
}

void quantizeActQ8_1(const float* x, void* dst, int64_t n) {
    quantizeActQ8(x, static_cast<BlockQ8_1*>(dst), n / kQK);
}

// ggml's quantize_row_q8_K_ref (what the x86 CPU backend uses).
void quantizeActQ8_K(const float* x, void* dst, int64_t n) {
    auto* b = static_cast<BlockQ8_K*>(dst);
    for (int64_t i = 0; i < n / kQKK; ++i, x += kQKK) {
        float amax;
        const float max = signedAbsMax(x, kQKK, &amax);
        if (amax == 0.f) {
            std::memset(&b[i], 0, sizeof b[i]);
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < kQKK; ++j)
            b[i].qs[j] = static_cast<int8_t>(std::min(127, nearestInt(iscale * x[j])));
        for (int g = 0; g < kQKK / 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += b[i].qs[16 * g + j];
            b[i].bsums[g] = static_cast<int16_t>(sum);
        }
        b[i].d = 1.f / iscale;
    }
}

} // namespace quant

void dequantizeRow(GgmlType type, const void* src, float* dst, int64_t n) {
    checkMultiple(type, n);
    if (dequantizeLowBit(type, src, dst, n)) return;
    switch (type) {
    case GgmlType::F32:
        std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
        return;
    case GgmlType::F16: {
        const auto* s = static_cast<const uint16_t*>(src);
        for (int64_t i = 0; i < n; ++i) dst[i] = fp16ToFp32(s[i]);
        return;
    }
    case GgmlType::BF16: {
        const auto* s = static_cast<const uint16_t*>(src);
        for (int64_t i = 0; i < n; ++i) dst[i] = bf16ToFp32(s[i]);
        return;
    }
    case GgmlType::Q4_0:
        return dequantQ4_0(static_cast<const BlockQ4_0*>(src), dst, n / kQK);
    case GgmlType::Q4_1:
        return dequantQ4_1(static_cast<const BlockQ4_1*>(src), dst, n / kQK);
    case GgmlType::Q5_0:
        return dequantQ5_0(static_cast<const BlockQ5_0*>(src), dst, n / kQK);
    case GgmlType::Q5_1:
        return dequantQ5_1(static_cast<const BlockQ5_1*>(src), dst, n / kQK);
    case GgmlType::Q8_0:
        return dequantQ8(static_cast<const BlockQ8_0*>(src), dst, n / kQK);
    case GgmlType::Q8_1:
        return dequantQ8(static_cast<const BlockQ8_1*>(src), dst, n / kQK);
    case GgmlType::Q4_K:
        return dequantQ4_K(static_cast<const BlockQ4_K*>(src), dst, n / kQKK);
    case GgmlType::Q5_K:
        return dequantQ5_K(static_cast<const BlockQ5_K*>(src), dst, n / kQKK);
    case GgmlType::Q6_K:
        return dequantQ6_K(static_cast<const BlockQ6_K*>(src), dst, n / kQKK);
    case GgmlType::Q8_K:
        return dequantQ8_K(static_cast<const BlockQ8_K*>(src), dst, n / kQKK);
    default:
        break;
    }
    throw std::invalid_argument("dequantizeRow: unsupported type");
}

void quantizeRow(GgmlType type, const float* src, void* dst, int64_t n) {
    checkMultiple(type, n);
    if (quantizeLowBit(type, src, dst, n)) return;
    switch (type) {
    case GgmlType::F32:
        return quantizeActF32(src, dst, n);
    case GgmlType::F16:
        return quantizeActF16(src, dst, n);
    case GgmlType::BF16: {
        auto* d = static_cast<uint16_t*>(dst);
        for (int64_t i = 0; i < n; ++i) d[i] = fp32ToBf16(src[i]);
        return;
    }
    case GgmlType::Q4_0:
        return quantQ4_0(src, static_cast<BlockQ4_0*>(dst), n / kQK);
    case GgmlType::Q4_1:
        return quantQ4_1(src, static_cast<BlockQ4_1*>(dst), n / kQK);
    case GgmlType::Q5_0:
        return quantQ5_0(src, static_cast<BlockQ5_0*>(dst), n / kQK);
    case GgmlType::Q5_1:
        return quantQ5_1(src, static_cast<BlockQ5_1*>(dst), n / kQK);
    case GgmlType::Q8_0:
        return quantQ8_0Weights(src, static_cast<BlockQ8_0*>(dst), n / kQK);
    case GgmlType::Q8_1:
        return quantizeActQ8_1(src, dst, n);
    case GgmlType::Q4_K:
        return quantQ4_K(src, static_cast<BlockQ4_K*>(dst), n / kQKK);
    case GgmlType::Q5_K:
        return quantQ5_K(src, static_cast<BlockQ5_K*>(dst), n / kQKK);
    case GgmlType::Q6_K:
        return quantQ6_K(src, static_cast<BlockQ6_K*>(dst), n / kQKK);
    case GgmlType::Q8_K:
        return quantizeActQ8_K(src, dst, n);
    default:
        break;
    }
    throw std::invalid_argument("quantizeRow: unsupported type");
}

} // namespace fabulist::inference
