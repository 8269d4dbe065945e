#pragma once
// Collects the compute ops of a forward pass as a command list and submits it on flush(), as a
// command buffer recorded once per distinct list and reused (a decode step records once per
// shape). Every op reads and writes f32 tensors in device buffers, addressed as (buffer, byte
// offset); consecutive ops are separated by a compute-to-compute barrier, so ops run in call
// order.
//
// Binding ranges: a binding may cover at most maxStorageBufferRange bytes (128 MiB on lavapipe)
// and must start at a multiple of minStorageBufferOffsetAlignment. Each op binds the aligned
// window that holds the tensor and passes the remaining offset as a push constant; a weight
// matrix larger than one window is multiplied in row chunks, one dispatch per chunk.

#include "inference/backend/backend.h"
#include "inference/backend/vulkan/vulkan_buffer.h"
#include "inference/backend/vulkan/vulkan_pipelines.h"
#include "inference/backend/vulkan/vulkan_profiler.h"

#include <memory>
#include <vector>

namespace fabulist::inference::vulkan {

// f32 values starting `offset` bytes (a multiple of 4) into `buffer`.
struct DeviceF32 {
    const VulkanBuffer* buffer = nullptr;
    uint64_t offset = 0;
};

// A weight matrix (nOut rows of nIn values in ggml layout) uploaded once to device memory.
struct VulkanWeight {
    std::unique_ptr<VulkanBuffer> buffer;
    GgmlType type = GgmlType::F32;
    int64_t nIn = 0, nOut = 0;
    uint64_t rowBytes = 0;
};

class VulkanOps {
public:
    // profile: time every op with timestamp queries (VulkanProfiler).
    VulkanOps(VulkanDevice& device, VulkanPipelines& pipelines, bool profile = false);
    ~VulkanOps();
    VulkanOps(const VulkanOps&) = delete;
    VulkanOps& operator=(const VulkanOps&) = delete;

    // Whether matmul() has a shader for this weight type.
    static bool supportsWeightType(GgmlType type);
    // Copies raw GGUF rows (nOut * ggmlRowBytes(type, nIn) bytes) to a device-local buffer.
    // Throws VulkanError for an unsupported type.
    VulkanWeight uploadWeight(GgmlType type, int64_t nIn, int64_t nOut, const void* bytes);

