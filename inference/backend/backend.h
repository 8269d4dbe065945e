#pragma once
// The interface every compute backend (cpu/, vulkan/) implements. The model's
// forward pass (inference/model/) is written once against it and never looks inside a tensor:
// activations are f32 matrices living in backend memory, weights are whatever upload() made of
// a GGUF tensor. A backend may fuse freely inside one op (e.g. the CPU backend runs a whole
// SwiGLU FFN, or a whole grouped MoE layer, as one op).
//
// Threading: one inference thread drives a Backend; ops run in call order.
//
// Adding a backend (vulkan/, cuda/): implement this class in inference/backend/<name>/ (upload
// copies or maps the weight bytes to the device and keeps its handle in Weight::device; Act
// carries a device buffer handle plus a byte offset, so views need no device call; read() is the
// only op that synchronises with the host), then return it from createBackend() in
// backend_factory.cpp for its device name. Model code and Sessions need no change. The CPU
// backend (cpu/) is the numerical reference: the op tests in tests/inference/backend_cpu_*
// show what each op must compute, including llama.cpp's activation rounding.

#include "inference/quant/ggml_type.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace fabulist::inference {

struct GgufTensorInfo;

// A weight tensor as uploaded: a matrix of nOut rows of nIn values (ggml ne[0] = nIn), or a
// stack of nMat such matrices (experts). `host` points into the mapped file; `device` is the
// backend's own handle (nullptr for the CPU backend, which computes from the mapping).
struct Weight {
    std::string name;
    GgmlType type = GgmlType::F32;
    int64_t nIn = 0, nOut = 1, nMat = 1;
    size_t rowBytes = 0;
    const void* host = nullptr;
    void* device = nullptr;
};

// An f32 activation matrix of `rows` x `cols` (row-major) in backend memory. `data` is opaque
// to the model code. view() selects rows [first, first + count).
struct Act {
    void* data = nullptr; // backend buffer handle (CPU: host pointer)
    size_t offset = 0;    // bytes from data to row 0
    int rows = 0;
    int cols = 0;
    Act view(int first, int count) const {
        return Act{data, offset + size_t(first) * size_t(cols) * sizeof(float), count, cols};
    }
};

// K/V storage for every layer; owned by a Session, created by the backend.
class KvCache {
public:
    virtual ~KvCache() = default;
    virtual GgmlType type() const = 0;
    virtual int capacity() const = 0; // positions
    virtual uint64_t bytes() const = 0;
    // Positions layer `layer` keeps: capacity(), or fewer for a sliding-window layer whose
    // cache is a ring (position p in slot p % positionsKept). Ops take positions; the backend maps.
    virtual int positionsKept(int layer) const {
        (void)layer;
        return capacity();
    }
};

struct AttentionParams {
    int nHead = 0, nHeadKv = 0, headDimK = 0, headDimV = 0;
    float scale = 1.0f;
    int window = 0; // sliding window (positions visible behind the query, incl. itself); 0 = all
    // Optional attention sinks (gpt-oss): one logit per head that joins every softmax's max and
    // denominator but has no value.
    const Weight* sinks = nullptr;
};

struct RopeParams {
    int nHead = 0, headDim = 0, nRot = 0;
    float freqBase = 10000.0f;
    float freqScale = 1.0f;              // linear RoPE scaling: angles times this (1/factor)
    bool neox = false;                   // rotate (i, i + nRot/2) instead of (2i, 2i + 1)
    const Weight* freqFactors = nullptr; // optional rope_freqs (nRot/2 divisors)
    int offset = 0;                      // the rotated dims start this far into each head
    // YaRN (extFactor 1): low-frequency dimensions interpolated, high ones extrapolated with a
    // ramp between the correction dimensions of betaFast / betaSlow over the original context,
    // and cos/sin times attnFactor · (1 + 0.1 ln(1/freqScale)) — ggml's rope_yarn.
    float extFactor = 0.0f;
    float attnFactor = 1.0f;
    float betaFast = 32.0f, betaSlow = 1.0f;
    int nCtxOrig = 0;
};

