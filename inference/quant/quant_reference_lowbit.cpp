// Scalar reference dequantizers and quantizers of Q2_K, Q3_K, IQ4_NL, IQ4_XS and MXFP4. The
// quantizers follow ggml's reference algorithms without an importance matrix step for step
// (same float operations in the same order), so that llama-quantize's output is reproduced
// byte for byte (tests/inference/quant_reference_models_test.cpp).

#include "inference/quant/fp16.h"
#include "inference/quant/quant_blocks.h"
#include "inference/quant/quant_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace fabulist::inference::quant {

namespace {

// --- dequantizers -----------------------------------------------------------------------

void dequantQ2_K(const BlockQ2_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d), dmin = fp16ToFp32(b[i].dmin);
        const uint8_t* q = b[i].qs;
        int is = 0;
        for (int half = 0; half < 2; ++half, q += 32)
            for (int shift = 0; shift < 8; shift += 2)
                for (int part = 0; part < 2; ++part, ++is) {
                    const float dl = d * static_cast<float>(b[i].scales[is] & 0xF);
                    const float ml = dmin * static_cast<float>(b[i].scales[is] >> 4);
                    for (int l = 0; l < 16; ++l)
                        *y++ = dl * static_cast<float>((q[16 * part + l] >> shift) & 3) - ml;
                }
    }
}

void dequantQ3_K(const BlockQ3_K* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        const uint8_t* q = b[i].qs;
        int is = 0, hbit = 0;
        for (int half = 0; half < 2; ++half, q += 32)
            for (int shift = 0; shift < 8; shift += 2, ++hbit)
                for (int part = 0; part < 2; ++part, ++is) {
                    const float dl = d * static_cast<float>(scaleQ3_K(b[i].scales, is) - 32);
                    for (int l = 16 * part; l < 16 * part + 16; ++l) {
                        const int high = (b[i].hmask[l] >> hbit) & 1;
                        *y++ = dl * static_cast<float>(((q[l] >> shift) & 3) - (high ? 0 : 4));
                    }
                }
    }
}

// 16 packed bytes of 4-bit indices: element j in the low nibble of qs[j], j+16 in the high one.
void dequantNibbles(const uint8_t* qs, const int8_t* values, float d, float* y) {
    for (int j = 0; j < 16; ++j) {
        y[j] = d * static_cast<float>(values[qs[j] & 0xF]);
        y[j + 16] = d * static_cast<float>(values[qs[j] >> 4]);
    }
}

void dequantIQ4_NL(const BlockIQ4_NL* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQK)
        dequantNibbles(b[i].qs, kIq4nlValues, fp16ToFp32(b[i].d), y);
}

void dequantIQ4_XS(const BlockIQ4_XS* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16ToFp32(b[i].d);
        for (int ib = 0; ib < 8; ++ib, y += kQK)
            dequantNibbles(b[i].qs + 16 * ib, kIq4nlValues,
                           d * static_cast<float>(scaleIQ4_XS(b[i], ib) - 32), y);
    }
}

void dequantMXFP4(const BlockMXFP4* b, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, y += kQK)
        dequantNibbles(b[i].qs, kMxfp4Values, mxfp4HalfScale(b[i].e), y);
}

// --- quantizers (ggml's reference algorithms, no importance matrix) ----------------------

// ggml's make_qkx2_quants: x ~ scale * L + min with L in 0..nmax, min <= 0, weighted absolute
// error; starts from the [min, max] range and tries nstep+1 slightly different steps, each with
// a weighted least-squares refit. Returns the scale, *negMin = -min.
float fitScaleMinWeighted(int n, int nmax, const float* x, const float* w, uint8_t* L,
                          float* negMin, uint8_t* Laux, float rmin, float rdelta, int nstep) {
    float min = x[0], max = x[0];
    float sumW = w[0], sumX = sumW * x[0];
    for (int i = 1; i < n; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sumW += w[i];
        sumX += w[i] * x[i];
    }
    if (min > 0) min = 0;
    if (max == min) {
        std::fill(L, L + n, 0);
        *negMin = -min;
        return 0.f;
    }
    float iscale = static_cast<float>(nmax) / (max - min);
    float scale = 1 / iscale;
    float bestError = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<uint8_t>(std::clamp(nearestInt(iscale * (x[i] - min)), 0, nmax));
        const float diff = scale * static_cast<float>(L[i]) + min - x[i];
        bestError += w[i] * std::fabs(diff);
    }
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
        float sumL = 0, sumL2 = 0, sumXL = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::clamp(nearestInt(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = static_cast<uint8_t>(l);
            const float fl = static_cast<float>(l);
            sumL += w[i] * fl;
            sumL2 += w[i] * fl * fl;
            sumXL += w[i] * fl * x[i];
        }
        const float D = sumW * sumL2 - sumL * sumL;
        if (D <= 0) continue;
        float thisScale = (sumW * sumXL - sumX * sumL) / D;
        float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
        if (thisMin > 0) {
            thisMin = 0;
            thisScale = sumXL / sumL2;
        }
        float err = 0;
        for (int i = 0; i < n; ++i) {
            const float diff = thisScale * static_cast<float>(Laux[i]) + thisMin - x[i];
            err += w[i] * std::fabs(diff);
        }
        if (err < bestError) {
            std::copy(Laux, Laux + n, L);
            bestError = err;
            scale = thisScale;
            min = thisMin;
        }
    }
    *negMin = -min;
    return scale;
}