    // y[t][r] = sum_i W[r][i] x[t][i] for t < rows; x rows are xStride floats apart, y rows
    // yStride floats apart.
    void matmul(const VulkanWeight& w, DeviceF32 x, int rows, int xStride, DeviceF32 y,
                int yStride);
    // The same for weight rows [firstRow, firstRow + nRows) only (one expert of a stack).
    void matmulRows(const VulkanWeight& w, int64_t firstRow, int64_t nRows, DeviceF32 x, int rows,
                    int xStride, DeviceF32 y, int yStride);
    // Writes rows of kvDim values (xStride apart) into a cache layer of kvType (F32, F16 or Q8_0)
    // at positions pos0..; cache points at the layer's first element. kept > 0: the layer is a
    // ring of that many slots (position p in slot p % kept). A Q8_0 layer holds every slot's
    // int8 values, then the blocks' f16 scales from scaleByteOffset (from the layer's start).
    void storeKv(DeviceF32 x, int rows, int xStride, int kvDim, const VulkanBuffer& cache,
                 uint64_t cacheByteOffset, int pos0, GgmlType kvType, int kept = 0,
                 uint64_t scaleByteOffset = 0);
    struct AttentionShape {
        int rows, nHead, nHeadKv, headDimK, headDimV, pos0, window, maxCtx;
        float scale;
        GgmlType kvType; // F32, F16 or Q8_0 (storeKv's layout)
        const VulkanBuffer* sinks = nullptr; // gpt-oss: nHead F32 logits that join the softmax
        int kvStrideV = 0; // values between cached V rows; 0: nHeadKv * headDimV (a shared
                           // latent cache reads V from the K rows: their stride)
        int kept = 0;      // > 0: the layer is a ring of `kept` slots (sliding window)
        uint64_t kScaleByteOffset = 0, vScaleByteOffset = 0; // Q8_0: where the scales start
        bool streamed = false; // no scores scratch: the keys streamed in tiles (same bits)
    };
    // Causal attention of q rows over one cache layer (K and V buffers, positions from 0);
    // scores is scratch of rows * nHead * maxCtx floats, unused when s.streamed.
    void attention(DeviceF32 q, int qStride, const VulkanBuffer& kLayer, const VulkanBuffer& vLayer,
                   DeviceF32 scores, DeviceF32 out, int outStride, const AttentionShape& s);
    // MoE routing of each row of router logits: (expert id, weight) pairs into route, slot
    // t * nUsed + j for the j-th choice of row t, by params' gating, normalisation and scale;
    // selectionBias: params.selectionBias on the device, or nullptr.
    void moeTopK(DeviceF32 logits, int rows, int stride, const MoeParams& params,
                 const VulkanBuffer* selectionBias, const VulkanBuffer& route);
    // y[r][0, cols) = x[r][0, cols) for `rows` rows (strides in floats).
    void copyRows(DeviceF32 x, int xStride, DeviceF32 y, int yStride, int rows, int cols);
    // Per-expert biases: y[s][0, n) += bias[route[s].id][0, n) for nSlots slots.
    void moeBias(DeviceF32 y, int yStride, int n, const VulkanBuffer& bias,
                 const VulkanBuffer& route, int nSlots);
    // Expert matmul for every slot of a routing buffer, without the host seeing the ids:
    // y[s] = W[route[s].id] · x[s / slotDiv], where w stacks nExpert matrices of w.nOut / nExpert
    // rows. Experts are grouped into as few dispatches as the binding range allows.
    void moeMatmul(const VulkanWeight& w, int64_t nExpert, DeviceF32 x, int xStride, int slotDiv,
                   const VulkanBuffer& route, int nSlots, DeviceF32 y, int yStride);
    // out[t] = sum_j route[t * nUsed + j].weight * y[t * nUsed + j] over `rows` tokens.
    void moeSum(DeviceF32 y, int yStride, const VulkanBuffer& route, int rows, int nUsed, int cols,
                DeviceF32 out, int outStride);
    // The diversity-head mix (heads/head_mix.h) for `rows` rows: projected[row] = A·hidden[row]
    // (the f32 matmul shader), then out[row] = z[row] + alpha·(B·projected[row] + bias) (the
    // head_mix shader, in vocabulary chunks that fit a binding). out may equal z.
    void headMix(const VulkanWeight& a, const VulkanWeight& b, const VulkanWeight& bias,
                 DeviceF32 hidden, int hiddenStride, DeviceF32 z, int zStride, float alpha,
                 DeviceF32 projected, int projectedStride, DeviceF32 out, int outStride, int rows);
    // x = a * y (assign) or x += a * y over n floats.
    void axpy(DeviceF32 x, DeviceF32 y, int64_t n, float a, bool assign);
    // Writes to y the activations x rounded as the CPU backend converts them to this weight
    // type's vec-dot format (f16, Q8_0/Q8_1 or Q8_K values, dequantized to f32), so a following
    // matmul matches the CPU's (and llama.cpp's) rounding. Returns false, recording nothing,
    // for weight types whose activations stay f32.
    bool roundActivations(GgmlType weightType, DeviceF32 x, int rows, int cols, int xStride,
                          DeviceF32 y, int yStride);
    // RMSNorm over groups of `group` values of each of `rows` rows of `cols`; weight optional
    // (group values). y may equal x.
    void rmsNorm(DeviceF32 x, const DeviceF32* weight, DeviceF32 y, int rows, int cols, int group,
                 float eps);
    // RoPE in place for rows at positions pos0.. (angles computed on the host exactly as the CPU
    // backend does: ropeAngles, with the frequency factors and YaRN of params).
    void rope(DeviceF32 x, int rows, int cols, const RopeParams& params, int pos0);
    // y = act(g) * u: SwiGLU, GeGLU (ggml's fp16 GELU table) or gpt-oss's clamped SwiGLU.
    void swiglu(DeviceF32 g, DeviceF32 u, DeviceF32 y, int64_t n,
                FfnActivation activation = FfnActivation::Silu);
    void softmax(DeviceF32 x, int rows, int cols);                 // in place, per row
    void add(DeviceF32 x, DeviceF32 y, int64_t n);                 // x += y
    void scale(DeviceF32 x, float s, int64_t n);                   // x *= s

    // Records a buffer-to-buffer copy, ordered with the ops around it.
    void copy(const VulkanBuffer& src, uint64_t srcOffset, const VulkanBuffer& dst,
              uint64_t dstOffset, uint64_t bytes);