// Experts of one MoE layer plus the routing rule.
struct MoeWeights {
    const Weight* gate = nullptr; // [nIn, nFf, nExpert]
    const Weight* up = nullptr;
    const Weight* down = nullptr; // [nFf, nIn, nExpert]
    // Optional per-expert biases (gpt-oss): [nFf, nExpert] for gate and up, [nIn, nExpert] down.
    const Weight* gateBias = nullptr;
    const Weight* upBias = nullptr;
    const Weight* downBias = nullptr;
};

// The gated FFN's activation: SwiGLU (silu(gate)·up) or GeGLU (gelu(gate)·up, GELU's tanh
// form looked up through fp16 as ggml's CPU backend does: gelu(fp16(x)) rounded to fp16).
// SwigluOai: gpt-oss's clamped form, min(g, 7)·sigmoid(1.702·min(g, 7))·(clamp(u, ±7) + 1).
enum class FfnActivation { Silu, GeluFp16, SwigluOai };

// How the router's logits become expert weights: softmax over all experts, or each expert's
// sigmoid (DeepSeek-V3, GLM-4.5), where the choice adds a per-expert bias to the score
// (exp_probs_b) but the weight is the score itself.
// SoftmaxOfChosen (gpt-oss): the top-k by raw logit, weighted by a softmax over those k.
enum class MoeGating { Softmax, Sigmoid, SoftmaxOfChosen };

struct MoeParams {
    int nExpert = 0;
    int nUsed = 0;
    bool normalizeWeights = true; // renormalise the chosen experts' weights to sum to 1
    MoeGating gating = MoeGating::Softmax;
    const Weight* selectionBias = nullptr; // optional [nExpert] added to the scores for the choice
    float weightsScale = 1.0f;             // weights times this after normalisation
    FfnActivation activation = FfnActivation::Silu;
    bool plain() const {
        return gating == MoeGating::Softmax && !selectionBias && weightsScale == 1.0f &&
               activation == FfnActivation::Silu;
    }
};

// A diversity head (heads/head_adapter.h) as uploaded: A is rank rows of nEmbd, B nVocab rows
// of rank, bias nVocab values (one row), all F32.
struct HeadWeights {
    Weight a, b, bias;
    int rank = 0;
};

// One row of a decode step over several sequences that continue the same cached prompt
// (candidates): the prompt's K/V stay in the session's cache (prefixLen positions, shared by every
// sequence, never copied); a sequence's own tokens go to slots [tailBegin, tailBegin + tailCount)
// of a second cache, the row's token into the last of them. Its position is
// prefixLen + tailCount - 1.
struct SequenceStep {
    int tailBegin = 0;
    int tailCount = 1;
};

// The head sizes of multi-head latent attention (DeepSeek-V2/V3).
struct MlaShape {
    int nHead = 0;
    int nope = 0;   // query/key dimensions without RoPE, per head
    int rope = 0;   // rotated dimensions, per head (shared by the heads on the key side)
    int latent = 0; // kv_lora_rank: the cached latent per token
    int value = 0;  // value head size after expansion
};

// Sizes the backend must be able to handle without allocating during a forward pass.
struct BackendLimits {
    int maxRows = 1;    // tokens per forward pass
    int maxCols = 1;    // widest activation row (any matmul input or output)
    int maxContext = 1; // KV positions
    int maxFfRows = 1;  // rows of FFN intermediate: maxRows * max(1, experts used)
    int maxFf = 1;      // FFN intermediate width
    int nEmbd = 1;
};

// One op kind's device time over the profiled work of a backend.
struct OpTiming {
    std::string op; // "matmul q4_k", "attention", ...
    double totalMs = 0.0;
    int64_t count = 0;  // ops recorded (an op split over two submissions counts once)
    double share = 0.0; // of the total device time of all kinds
};