// Four 2-bit planes per 128 values, as BlockQ2_K/BlockQ3_K store them.
void pack2BitPlanes(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < kQKK; j += 128)
        for (int l = 0; l < 32; ++l)
            qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) |
                                                 (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

void quantQ2_K(const float* x, BlockQ2_K* b, int64_t nb) {
    constexpr float kQ4Scale = 15.f;
    uint8_t L[kQKK], Laux[16];
    float w[16], mins[16], scales[16];
    for (int64_t i = 0; i < nb; ++i, x += kQKK) {
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 16; ++j) {
            for (int l = 0; l < 16; ++l) w[l] = std::fabs(x[16 * j + l]);
            scales[j] = fitScaleMinWeighted(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux, -0.5f,
                                            0.1f, 15);
            maxScale = std::max(maxScale, scales[j]);
            maxMin = std::max(maxMin, mins[j]);
        }
        std::memset(b[i].scales, 0, sizeof b[i].scales);
        b[i].d = fp32ToFp16(0.f);
        b[i].dmin = fp32ToFp16(0.f);
        if (maxScale > 0) {
            const float iscale = kQ4Scale / maxScale;
            for (int j = 0; j < 16; ++j)
                b[i].scales[j] = static_cast<uint8_t>(nearestInt(iscale * scales[j]));
            b[i].d = fp32ToFp16(maxScale / kQ4Scale);
        }
        if (maxMin > 0) {
            const float iscale = kQ4Scale / maxMin;
            for (int j = 0; j < 16; ++j)
                b[i].scales[j] |= static_cast<uint8_t>(nearestInt(iscale * mins[j]) << 4);
            b[i].dmin = fp32ToFp16(maxMin / kQ4Scale);
        }
        for (int j = 0; j < 16; ++j) {
            const float d = fp16ToFp32(b[i].d) * static_cast<float>(b[i].scales[j] & 0xF);
            if (d == 0.f) continue; // keeps the levels of the fit
            const float dm = fp16ToFp32(b[i].dmin) * static_cast<float>(b[i].scales[j] >> 4);
            for (int l = 0; l < 16; ++l)
                L[16 * j + l] =
                    static_cast<uint8_t>(std::clamp(nearestInt((x[16 * j + l] + dm) / d), 0, 3));
        }
        pack2BitPlanes(L, b[i].qs);
    }
}