    // Submits everything recorded and waits for it.
    void flush();
    // Submissions so far (tests check that ops stay on the device until a read), and how many
    // of them needed a newly recorded command buffer (the others reused one).
    uint64_t submissions() const { return m_submissions; }
    uint64_t recordings() const { return m_recorded; }
    // The per-op profile; nullptr unless profiling was asked for.
    const VulkanProfiler* profiler() const { return m_profiler.get(); }
    VulkanProfiler* profiler() { return m_profiler.get(); }

private:
    // Brackets one public op for the profiler: its end gets a timestamp labelled with the kind.
    class OpScope {
    public:
        OpScope(VulkanOps& ops, OpKind kind, GgmlType type = GgmlType::F32);
        ~OpScope();
        OpScope(const OpScope&) = delete;
        OpScope& operator=(const OpScope&) = delete;

    private:
        VulkanOps& m_ops;
    };
    struct Binding {
        VkDescriptorBufferInfo info;
        uint32_t elemOffset; // bytes from the window start to the tensor
        uint64_t serial;     // VulkanBuffer::serial()
    };
    // One noted command. Ops note commands; flush() records them into a command buffer, or
    // reuses one recorded earlier for an equal list (same pipelines, buffers, ranges, push
    // constants, grid): position-dependent values live in buffers the host writes before each
    // submission (RoPE table, m_dynamic), so a decode step's list repeats from token to token.
    struct Command {
        enum class Type : uint8_t { Dispatch, Copy, Stamp } type = Type::Dispatch;
        const VulkanPipeline* pipeline = nullptr;
        uint32_t nBindings = 0;
        Binding bindings[7]{};
        uint32_t pushWords = 0;
        uint32_t push[VulkanPipelines::kPushBytes / 4]{};
        uint32_t groupsX = 0, groupsY = 0;
        Binding src{}, dst{}; // Copy: info.offset is the byte offset, info.range the size
        uint32_t query = 0;   // Stamp
        bool operator==(const Command& o) const;
    };
    // A command buffer recorded from a command list, kept for reuse.
    struct Recording {
        std::vector<Command> commands;
        uint64_t hash = 0;
        uint64_t lastUse = 0;
        VkCommandBuffer cmd = VK_NULL_HANDLE;
        VkDescriptorPool descriptors = VK_NULL_HANDLE;
        uint32_t poolSets = 0;
    };
    // The aligned window of `span` bytes from `byteOffset`; throws when it exceeds the range.
    Binding window(const VulkanBuffer& buffer, uint64_t byteOffset, uint64_t span) const;
    void dispatch(const VulkanPipeline& p, const Binding* bindings, const void* push,
                  uint32_t pushBytes, uint32_t groupsX, uint32_t groupsY);
    // Splits `groups` workgroups into an x by y grid within the device's x limit.
    void dispatchLinear(const VulkanPipeline& p, const Binding* bindings, const void* push,
                        uint32_t pushBytes, uint64_t groups);
    void ensureRecording();
    void barrier(VkCommandBuffer cmd);
    // The next slot of m_dynamic, holding `value` for this submission (slots are taken in op
    // order, so the binding is the same each time the same op list repeats).
    Binding dynamicBinding(uint32_t value);
    // The recording for m_commands: an equal earlier one, or a new (or least recently used)
    // one recorded now.
    Recording& recordingFor();
    void record(Recording& r);

    VulkanDevice& m_device;
    VulkanPipelines& m_pipelines;
    VkCommandPool m_pool = VK_NULL_HANDLE;
    VkFence m_fence = VK_NULL_HANDLE;
    bool m_recording = false; // commands noted since the last flush
    std::vector<Command> m_commands;
    std::vector<Recording> m_recordings;
    uint64_t m_submissions = 0, m_recorded = 0;
    uint64_t m_clock = 0; // submissions, for least-recently-used recordings
    std::unique_ptr<VulkanProfiler> m_profiler;
    bool m_opOpen = false; // an OpScope is open (a flush inside it stamps the part so far)
    OpKind m_openKind = OpKind::Copy;
    GgmlType m_openType = GgmlType::F32;
    uint32_t m_setsUsed = 0;
    // RoPE angle tables written by the host for the ops noted since the last flush.
    std::unique_ptr<VulkanBuffer> m_ropeTable;
    uint64_t m_ropeUsed = 0; // floats
    // Positions (KV store and attention) written by the host for the ops since the last flush.
    std::unique_ptr<VulkanBuffer> m_dynamic;
    uint32_t m_dynamicUsed = 0;
    std::unique_ptr<VulkanBuffer> m_dummy; // bound where an op has no optional input
    std::unique_ptr<VulkanBuffer> m_geluTable; // GeGLU's fp16 lookup, made on first use
    void uploadGeluTable();
};

} // namespace fabulist::inference::vulkan