// (name, value) lines that describe a device, for `fabulist-cli info`.
using DeviceDescription = std::vector<std::pair<std::string, std::string>>;

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    virtual int threads() const = 0;

    // What the device is and what it offers.
    virtual DeviceDescription describeDevice() const = 0;
    // Device time per op kind since the last resetProfile(), largest first; empty when the
    // backend does not profile or profiling is off (createBackend's `profile`).
    virtual std::vector<OpTiming> profile() const { return {}; }
    virtual void resetProfile() {}

    // Called once before the first upload() with every tensor of the model, so a backend whose
    // memory cannot hold them all (CUDA) plans which stay in host memory (expert_placement.h).
    // cpuMoeLayers: the experts of layers [0, N) stay on the CPU (-1: decided from free memory);
    // reservedBytes: device memory the KV cache and scratch will need.
    virtual void prepareUploads(std::span<const GgufTensorInfo> tensors, int cpuMoeLayers,
                                uint64_t reservedBytes) {
        (void)tensors, (void)cpuMoeLayers, (void)reservedBytes;
    }
    // Called between requests (before a generation's prompt): a backend may rearrange what it
    // keeps where (CUDA: the most used experts of a split model onto the GPU).
    virtual void betweenRequests() {}
    // Makes a GGUF tensor usable by ops. The CPU backend keeps the mapped pointer (no copy).
    virtual Weight upload(const GgufTensorInfo& tensor) = 0;
    // Frees what upload() made for a weight that is no longer used (a session's diversity head
    // when another adapter replaces it). Model weights are never released. The CPU backend
    // owns nothing (it computes from the caller's memory).
    virtual void release(const Weight& weight) { (void)weight; }
    // Allocates scratch for the given sizes; called once before the first forward pass.
    virtual void reserve(const BackendLimits& limits) = 0;

    virtual Act allocate(int rows, int cols) = 0; // lives until the backend is destroyed
    virtual std::unique_ptr<KvCache> createKvCache(int nLayer, int capacity, int kvDimK, int kvDimV,
                                                   GgmlType type) = 0;
    // The same with per-layer ring sizes (layerSlots[l] <= capacity; a ring for layers whose
    // attention looks back only a window). A backend without rings gives a full cache.
    virtual std::unique_ptr<KvCache> createRingKvCache(int nLayer, int capacity,
                                                       std::span<const int> layerSlots, int kvDimK,
                                                       int kvDimV, GgmlType type) {
        (void)layerSlots;
        return createKvCache(nLayer, capacity, kvDimK, kvDimV, type);
    }

    // out[r] = table[ids[r]] (dequantized row).
    virtual void embed(const Weight& table, std::span<const int32_t> ids, Act out) = 0;
    // RMSNorm over groups of `group` consecutive values (group = cols for a plain row norm,
    // head size for per-head Q/K norm), times weight (nullptr: none; weight has `group` values).
    virtual void rmsNorm(Act in, const Weight* weight, Act out, int group, float eps) = 0;
    // out = in · W^T for every row; W has nOut rows of nIn. Matmuls that read
    // the same input may be issued together so they share activation quantization and one
    // parallel region (Q/K/V).
    struct MatmulJob {
        const Weight* weight = nullptr;
        const Weight* bias = nullptr; // optional [nOut] added to the result
        Act out;
    };
    virtual void matmul(Act in, std::span<const MatmulJob> jobs) = 0;
    virtual void rope(Act x, const RopeParams& params, int pos0) = 0; // rows are positions pos0..
    virtual void storeKv(KvCache& cache, int layer, Act k, Act v, int pos0) = 0;
    // Causal attention of rows pos0.. over cache positions [0, pos0 + row].
    virtual void attention(KvCache& cache, int layer, Act q, Act out, int pos0,
                           const AttentionParams& params) = 0;
    // out = down(silu(gate x) * up x), scaled by sigmoid(scaleGate · x) when scaleGate is given
    // (the Qwen2-MoE shared expert). accumulate: out += instead of out =.
    virtual void ffn(Act x, const Weight& gate, const Weight& up, const Weight& down, Act out,
                     const Weight* scaleGate, bool accumulate,
                     FfnActivation activation = FfnActivation::Silu) = 0;
    // Routes each row by softmax(routerLogits) top-k and computes the weighted sum of the chosen
    // experts' SwiGLU FFNs. out is overwritten.
    virtual void moe(Act x, Act routerLogits, const MoeWeights& experts, const MoeParams& params,
                     Act out) = 0;
    virtual void add(Act x, Act y) = 0; // x += y
    // The ops of the newer architectures (granite, gemma3, gpt-oss, deepseek2). A backend
    // without them says so: hasExtendedOps() false, and models that need them refuse to load
    // on it (the defaults throw).
    virtual bool hasExtendedOps() const { return false; }
    // x *= s (embedding, residual and logit multipliers); hasScaleOp() says whether it runs.
    virtual bool hasScaleOp() const { return hasExtendedOps(); }
    virtual void scale(Act x, float s);
    // Multi-head latent attention (DeepSeek), per row and head h: out[h] = [W[h] · q[h][0, nope),
    // q[h][nope, nope + rope)] (the no-rope query absorbed into the latent space, the rotated
    // part kept), and values back from the latent: out[h] = W[h] · in[h] (MlaShape sizes).
    virtual void absorbQuery(Act q, const Weight& kB, Act out, const MlaShape& shape);
    virtual void expandValues(Act latent, const Weight& vB, Act out, const MlaShape& shape);
    // The diversity-head mix for every row: out = logits + alpha·(B·(A·hidden) + b), computed as
    // heads/head_mix.cpp does (the scalar reference). hidden: rows x nEmbd, logits and out:
    // rows x nVocab (out may be logits itself), projected: scratch of at least rows x rank.
    virtual void headMix(Act hidden, Act logits, const HeadWeights& head, float alpha,
                         Act projected, Act out) = 0;
    // Copies row `row` of `a` into host memory (a.cols floats).
    virtual void read(Act a, int row, float* dst) = 0;

    // Several sequences decoded together (SequenceStep). A backend that has these ops says so;
    // the engine otherwise decodes the sequences one after another. Each row must compute the
    // same numbers, bit for bit, as the one-sequence ops above would for it alone at its
    // position (batch invariance: a candidate does not depend on how many run beside it).
    virtual bool decodesSequences() const { return false; }
    // rope() with row r at positions[r].
    virtual void ropeAt(Act x, const RopeParams& params, std::span<const int> positions);
    // storeKv() with row r into slot slots[r].
    virtual void storeKvAt(KvCache& cache, int layer, Act k, Act v, std::span<const int> slots);
    // attention() of row r over prefix positions [0, prefixLen) of `prefix` followed by the row's
    // own slots of `tail` (steps[r]), as one causal sequence.
    virtual void attentionSequences(KvCache& prefix, int prefixLen, KvCache& tail, int layer, Act q,
                                    Act out, std::span<const SequenceStep> steps,
                                    const AttentionParams& params);
};

// Creates the backend named by `device` ("cpu", "vulkan"); `profile` turns on per-op timing
// where the backend has it. Throws EngineError for unknown or unavailable devices, naming the
// device and what exists.
// `allowCpuDevice`: a Vulkan implementation on the CPU (lavapipe) may be used, as when the
// writer chose Vulkan explicitly (FABULIST_VULKAN_ALLOW_CPU=1 allows it too).
std::unique_ptr<Backend> createBackend(const std::string& device, int threads,
                                       bool profile = false, bool allowCpuDevice = false);
// The description of `device` without a model, as an engine with default options would have it.
DeviceDescription describeDevice(const std::string& device);

} // namespace fabulist::inference