// ggml's make_q3_quants with its rmse search: a symmetric scale for n values, levels in
// -nmax..nmax-1, refined by moving single levels while sum(w x l)^2 / sum(w l^2) grows
// (w = x^2). L gets level + nmax.
float fitScaleQ3(int n, int nmax, const float* x, int8_t* L) {
    float amax = 0, max = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < 1e-15f) {
        std::fill(L, L + n, 0);
        return 0.f;
    }
    const float iscale = static_cast<float>(-nmax) / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = std::clamp(nearestInt(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<int8_t>(l);
        const float w = x[i] * x[i];
        const float fl = static_cast<float>(l);
        sumlx += w * x[i] * fl;
        suml2 += w * fl * fl;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            const float li = static_cast<float>(L[i]);
            float slx = sumlx - w * x[i] * li;
            if (slx <= 0) continue;
            float sl2 = suml2 - w * li * li;
            const int newL = std::clamp(nearestInt(x[i] * sl2 / slx), -nmax, nmax - 1);
            if (newL == L[i]) continue;
            const float fn = static_cast<float>(newL);
            slx += w * x[i] * fn;
            sl2 += w * fn * fn;
            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = static_cast<int8_t>(newL);
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (!changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
    return sumlx / suml2;
}

void quantQ3_K(const float* x, BlockQ3_K* b, int64_t nb) {
    int8_t L[kQKK];
    float scales[16];
    for (int64_t i = 0; i < nb; ++i, x += kQKK) {
        float maxScale = 0, amax = 0;
        for (int j = 0; j < 16; ++j) {
            scales[j] = fitScaleQ3(16, 4, x + 16 * j, L + 16 * j);
            if (std::fabs(scales[j]) > amax) {
                amax = std::fabs(scales[j]);
                maxScale = scales[j];
            }
        }
        std::memset(b[i].scales, 0, sizeof b[i].scales);
        b[i].d = fp32ToFp16(0.f);
        if (maxScale != 0.f) {
            const float iscale = -32.f / maxScale;
            for (int j = 0; j < 16; ++j) {
                const int l = std::clamp(nearestInt(iscale * scales[j]), -32, 31) + 32;
                if (j < 8)
                    b[i].scales[j] = static_cast<uint8_t>(l & 0xF);
                else
                    b[i].scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
                b[i].scales[8 + j % 4] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
            }
            b[i].d = fp32ToFp16(1 / iscale);
        }
        for (int j = 0; j < 16; ++j) {
            const float d = fp16ToFp32(b[i].d) * static_cast<float>(scaleQ3_K(b[i].scales, j) - 32);
            if (d == 0.f) continue; // keeps the levels of the fit
            for (int l = 0; l < 16; ++l)
                L[16 * j + l] =
                    static_cast<int8_t>(std::clamp(nearestInt(x[16 * j + l] / d), -4, 3) + 4);
        }
        // The high bit of element k goes to bit k/32 of hmask[k % 32]; L keeps the low 2 bits.
        std::memset(b[i].hmask, 0, sizeof b[i].hmask);
        uint8_t low[kQKK];
        for (int k = 0; k < kQKK; ++k) {
            if (L[k] > 3) b[i].hmask[k % 32] |= static_cast<uint8_t>(1 << (k / 32));
            low[k] = static_cast<uint8_t>(L[k] > 3 ? L[k] - 4 : L[k]);
        }
        pack2BitPlanes(low, b[i].qs);
    }
}

// ggml's best_index_int8: the index of the table value nearest to x (ties to the lower one).
int nearestIndex(const int8_t* values, float x) {
    if (x <= values[0]) return 0;
    if (x >= values[15]) return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (x < values[mid])
            hi = mid;
        else
            lo = mid;
    }
    return x - values[hi - 1] < values[hi] - x ? hi - 1 : hi;
}

constexpr int kIq4Tries = 7; // llama-quantize's ntry for IQ4_NL and IQ4_XS

// ggml's quantize_row_iq4_nl_impl without importance matrix (weights x^2): per 32 values the
// scale with the best weighted fit among max/values[0] steps nudged by -7..7. For a super-block
// of 256 (IQ4_XS) the eight scales are then quantized to 6 bits against the largest one and the
// indices recomputed; for one block (IQ4_NL) the scale is stored as fp16 and indices recomputed.
void quantizeIq4Row(int superBlock, const float* x, uint16_t* dh, uint8_t* q4, uint16_t* scalesH,
                    uint8_t* scalesL) {
    const int8_t* values = kIq4nlValues;
    float scales[kQKK / kQK], weight[kQK];
    uint8_t L[kQKK];
    std::memset(q4, 0, static_cast<size_t>(superBlock / 2));
    *dh = fp32ToFp16(0.f);
    float maxScale = 0, amaxScale = 0;
    for (int ib = 0; ib < superBlock / kQK; ++ib) {
        const float* xb = x + ib * kQK;
        uint8_t* Lb = L + ib * kQK;
        for (int j = 0; j < kQK; ++j) weight[j] = xb[j] * xb[j];
        float amax = 0, max = 0;
        for (int j = 0; j < kQK; ++j)
            if (std::fabs(xb[j]) > amax) {
                amax = std::fabs(xb[j]);
                max = xb[j];
            }
        if (amax < 1e-15f) {
            scales[ib] = 0;
            continue;
        }
        float d = -max / static_cast<float>(values[0]);
        float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int j = 0; j < kQK; ++j) {
            const int l = nearestIndex(values, id * xb[j]);
            Lb[j] = static_cast<uint8_t>(l);
            const float q = values[l];
            sumqx += weight[j] * q * xb[j];
            sumq2 += weight[j] * q * q;
        }
        d = sumqx / sumq2;
        float best = d * sumqx;
        for (int itry = -kIq4Tries; itry <= kIq4Tries; ++itry) {
            id = static_cast<float>(itry + values[0]) / max;
            sumqx = sumq2 = 0;
            for (int j = 0; j < kQK; ++j) {
                const float q = values[nearestIndex(values, id * xb[j])];
                sumqx += weight[j] * q * xb[j];
                sumq2 += weight[j] * q * q;
            }
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                d = sumqx / sumq2;
                best = d * sumqx;
            }
        }
        scales[ib] = d;
        if (std::fabs(d) > amaxScale) {
            amaxScale = std::fabs(d);
            maxScale = d;
        }
    }
    if (superBlock > kQK) {
        *scalesH = 0;
        const float d = -maxScale / 32;
        *dh = fp32ToFp16(d);
        const float id = d != 0.f ? 1 / d : 0.f;
        for (int ib = 0; ib < superBlock / kQK; ++ib) {
            int l = std::clamp(nearestInt(id * scales[ib]), -32, 31);
            const float dl = d * static_cast<float>(l);
            const float idl = dl != 0.f ? 1 / dl : 0.f;
            for (int j = 0; j < kQK; ++j)
                L[ib * kQK + j] = static_cast<uint8_t>(nearestIndex(values, idl * x[ib * kQK + j]));
            l += 32;
            if (ib % 2 == 0)
                scalesL[ib / 2] = static_cast<uint8_t>(l & 0xF);
            else
                scalesL[ib / 2] |= static_cast<uint8_t>((l & 0xF) << 4);
            *scalesH |= static_cast<uint16_t>((l >> 4) << (2 * ib));
        }
    } else {
        *dh = fp32ToFp16(scales[0]);
        const float id = scales[0] != 0.f ? 1 / scales[0] : 0.f;
        for (int j = 0; j < kQK; ++j) L[j] = static_cast<uint8_t>(nearestIndex(values, id * x[j]));
    }
    for (int i = 0; i < superBlock / kQK; ++i)
        for (int j = 0; j < 16; ++j)
            q4[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
}

void quantIQ4_NL(const float* x, BlockIQ4_NL* b, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK)
        quantizeIq4Row(kQK, x, &b[i].d, b[i].qs, nullptr, nullptr);
}

void quantIQ4_XS(const float* x, BlockIQ4_XS* b, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQKK)
        quantizeIq4Row(kQKK, x, &b[i].d, b[i].qs, &b[i].scalesH, b[i].scalesL);
}

// The MXFP4 index of the e2m1 value nearest to x at scale e (first one on ties).
int nearestMxfp4(float x, float e) {
    int best = 0;
    float bestErr = std::fabs(static_cast<float>(kMxfp4Values[0]) * e - x);
    for (int i = 1; i < 16; ++i) {
        const float err = std::fabs(static_cast<float>(kMxfp4Values[i]) * e - x);
        if (err < bestErr) {
            best = i;
            bestErr = err;
        }
    }
    return best;
}

// ggml's quantize_row_mxfp4_ref: the exponent puts the largest |x| in e2m1's top binade
// (floor(log2 amax) - 2), every value to its nearest e2m1 value.
void quantMXFP4(const float* x, BlockMXFP4* b, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i, x += kQK) {
        float amax = 0;
        for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
        b[i].e = amax > 0.f ? static_cast<uint8_t>(std::floor(std::log2(amax)) - 2 + 127) : 0;
        const float d = mxfp4HalfScale(b[i].e);
        for (int j = 0; j < kQK / 2; ++j)
            b[i].qs[j] =
                static_cast<uint8_t>(nearestMxfp4(x[j], d) | (nearestMxfp4(x[j + 16], d) << 4));
    }
}

} // namespace

bool dequantizeLowBit(GgmlType type, const void* src, float* dst, int64_t n) {
    switch (type) {
    case GgmlType::Q2_K:
        return dequantQ2_K(static_cast<const BlockQ2_K*>(src), dst, n / kQKK), true;
    case GgmlType::Q3_K:
        return dequantQ3_K(static_cast<const BlockQ3_K*>(src), dst, n / kQKK), true;
    case GgmlType::IQ4_NL:
        return dequantIQ4_NL(static_cast<const BlockIQ4_NL*>(src), dst, n / kQK), true;
    case GgmlType::IQ4_XS:
        return dequantIQ4_XS(static_cast<const BlockIQ4_XS*>(src), dst, n / kQKK), true;
    case GgmlType::MXFP4:
        return dequantMXFP4(static_cast<const BlockMXFP4*>(src), dst, n / kQK), true;
    default:
        return false;
    }
}

bool quantizeLowBit(GgmlType type, const float* src, void* dst, int64_t n) {
    switch (type) {
    case GgmlType::Q2_K:
        return quantQ2_K(src, static_cast<BlockQ2_K*>(dst), n / kQKK), true;
    case GgmlType::Q3_K:
        return quantQ3_K(src, static_cast<BlockQ3_K*>(dst), n / kQKK), true;
    case GgmlType::IQ4_NL:
        return quantIQ4_NL(src, static_cast<BlockIQ4_NL*>(dst), n / kQK), true;
    case GgmlType::IQ4_XS:
        return quantIQ4_XS(src, static_cast<BlockIQ4_XS*>(dst), n / kQKK), true;
    case GgmlType::MXFP4:
        return quantMXFP4(src, static_cast<BlockMXFP4*>(dst), n / kQK), true;
    default:
        return false;
    }
}

} // namespace fabulist::inference::quant
